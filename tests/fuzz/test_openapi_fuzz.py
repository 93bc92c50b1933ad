"""Fuzzing the OpenAPI document (issue 9): every operation, every role, on SQLite and PostgreSQL.

Schemathesis generates valid and invalid requests from /api/v1/openapi.json and sends each
of them to the app in-process (ASGI) once per role (abh of the demo's ABH, zab ZAB-E, zfa,
zrk, ministry, admin, dpo) and once without a token. Every answer must be below 500, conform
to the documented status codes, media types and schemas, name the problem when it refuses
(422: `message` and the fields; other 4xx: a German `detail`) and show no personal data to
a role that may not see it.

    .venv/bin/pytest tests/fuzz                              # bounded (CI): 5 per operation
    LTRAKO_FUZZ_EXAMPLES=200 .venv/bin/pytest tests/fuzz     # full run: random seed, coverage phase
"""

from __future__ import annotations

import http
import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import jwt
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.schemas.common import NUMBER
from ltrako.core.policy import CASE_READ as CASE_ROLES
from ltrako.core.policy import MEDICAL_FLAGS as MEDICAL_ROLES
from tests.fuzz.conftest import ROLES, FuzzLog, LogTap, World

HANG_S = 5.0  # issue 16: no request slower than this under fuzzing
Case = schemathesis.Case[Any]
# Health-related flags: TransportRequestRead.of and _person set them to None (and
# medical_details_visible to False) for roles outside ltrako.core.policy.MEDICAL_FLAGS.
MEDICAL_FLAGS = ("requires_medical_escort", "wheelchair", "requires_medical_reception")
ENGLISH_DETAILS = {s.phrase for s in http.HTTPStatus} | {
    "Not authenticated",
    "There was an error parsing the body",
}
# The solver's time per call, bounded so that a run stays within minutes: operation →
# (where, name, cap, the schema's maximum). Values above the maximum are left as they are.
SOLVER_LIMITS = {
    "POST /api/v1/plans": ("body", "time_limit_s", 0.5, 300),
    "POST /api/v1/restplatz/runs": ("body", "time_limit_s", 0.5, 300),
    "POST /api/v1/charters/{charter_id}/plan": ("query", "time_limit", 1, 300),
}
# Case references of the world under test (set by the test: checks get no fixtures).
SEEDED_CASE_REFS: set[str] = set()


def _claims(response: schemathesis.Response) -> dict[str, Any]:
    """The claims of the token the request carried (unverified: the app verified it already)."""
    header = response.request.headers.get("Authorization", "")
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    if not header.startswith("Bearer "):
        return {}
    try:
        return dict(jwt.decode(header.removeprefix("Bearer "), options={"verify_signature": False}))
    except jwt.PyJWTError:
        return {}


def _content_type(response: schemathesis.Response) -> str:
    return response.headers.get("content-type", [""])[0]


def _json(response: schemathesis.Response) -> Any:
    if not response.content or "json" not in _content_type(response):
        return None
    return json.loads(response.content)


def _text(response: schemathesis.Response) -> str:
    """The body as text; an XLSX export is unpacked so that its cells are searched too."""
    if "spreadsheetml" in _content_type(response):
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    if _content_type(response).startswith("image/png"):
        return ""
    return response.content.decode("utf-8", "replace")


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


