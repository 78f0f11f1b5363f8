"""SAML 2.0 single sign-on: klagestat as a service provider of the municipality's identity
provider (KOMBIT's Context Handler, AD FS, Entra ID …), with pysaml2 and Debian's xmlsec1 for every
signature; no XML signature code of our own.

- /saml/metadata: our metadata, for the municipality to register at its identity provider.
- /saml/login: a signed AuthnRequest (HTTP-Redirect), asking for the minimum NSIS level.
- /saml/acs: the assertion consumer (HTTP-POST). pysaml2 checks the signature (only the keys in
  the IdP's metadata; a wrapped assertion is refused), the times with the clock skew allowed, the
  audience and that the response answers a request we sent. We check what it leaves: the
  recipient and destination are our own address, the request is answered once and the assertion
  used once (both in the database, so it holds across web workers), the assurance level, the
  municipality and the role. A login then creates or updates the user just in time and starts
  the same server-side session as a password login.
- /saml/logout: single logout both ways. Our "Log ud" sends a signed LogoutRequest to the IdP
  (web/accounts.logout); the IdP's answer lands here, as does a logout the IdP starts, which
  ends every session of that login here and answers with a signed LogoutResponse.

Every refusal is a Danish page, an audit-log line and a log line, never a session.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from klagestat.catalogue import load_catalogue
from klagestat.domain.cpr import contains_cpr, mask_cpr
from klagestat.domain.sso import Assurance, mapped_role, municipality_code, privilege_values, strongest
from klagestat.store import accounts, audit

from .pages import message_page, page
from .saml_settings import SamlSettings, service_provider

if TYPE_CHECKING:
    from saml2.client import Saml2Client

log = logging.getLogger("klagestat.web.saml")
router = APIRouter(prefix="/saml")

SAML_LOGIN_ACTION = "log ind (SAML)"
REFUSED_ACTION = "login afvist (SAML)"


@dataclass
class SamlService:
    """The settings and pysaml2's client; its calls are serialised (its client keeps state, and
    logins are few)."""

    settings: SamlSettings
    client: Saml2Client
    lock: threading.Lock

    @classmethod
    def of(cls, settings: SamlSettings) -> SamlService:
        return cls(settings, service_provider(settings), threading.Lock())

    @property
    def idp_entity_id(self) -> str:
        return next(iter(self.client.metadata.identity_providers()))

    def idp_endpoints(self, service: str, binding: str) -> list[str]:
        """The addresses of one of the identity provider's services in one binding, as its
        metadata gives them (none when it doesn't offer that binding)."""
        from saml2.s_utils import UnsupportedBinding

        try:
            endpoints = getattr(self.client.metadata, service)(self.idp_entity_id, binding, "idpsso")
        except UnsupportedBinding:
            return []
        return [endpoint["location"] for endpoint in endpoints or []]

    def idp_logout_url(self) -> str | None:
        """Where a logout goes at the identity provider (HTTP-Redirect); None: it takes none."""
        from saml2 import BINDING_HTTP_REDIRECT

        return next(iter(self.idp_endpoints("single_logout_service", BINDING_HTTP_REDIRECT)), None)

    def idp_origins(self) -> list[str]:
        """The identity provider's web addresses (scheme and host), where our logout form sends
        the browser on: the pages' Content-Security-Policy must allow them as form targets."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

        return sorted({f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
                       for service in ("single_logout_service", "single_sign_on_service")
                       for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
                       for url in self.idp_endpoints(service, binding)})

    def redirect(self, message, destination: str, relay_state: str = "", *, response: bool = False) -> Response:
        """The browser sent on with a SAML message, signed in the HTTP-Redirect binding (RSA-SHA256)."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.xmldsig import SIG_RSA_SHA256

        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, str(message), destination, relay_state=relay_state,
                                         response=response, sign=True, sigalg=SIG_RSA_SHA256)
        return RedirectResponse(dict(info["headers"])["Location"], status_code=303)


class Refusal(Exception):
    """A login refused: `reason` (stable, in the audit log) and Danish words for the user."""

    def __init__(self, reason: str, message: str, who: str = "ukendt", municipality: str = ""):
        super().__init__(message)
        self.reason, self.message, self.who, self.municipality = reason, message, who, municipality


def _service(request: Request) -> SamlService:
    service = getattr(request.app.state, "saml", None)
    if service is None:
        raise _not_configured()
    return service


