"""Sign-in and sign-out of the pages.

- **OIDC** (LTRAKO_OIDC_ISSUER and LTRAKO_OIDC_CLIENT_ID): `GET /web/login` sends the browser
  to the issuer, `GET /web/oidc/callback` finishes the sign-in; the design is in
  ltrako.core.oidc. This is the only sign-in in production.
- **Demo** (LTRAKO_DEMO_LOGIN=true, never in production, only with the local issuer): the form
  picks a role and a ZAB or ABH that must exist; the subject is `demo:<role>[:<unit>]:<name>`,
  so a demo user cannot act as anyone else in the audit trail.
- Neither: the page says that the sign-in is not set up (503), and no form signs anyone in.

Refusals show a German page and are audited (ltrako.core.signin); the log gets the short
reason only. Sign-out revokes the token: it is refused as cookie and as bearer from then on.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.gates import public
from api.web.pages.common import HOME, back_to, directory, render, router, templates
from api.web.session import (
    COOKIE,
    UserDep,
    clear_session_cookie,
    is_secure,
    page_allow,
    set_session_cookie,
)
from ltrako.core import oidc, ratelimit, revocation, signin
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import (
    LocalIssuer,
    OidcVerifier,
    Principal,
    Role,
    SignInError,
    TokenError,
    demo_subject,
    local_issuer,
    token_expiry,
)

log = logging.getLogger(__name__)

FLOW_COOKIE = "ltrako_oidc"  # the state of a sign-in under way, for the callback (SameSite=Lax)
FLOW_PATH = "/web/oidc"
SIGNED_OUT = "/web/login?" + urlencode({"msg": "Sie sind abgemeldet.", "kind": "ok"})
DEV_HINT = (
    "Entwicklung: `ltrako serve --demo-login` (LTRAKO_DEMO_LOGIN=true) für die Demo-Anmeldung, "
    "oder LTRAKO_OIDC_ISSUER und LTRAKO_OIDC_CLIENT_ID für einen Identitätsanbieter setzen."
)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/login", dependencies=[public()], response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    settings = _runtime(request).settings
    if settings.demo_sign_in:
        return _demo_form(request)
    if settings.oidc_sign_in:
        if "msg" in request.query_params:  # an outcome to read (signed out, refused): no redirect
            return render(request, "login.html", None, mode="oidc")
        return _to_issuer(request)
    response = render(
        request, "login.html", None, mode="off", hint=DEV_HINT if settings.environment != "production" else ""
    )
    response.status_code = 503
    return response


def _demo_form(request: Request, status_code: int = 200, **context: object) -> HTMLResponse:
    zabs, abhs = directory(_runtime(request))
    response = render(request, "login.html", None, mode="demo", zabs=zabs, abhs=abhs, **context)
    response.status_code = status_code
    return response


def _to_issuer(request: Request) -> Response:
    runtime = _runtime(request)
    provider: oidc.Provider = request.app.state.oidc
    redirect_url = runtime.settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
    try:
        with transaction(runtime.sessions) as session:
            url, state = oidc.begin(session, provider, redirect_url=redirect_url, now=runtime.clock.now())
    except SignInError as exc:
        return _refused(request, exc, mode="oidc", status_code=503)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        state,
        max_age=int(oidc.LOGIN_TTL.total_seconds()),
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",  # sent on the issuer's redirect back (a cross-site top-level GET)
        secure=is_secure(request),
    )
    return response


@router.get("/oidc/callback", dependencies=[public()], name="oidc_callback", response_class=HTMLResponse)
def oidc_callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    runtime = _runtime(request)
    if not runtime.settings.oidc_sign_in:
        not_set_up = SignInError(
            "Die Anmeldung über einen Identitätsanbieter ist nicht eingerichtet.", "no-oidc"
        )
        return _refused(request, not_set_up, mode="off", status_code=404)
    provider: oidc.Provider = request.app.state.oidc
    verifier = request.app.state.verifier
    assert isinstance(verifier, OidcVerifier)
    try:
        if not state:
            raise SignInError(oidc.NOT_CONFIRMED, "no-state")
        # Taken out once, even when the sign-in is refused below.
        pending = oidc.consume(runtime.sessions, state, now=runtime.clock.now())
        bound = request.cookies.get(FLOW_COOKIE, "")
        if not hmac.compare_digest(bound.encode(), state.encode()):
            raise SignInError(
                "Die Anmeldung wurde in einem anderen Browser begonnen. Bitte erneut anmelden.", "browser"
            )
        if error or not code:
            raise SignInError(oidc.NOT_CONFIRMED, "issuer-error" if error else "no-code")
        signed = oidc.exchange(provider, verifier, pending, code=code, clock=runtime.clock)
        with transaction(runtime.sessions) as session:
            signin.check_units(session, signed.principal)
            signin.signed_in(session, signed.principal, signed.token, "oidc")
    except SignInError as exc:
        return _refused(request, exc, mode="oidc")
    # A page, not a redirect: the redirect chain began at the issuer (cross-site), so the
    # browser would not send the SameSite=Strict cookie on it; this page's own navigation is
    # same-site.
    response = render(request, "signed_in.html", None, target=HOME[signed.principal.role])
    set_session_cookie(request, response, signed.token, signed.expires)
    response.delete_cookie(
        FLOW_COOKIE, path=FLOW_PATH, httponly=True, samesite="lax", secure=is_secure(request)
    )
    return response


@router.post("/login", dependencies=[public()])
def demo_login(
    request: Request,
    role: str = Form(""),
    name: str = Form(""),
    zab: str = Form(""),
    abh: str = Form(""),
) -> Response:
    runtime = _runtime(request)
    settings = runtime.settings
    if not settings.demo_sign_in:
        off = SignInError(
            "Die Demo-Anmeldung ist abgeschaltet"
            + (": bitte über den Identitätsanbieter anmelden." if settings.oidc_sign_in else "."),
            "demo-off",
        )
        return _refused(request, off, mode="oidc" if settings.oidc_sign_in else "off", status_code=403)
    verifier = request.app.state.verifier
    issuer = verifier if isinstance(verifier, LocalIssuer) else local_issuer(settings, runtime.clock)
    # Counted in the database (all instances), per keyed hash of the address, before anything else.
    client = ratelimit.client_hash(request.client.host if request.client else "-", issuer.secret)
    with transaction(runtime.sessions) as session:
        verdict = ratelimit.register_attempt(
            session,
            client=client,
            now=runtime.clock.now(),
            limit=settings.login_rate_limit,
            window_s=settings.login_rate_window_s,
        )
    if not verdict.allowed:
        limited = _demo_form(request, 429, msg=verdict.message, kind="error")
        limited.headers["Retry-After"] = str(verdict.retry_after_s)
        return limited
    try:
        principal = _demo_principal(role, name, zab, abh)
        with transaction(runtime.sessions) as session:
            signin.check_units(session, principal)
            token = issuer.issue(
                principal.role, subject=principal.subject, zab=principal.zab_id, abh=principal.abh_id
            )
            signin.signed_in(session, principal, token, "demo")
    except TokenError as exc:
        refusal = exc if isinstance(exc, SignInError) else SignInError(str(exc), "demo-issuer")
        _audit_refusal(runtime, refusal)
        return back_to("/web/login", str(refusal), "error")
    response = RedirectResponse(HOME[principal.role], status_code=303)
    set_session_cookie(request, response, token, token_expiry(token))
    return response


def _demo_principal(role: str, name: str, zab: str, abh: str) -> Principal:
    try:
        chosen = Role(role)
    except ValueError as exc:
        raise SignInError("Unbekannte Rolle.", "unknown-role") from exc
    zab_id = (zab.strip() or None) if chosen is Role.ZAB else None
    abh_id = (abh.strip() or None) if chosen is Role.ABH else None
    try:
        name = name.strip() or f"{chosen.value}-{secrets.token_hex(4)}"
        subject = demo_subject(chosen, zab_id or abh_id, name)
        return Principal(subject, chosen, zab_id, abh_id)
    except TokenError as exc:
        raise SignInError(str(exc), "demo-input") from exc


@router.post("/logout", dependencies=[public()])
def logout(request: Request) -> Response:
    """Revoke the session's token (cookie and bearer), then the issuer's sign-out if it has one."""
    runtime = _runtime(request)
    token = request.cookies.get(COOKIE)
    if token:
        try:
            with transaction(runtime.sessions) as session:
                principal = revocation.principal_of(request.app.state.verifier, session, token)
                revocation.revoke(session, token, now=runtime.clock.now())
                signin.signed_out(session, principal, token)
        except TokenError:
            pass  # expired, forged or already revoked: nothing to revoke
    target = SIGNED_OUT
    if runtime.settings.oidc_sign_in:
        provider: oidc.Provider = request.app.state.oidc
        target = provider.end_session_url(runtime.settings.oidc_post_logout_url) or target
    response = RedirectResponse(target, status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("", dependencies=[page_allow()])
def home(user: UserDep) -> Response:
    return RedirectResponse(HOME[user.role], status_code=303)


def _audit_refusal(runtime: Runtime, exc: SignInError) -> None:
    log.warning("Anmeldung abgelehnt: %s", exc.reason)  # the reason code only, never a claim
    with transaction(runtime.sessions) as session:
        signin.refused(session, exc.reason)


def _refused(request: Request, exc: SignInError, *, mode: str, status_code: int = 400) -> HTMLResponse:
    """The German refusal on the sign-in page, audited."""
    _audit_refusal(_runtime(request), exc)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"user": None, "nav": [], "msg": str(exc), "kind": "error", "mode": mode, "hint": ""},
        status_code=status_code,
    )
    return response