@schemathesis.check
def names_the_problem(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
    """A refusal says what is wrong: 422 with `message` and the fields, other 4xx a German `detail`."""
    if not 400 <= response.status_code < 500:
        return
    body = _json(response)
    assert isinstance(body, dict), f"{response.status_code} ohne JSON-Fehlerobjekt"
    if response.status_code == 422:
        assert str(body.get("message", "")).startswith("Eingabe ungültig: "), "422 ohne message"
        problems = body.get("detail")
        assert isinstance(problems, list) and problems, "422 ohne Felder"
        for problem in problems:
            assert isinstance(problem.get("field"), str) and problem["field"], f"422 ohne field: {problem}"
            assert isinstance(problem.get("msg"), str) and problem["msg"], f"422 ohne msg: {problem}"
        return
    detail = body.get("detail")
    assert isinstance(detail, str) and detail.strip(), f"{response.status_code} ohne detail"
    assert detail not in ENGLISH_DETAILS, f"{response.status_code} mit englischem detail {detail!r}"


@schemathesis.check
def shows_no_personal_data_to_roles_without_need(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> None:
    """No token: nothing but the health check. Roles outside ltrako.core.policy.CASE_READ (ministry,
    dpo): no single cases, no case references. An ABH: its own requests only, a ZAB: its
    district's (ltrako.core.policy.reads_request). Health data: MEDICAL_ROLES; details: zrk."""
    claims = _claims(response)
    role = claims.get("role")
    if role is None:
        assert response.status_code >= 400 or case.path == "/api/v1/health", "Antwort ohne Anmeldung"
        return
    for node in _objects(_json(response)):
        if "depot_location_id" in node:  # a vehicle: `wheelchair` is its equipment, not a person's need
            continue
        if role not in MEDICAL_ROLES:
            shown = {k: node[k] for k in MEDICAL_FLAGS if node.get(k) is not None}
            assert not shown, f"Rolle {role} sieht Gesundheitsmerkmale {shown}"
            assert not node.get("medical_details_visible"), f"Rolle {role}: medical_details_visible"
        if role != "zrk":
            assert node.get("medical_details") is None, f"Rolle {role} sieht medizinische Angaben"
        if role not in CASE_ROLES:
            assert "case_ref" not in node and "persons" not in node, f"Rolle {role} sieht Einzelfälle"
        if "persons" in node and role in ("abh", "zab"):  # a transport request with its persons
            # a ZAB: its district's requests and those it carries after a Transportübernahme
            owners = (
                {node.get("abh_id")} if role == "abh" else {node.get("zab_id"), node.get("carrier_zab_id")}
            )
            assert claims[role] in owners, f"{role} {claims[role]} sieht Auftrag {node.get('id')}"
    if role not in CASE_ROLES and response.content:
        text = _text(response)
        leaked = sorted(ref for ref in SEEDED_CASE_REFS if ref in text)
        assert not leaked, f"Rolle {role} sieht Aktenzeichen {leaked[:3]}"


def _lenient_query_day(case: Case) -> bool:
    """`?day=0` is read as 1970-01-01: the routes declare query days as `dt.date`, which takes
    numbers as Unix timestamps. They need `api.schemas.Day` (ISO text only); until then such a
    request is not held against negative_data_rejection (it is logged)."""
    day = (case.query or {}).get("day")
    return day is not None and NUMBER.match(str(day)) is not None


def _bound_solver_time(case: Case) -> None:
    """Cap valid solver time limits, and fill in the default of 20 s, at a second or less."""
    limit = SOLVER_LIMITS.get(case.operation.label)
    if limit is None:
        return
    where, name, cap, maximum = limit
    values = case.body if where == "body" else case.query
    if not isinstance(values, dict):
        return
    value = values.get(name)
    absent = name not in values  # the default of 20 s; an explicit null is the fuzzer's
    if absent or (isinstance(value, int | float) and not isinstance(value, bool) and cap < value <= maximum):
        values[name] = cap


def _check(case: Case, world: World, role: str, log: FuzzLog) -> None:
    """Send the case with the role's token; the checks raise on the first broken promise."""
    headers = world.headers[role]
    started = time.perf_counter()
    try:
        response = case.call(headers=headers)
    except Exception as exc:  # the server answered 500 and the in-process client re-raises its cause
        log.fail(world.backend, role, case, f"500 {type(exc).__name__}")
        raise
    seconds = time.perf_counter() - started
    log.record(world.backend, role, case, response.status_code, seconds)
    # A hang detector, not a benchmark: no request may hold its thread (e.g. for a solve).
    assert seconds < HANG_S, f"{case.operation.label} brauchte {seconds:.1f} s"
    # Valid data may be refused for reasons the document cannot express (403, 404, 409, a
    # place that does not exist): positive_data_acceptance would flag every such answer.
    excluded: list[schemathesis.CheckFunction] = [positive_data_acceptance]
    if _lenient_query_day(case):
        excluded.append(negative_data_rejection)
        log.known(world.backend, case, "?day= takes a number (route needs `day: Day`)")
    try:
        case.validate_response(response, headers=headers, excluded_checks=excluded)
    except FailureGroup as group:
        for failure in group.exceptions:
            log.fail(
                world.backend, role, case, f"{response.status_code} {failure.title}: {failure.message[:160]}"
            )
        raise


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
def test_every_operation_answers_every_role_without_error_or_leak(
    case: Case, fuzz_world: World, fuzz_log: FuzzLog, log_tap: LogTap
) -> None:
    _bound_solver_time(case)
    SEEDED_CASE_REFS.clear()
    SEEDED_CASE_REFS.update(fuzz_world.case_refs)
    fuzz_log.generated(case)
    failures: list[BaseException] = []
    for role in ROLES:  # the same input for every role, so their answers can be compared
        try:
            _check(case, fuzz_world, role, fuzz_log)
        except (Exception, FailureGroup) as exc:
            exc.add_note(f"Rolle: {role}")
            failures.append(exc)
    if failures:
        raise failures[0]
    leaked = log_tap.leaked(fuzz_world.case_refs)
    assert leaked == [], f"Aktenzeichen im Log: {leaked[0][:200]}"