def _not_configured():
    from starlette.exceptions import HTTPException

    return HTTPException(404, "Log ind med kommunens login er ikke sat op på denne server.")


@router.get("/metadata")
def metadata(request: Request) -> Response:
    from saml2.metadata import create_metadata_string

    service = _service(request)
    xml = create_metadata_string(None, service.client.config, sign=False)
    return Response(xml, media_type="application/samlmetadata+xml")


@router.get("/login")
def login(request: Request, next: str | None = None) -> Response:
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import AuthnContextClassRef
    from saml2.samlp import RequestedAuthnContext
    from saml2.xmldsig import SIG_RSA_SHA256

    from .accounts import safe_next

    service = _service(request)
    wanted = RequestedAuthnContext(
        authn_context_class_ref=[AuthnContextClassRef(text=_loa_uri(service.settings.minimum_assurance))],
        comparison="minimum")
    with service.lock:
        request_id, info = service.client.prepare_for_authenticate(
            entityid=service.idp_entity_id, binding=BINDING_HTTP_REDIRECT, relay_state="",
            requested_authn_context=wanted, sigalg=SIG_RSA_SHA256)
    with request.app.state.engine.begin() as conn:
        accounts.remember_saml_request(conn, request_id, safe_next(next))
    return RedirectResponse(dict(info["headers"])["Location"], status_code=303)


def _loa_uri(level: Assurance) -> str:
    return f"https://data.gov.dk/concept/core/nsis/loa/{level.name.title()}"


@router.post("/acs")
def assertion_consumer(request: Request, SAMLResponse: Annotated[str, Form(max_length=200_000)] = "",
                       RelayState: Annotated[str, Form(max_length=1000)] = "") -> Response:
    from .accounts import SESSION_LIFETIME, start_login

    service = _service(request)
    engine = request.app.state.engine
    try:
        login = _read_login(service, engine, SAMLResponse)
        with engine.begin() as conn:
            # Each in one statement, so two workers given the same response can't both use it.
            if not accounts.use_saml_request(conn, login.request_id):
                raise Refusal("replayed", "Svaret fra identitetsudbyderen er allerede brugt. Log ind igen.", login.who)
            if not accounts.use_assertion(conn, login.assertion_id, login.valid_until):
                raise Refusal("replayed", "Svaret fra identitetsudbyderen er allerede brugt. Log ind igen.", login.who)
            try:
                user = accounts.saml_login(conn, external_id=login.external_id, email=login.email,
                                           display_name=login.name, municipality_code=login.municipality_code,
                                           role=login.role)
            except accounts.SamlUserConflict:
                raise Refusal("user-conflict", f"E-mailadressen {login.email} er allerede bruger i en anden kommune "
                                               "i klagestat. Bed administratoren om hjælp.", login.who,
                              login.municipality_code) from None
            token = secrets.token_urlsafe(32)
            accounts.start_session(conn, user, token, SESSION_LIFETIME, saml_name_id=login.name_id,
                                   saml_session_index=login.session_index)
            audit.record(conn, user.email, user.municipality_code, SAML_LOGIN_ACTION, f"rolle {login.role}")
    except Refusal as refusal:
        return _refuse(request, refusal)
    return start_login(request, token, login.next_page)


@dataclass(frozen=True)
class _Login:
    request_id: str
    next_page: str
    assertion_id: str
    valid_until: dt.datetime
    external_id: str
    who: str
    email: str
    name: str | None
    municipality_code: str
    role: str
    name_id: str
    session_index: str | None


