"""Reference data through the API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_api_lists_zabs_and_abhs_each_with_one_zab(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """/zabs gives five ZABs; /abhs gives 81 ABHs each naming one of them."""
    headers = auth("ministry")
    zabs = client.get("/api/v1/zabs", headers=headers).json()
    assert len(zabs) == 5
    abhs = client.get("/api/v1/abhs", headers=headers).json()
    assert len(abhs) == 81 and {a["zab_id"] for a in abhs} == {z["id"] for z in zabs}
    essen = client.get("/api/v1/abhs", params={"zab": "ZAB-E"}, headers=headers).json()
    assert "ABH-05113" in {a["id"] for a in essen} and all(a["zab_id"] == "ZAB-E" for a in essen)


def test_api_lists_locations_by_kind_and_vehicles_by_zab(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """Airports come from airportsdata; the vehicle list can be filtered by ZAB."""
    headers = auth("zfa")
    airports = client.get("/api/v1/locations", params={"kind": "airport"}, headers=headers).json()
    assert {"AP-DUS", "AP-CGN", "AP-FRA"} <= {a["id"] for a in airports}
    vehicles = client.get("/api/v1/vehicles", params={"zab": "ZAB-K"}, headers=headers).json()
    assert vehicles and all(v["zab_id"] == "ZAB-K" for v in vehicles)
    bad = client.get("/api/v1/locations", params={"kind": "spaceport"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"


def test_openapi_describes_the_v1_api(client: TestClient) -> None:
    """The OpenAPI document lists the request endpoints under /api/v1."""
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/transport-requests" in spec["paths"]
    assert "/api/v1/transport-requests/{request_id}" in spec["paths"]
