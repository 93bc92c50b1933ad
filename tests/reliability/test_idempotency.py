"""A submission sent again with the same Idempotency-Key stores one request, not two."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import func, select

from api.main import create_app
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import IdempotencyKey, TransportRequest
from tests.factories import request_body

URL = "/api/v1/transport-requests"
ESSEN = {"abh": "ABH-05113"}


def _requests(runtime: Runtime) -> int:
    with transaction(runtime.sessions) as session:
        return session.exec(select(func.count()).select_from(TransportRequest)).one()


def test_the_same_key_twice_returns_the_first_request(
    client: TestClient, auth: Callable[..., dict[str, str]], runtime: Runtime
) -> None:
    headers = {**auth("abh", subject="sb-essen", **ESSEN), "Idempotency-Key": str(uuid.uuid4())}
    first = client.post(URL, json=request_body(), headers=headers)
    again = client.post(URL, json=request_body(), headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert _requests(runtime) == 1
    # without a key, the same body is a second request (a person may have several transports)
    assert (
        client.post(URL, json=request_body(), headers=auth("abh", subject="sb-essen", **ESSEN)).status_code
        == 201
    )
    assert _requests(runtime) == 2


def test_a_key_is_per_caller_and_per_body(
    client: TestClient, auth: Callable[..., dict[str, str]], runtime: Runtime
) -> None:
    key = {"Idempotency-Key": "retry-0001-abcdef"}
    assert (
        client.post(
            URL, json=request_body(), headers={**auth("abh", subject="a", **ESSEN), **key}
        ).status_code
        == 201
    )
    other_body = request_body(priority=3)
    reused = client.post(URL, json=other_body, headers={**auth("abh", subject="a", **ESSEN), **key})
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["field"] == "Idempotency-Key"
    assert reused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    # another case worker may use the same key text for their own submission
    assert (
        client.post(URL, json=other_body, headers={**auth("abh", subject="b", **ESSEN), **key}).status_code
        == 201
    )
    assert _requests(runtime) == 2


def test_a_malformed_key_names_the_header(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    for bad in ("short", "x" * 101, "mit leerzeichen 123", "semi;colon;1234"):
        answer = client.post(
            URL, json=request_body(), headers={**auth("abh", **ESSEN), "Idempotency-Key": bad}
        )
        assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "Idempotency-Key", bad


def test_a_refused_submission_does_not_use_up_its_key(
    client: TestClient, auth: Callable[..., dict[str, str]], runtime: Runtime
) -> None:
    """The key and the request are stored in one transaction: after a 422 the corrected body
    may not reuse the key (other body), but nothing of the refused one is kept."""
    headers = {**auth("abh", **ESSEN), "Idempotency-Key": "k-refused-0001"}
    bad = client.post(URL, json=request_body(priority=9), headers=headers)
    assert bad.status_code == 422
    with transaction(runtime.sessions) as session:
        assert session.exec(select(func.count()).select_from(IdempotencyKey)).one() == 0
    assert client.post(URL, json=request_body(), headers=headers).status_code == 201


def test_twins_in_flight_at_once_store_one_request(
    runtime: Runtime, auth: Callable[..., dict[str, str]]
) -> None:
    """Two copies of one submission arrive at the same moment (a client retrying too early):
    one request is stored and both answers carry its id."""
    headers = {
        **auth("abh", subject="sb-essen", **ESSEN),
        "Idempotency-Key": "twins-0001-" + uuid.uuid4().hex,
    }
    app = create_app(runtime=runtime)
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(4)

    def send() -> None:
        with TestClient(app) as client:
            start.wait()
            response = client.post(URL, json=request_body(), headers=headers)
            answers.append((response.status_code, response.json().get("id", response.text)))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {201}, answers
    assert len({rid for _, rid in answers}) == 1
    assert _requests(runtime) == 1