def _read_login(service: SamlService, engine, saml_response: str) -> _Login:
    """The login a POSTed SAMLResponse vouches for, or the Refusal saying why it doesn't."""
    from saml2 import BINDING_HTTP_POST

    settings = service.settings
    parsed = _unverified(saml_response)
    outstanding, used = _known_ids(engine, parsed)
    if used:
        raise Refusal("replayed", "Svaret fra identitetsudbyderen er allerede brugt. Log ind igen.")
    with service.lock:
        try:
            response = service.client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                                   outstanding=outstanding)
        except Exception as error:  # pysaml2 says why only by the kind of exception and its words
            raise _refusal_of(error, parsed, settings.clock_skew_seconds) from None
    if response is None or response.assertion is None:
        raise Refusal("unreadable", "Svaret fra identitetsudbyderen kan ikke bruges.")
    assertion = response.assertion
    # pysaml2 leaves these two to us: the response must be meant for our own address.
    recipients = {c.subject_confirmation_data.recipient for c in assertion.subject.subject_confirmation
                  if c.subject_confirmation_data is not None}
    if recipients != {settings.acs_url} or response.response.destination not in (None, settings.acs_url):
        raise Refusal("wrong-recipient", "Svaret fra identitetsudbyderen er sendt til en anden adresse end "
                                         "klagestats.")
    request_id = response.in_response_to or next(iter(outstanding), None)
    if request_id not in outstanding:
        raise Refusal("unsolicited", "Svaret fra identitetsudbyderen svarer ikke på et login, klagestat har bedt om.")
    attributes = {name: [str(v) for v in values] for name, values in response.ava.items()}
    names = settings.attributes

    def first(key: str) -> str | None:
        values = attributes.get(names[key]) or []
        return values[0].strip() if values and values[0].strip() else None

    subject = first("user_id") or (response.name_id.text if response.name_id is not None else None)
    if not subject:
        raise Refusal("no-subject", "Svaret fra identitetsudbyderen siger ikke, hvem brugeren er.")
    if contains_cpr(subject):  # never stored: the settings must name another attribute as the user's id
        raise Refusal("cpr-subject", "Identitetsudbyderen sender et CPR-nummer som brugerens id, og det gemmer "
                                     "klagestat ikke. Administratoren skal vælge en anden attribut ([attributes] "
                                     "user_id).")
    email = first("email") or subject
    who = mask_cpr(email)
    class_refs = [ref.text for statement in assertion.authn_statement or []
                  for ref in [statement.authn_context.authn_context_class_ref] if ref is not None and ref.text]
    # The NSIS attribute when the IdP sends it (OIOSAML 3); else the authentication context (eIDAS, AD FS).
    level = strongest(attributes.get(names["assurance"]) or class_refs)
    if level is None or level < settings.minimum_assurance:
        shown = level.danish if level else "ukendt"
        raise Refusal("assurance-too-low", f"Dit login har sikringsniveau {shown}; klagestat kræver mindst "
                                           f"{settings.minimum_assurance.danish} (NSIS). Log ind med MitID eller "
                                           "et andet login på det niveau.", who)
    role_values = [p for value in attributes.get(names["roles"], []) for p in privilege_values(value)]
    scopes = [scope for value in attributes.get(names["roles"], []) for scope in privilege_values(value, scopes=True)]
    codes = load_catalogue().municipalities
    municipality = next((code for value in attributes.get(names["municipality"], []) + scopes
                         if (code := municipality_code(value, codes, settings.cvr_numbers))), None)
    if municipality is None:
        raise Refusal("municipality-unknown", "Klagestat kender ikke den kommune, dit login kommer fra. Bed "
                                              "administratoren om at tilføje kommunens CVR-nummer.", who)
    role = mapped_role(role_values, settings.roles)
    if role is None:
        raise Refusal("no-role", "Dit login giver ingen rolle i klagestat. Bed kommunens administrator om at "
                                 "tildele dig en af klagestats jobfunktionsroller.", who, municipality)
    statement = (assertion.authn_statement or [None])[0]
    return _Login(
        request_id=request_id, next_page=outstanding[request_id], assertion_id=assertion.id,
        valid_until=_valid_until(assertion, settings.clock_skew_seconds), external_id=f"{response.issuer()}|{subject}",
        who=who, email=email, name=mask_cpr(first("name") or "") or None, municipality_code=municipality,
        role=role.value,
        name_id=str(response.name_id) if response.name_id is not None else "",
        session_index=statement.session_index if statement is not None else None)


def _unverified(saml_response: str):
    """The response as sent, nothing checked yet: only to find the request it answers and the
    assertions it carries, and to say why pysaml2 refused it."""
    from saml2 import samlp

    try:
        parsed = samlp.response_from_string(base64.b64decode(saml_response, validate=False))
    except Exception:  # not base64, not XML, not a Response: all the same to the user
        parsed = None
    if parsed is None:
        raise Refusal("unreadable", "Svaret fra identitetsudbyderen kan ikke læses.")
    return parsed


def _known_ids(engine, parsed) -> tuple[dict[str, str], bool]:
    """Of the requests the response says it answers, those we sent and still wait for (id → the
    page the user was going to); and whether an assertion in it was used before."""
    requests = {parsed.in_response_to} if parsed.in_response_to else set()
    assertion_ids = set()
    for assertion in parsed.assertion or []:
        assertion_ids.add(assertion.id)
        for confirmation in (assertion.subject.subject_confirmation if assertion.subject else []):
            data = confirmation.subject_confirmation_data
            if data is not None and data.in_response_to:
                requests.add(data.in_response_to)
    with engine.begin() as conn:
        outstanding = accounts.saml_requests(conn, {i[:100] for i in requests}) if requests else {}
        used = accounts.assertion_used(conn, {i[:200] for i in assertion_ids if i})
    return outstanding, used


def _utc(saml_time: str) -> dt.datetime:
    """A SAML time (xs:dateTime, UTC) as a naive UTC datetime."""
    from saml2.time_util import str_to_time

    return dt.datetime(*str_to_time(saml_time)[:6])


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _not_yet_valid(parsed, skew_seconds: int) -> bool:
    """Whether a refused response's conditions start later than now (rather than having ended):
    pysaml2 says only "Condition not OK" for both."""
    now = _utc_now() + dt.timedelta(seconds=skew_seconds)
    starts = [a.conditions.not_before for a in parsed.assertion or [] if a.conditions is not None]
    return any(_utc(t) > now for t in starts if t)


def _valid_until(assertion, skew_seconds: int) -> dt.datetime:
    """Until when the assertion could be accepted: its id is remembered that long (and a day at
    most: pysaml2 refuses the ones that say longer with wrong conditions anyway)."""
    times = [assertion.conditions.not_on_or_after] if assertion.conditions is not None else []
    times += [c.subject_confirmation_data.not_on_or_after for c in assertion.subject.subject_confirmation
              if c.subject_confirmation_data is not None]
    ends = [_utc(t) for t in times if t]
    until = max(ends, default=_utc_now() + dt.timedelta(hours=1)) + dt.timedelta(seconds=skew_seconds)
    local = until.replace(tzinfo=dt.timezone.utc).astimezone().replace(tzinfo=None)  # the database keeps local times
    return min(local, dt.datetime.now() + dt.timedelta(days=1))


def _refusal_of(error: Exception, parsed, skew_seconds: int) -> Refusal:
    """What pysaml2's exception means, in Danish."""
    from saml2.response import StatusError, UnsolicitedResponse
    from saml2.sigver import SignatureError
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    words = str(error)
    if isinstance(error, SignatureError) or "Signature" in words or "signature" in words:
        if "missing" in words:
            return Refusal("unsigned", "Svaret fra identitetsudbyderen er ikke signeret.")
        return Refusal("bad-signature", "Signaturen på svaret fra identitetsudbyderen kan ikke godkendes.")
    if isinstance(error, ToEarly) or ("Condition not OK" in words and _not_yet_valid(parsed, skew_seconds)):
        return Refusal("not-yet-valid", "Svaret fra identitetsudbyderen er ikke gyldigt endnu (se om serverens ur "
                                        "går rigtigt).")
    if isinstance(error, ResponseLifetimeExceed) or "too old" in words or "Condition not OK" in words:
        return Refusal("expired", "Svaret fra identitetsudbyderen er udløbet. Log ind igen.")
    if "AudienceRestrictions" in words or "audience" in words.casefold():
        return Refusal("wrong-audience", "Svaret fra identitetsudbyderen er udstedt til en anden tjeneste end "
                                         "klagestat.")
    if isinstance(error, UnsolicitedResponse) or "Unsolicited" in words or "don't recall" in words:
        return Refusal("unsolicited", "Svaret fra identitetsudbyderen svarer ikke på et login, klagestat har bedt om.")
    if "number of assertions" in words:
        return Refusal("malformed", "Svaret fra identitetsudbyderen har en forkert opbygning og kan ikke bruges.")
    if isinstance(error, StatusError):
        return Refusal("idp-refused", "Identitetsudbyderen gennemførte ikke login.")
    return Refusal("unreadable", "Svaret fra identitetsudbyderen kan ikke bruges.")


def _refuse(request: Request, refusal: Refusal) -> Response:
    with request.app.state.engine.begin() as conn:
        audit.record(conn, refusal.who, refusal.municipality, REFUSED_ACTION, refusal.reason)
    log.warning("SAML-login afvist: %s", refusal.reason)
    return page(request, "login_refused.html", status_code=403, title="Login afvist", message=refusal.message)


# ---- single logout ----------------------------------------------------------------------------------

def logout_at_idp(request: Request, name_id_xml: str, session_index: str | None) -> Response | None:
    """After our own session has ended: the redirect that ends the login at the identity provider
    too (a signed LogoutRequest), or None when the IdP takes no logout."""
    from saml2.saml import name_id_from_string

    service: SamlService | None = getattr(request.app.state, "saml", None)
    if service is None or not name_id_xml or (destination := service.idp_logout_url()) is None:
        return None
    with service.lock:
        _, logout_request = service.client.create_logout_request(
            destination, service.idp_entity_id, name_id=name_id_from_string(name_id_xml),
            session_indexes=[session_index] if session_index else None, sign=False)
        return service.redirect(logout_request, destination)


@router.get("/logout")
def logout_redirect(request: Request, SAMLRequest: str = "", SAMLResponse: str = "", RelayState: str = "",
                    SigAlg: str = "", Signature: str = "") -> Response:
    from saml2 import BINDING_HTTP_REDIRECT

    return _logout(request, BINDING_HTTP_REDIRECT, SAMLRequest, SAMLResponse, RelayState, SigAlg, Signature)


@router.post("/logout")
def logout_post(request: Request, SAMLRequest: Annotated[str, Form(max_length=200_000)] = "",
                SAMLResponse: Annotated[str, Form(max_length=200_000)] = "",
                RelayState: Annotated[str, Form(max_length=1000)] = "") -> Response:
    from saml2 import BINDING_HTTP_POST

    return _logout(request, BINDING_HTTP_POST, SAMLRequest, SAMLResponse, RelayState, "", "")


def _logout(request: Request, binding: str, saml_request: str, saml_response: str, relay_state: str,
            sigalg: str, signature: str) -> Response:
    service = _service(request)
    if saml_response:  # the IdP's answer to the logout we sent: our session ended before we sent it
        with service.lock:
            try:
                service.client.parse_logout_request_response(saml_response, binding)
            except Exception:
                log.warning("SAML: svaret på et logout kunne ikke godkendes")
        return message_page(request, "Du er logget ud", "Du er logget ud af klagestat og af kommunens login.", 200)
    if not saml_request:
        return message_page(request, "Forespørgslen kan ikke læses", "Der mangler en SAML-besked.", 400)
    return _logout_from_idp(request, service, binding, saml_request, relay_state, sigalg, signature)


def _logout_from_idp(request: Request, service: SamlService, binding: str, saml_request: str, relay_state: str,
                     sigalg: str, signature: str) -> Response:
    """A logout the identity provider started: every session of that login here ends, and the
    IdP gets a signed LogoutResponse. Only a signed request is believed."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import name_id_from_string

    with service.lock:
        try:
            parsed = service.client.parse_logout_request(saml_request, binding, relay_state=relay_state or None,
                                                         sigalg=sigalg or None, signature=signature or None)
        except Exception:
            parsed = None
        signed = parsed is not None and (bool(signature) if binding == BINDING_HTTP_REDIRECT
                                         else parsed.message.signature is not None)
        if not signed:
            refusal = Refusal("logout-unsigned", "Logout-beskeden fra identitetsudbyderen er ikke signeret korrekt.")
        else:
            message = parsed.message
            indexes = {i.text for i in message.session_index or []}
            wanted = message.name_id.text if message.name_id is not None else None

            def matches(name_id_xml: str, session_index: str | None) -> bool:
                same_user = wanted is not None and name_id_from_string(name_id_xml).text == wanted
                return same_user and (not indexes or session_index in indexes)

            with request.app.state.engine.begin() as conn:
                ended = accounts.end_saml_sessions(conn, matches)
            log.info("SAML: logout fra identitetsudbyderen afsluttede %d sessioner", ended)
            destination = service.idp_logout_url()
            if destination is None:  # an IdP that sends logouts but takes no answers
                return message_page(request, "Du er logget ud", "Du er logget ud af klagestat.", 200)
            answer = service.client.create_logout_response(message, [BINDING_HTTP_REDIRECT], sign=False)
            return service.redirect(answer, destination, relay_state, response=True)
    return _refuse(request, refusal)
