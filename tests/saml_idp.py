"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (`saml2.server.Server`), with keys
and metadata made here, served over HTTP on loopback. The browser goes to it from klagestat's
/saml/login, picks a user on its page, and is sent back with a POSTed response, as at a
municipality's identity provider.

`IdP.mode` makes it misbehave the way the refusals are tested: sign wrongly or not at all, expire,
not be valid yet, name another audience or recipient, answer a request klagestat never sent, wrap
an assertion, and `/replay` sends the last response again. The users' attributes (assurance,
municipality, roles) are the test's to set.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import get_xmlsec_binary, pre_signature_part
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from klagestat.web.saml_settings import OIOSAML3_ATTRIBUTES

ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
ATTRIBUTE = OIOSAML3_ATTRIBUTES


def make_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """A 2048-bit RSA key and a self-signed certificate for it (name.key, name.crt)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


@dataclass
class Person:
    """A user at the identity provider, with the attributes it asserts."""

    user_id: str
    email: str
    name: str
    cvr: str
    roles: list[str]
    assurance: str = "Substantial"

    def attributes(self) -> dict[str, list[str]]:
        return {ATTRIBUTE["user_id"]: [self.user_id], ATTRIBUTE["email"]: [self.email],
                ATTRIBUTE["name"]: [self.name], ATTRIBUTE["municipality"]: [self.cvr],
                ATTRIBUTE["roles"]: list(self.roles), ATTRIBUTE["assurance"]: [self.assurance]}


def _time(delta: dt.timedelta) -> str:
    return (dt.datetime.now(dt.timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class IdP:
    folder: Path
    port: int
    people: dict[str, Person] = field(default_factory=dict)
    mode: str = "ok"
    last_response: str = ""
    logout_requests: list = field(default_factory=list)  # LogoutRequests klagestat sent, as parsed
    name_ids: dict[str, NameID] = field(default_factory=dict)  # person → the NameID last asserted
    pending: dict = field(default_factory=dict)  # AuthnRequests received, by id

    def __post_init__(self):
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_file, self.cert_file = make_key_pair(self.folder, "idp")
        self.evil_key, self.evil_cert = make_key_pair(self.folder, "evil")
        self.metadata_file = self.folder / "idp-metadata.xml"
        self.metadata_file.write_bytes(create_metadata_string(None, self._config(None), sign=False))
        self.server: Server | None = None

    def _config(self, sp_metadata: str | None) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": f"{self.url}/metadata",
            "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
            "key_file": str(self.key_file), "cert_file": str(self.cert_file),
            "signing_algorithm": SIG_RSA_SHA256, "digest_algorithm": DIGEST_SHA256,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(f"{self.url}/sso", BINDING_HTTP_REDIRECT)],
                              "single_logout_service": [(f"{self.url}/slo", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": True,
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
            }},
            "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
        })
        return config

    def trust(self, sp_metadata: str) -> None:
        """Register the service provider's metadata, as the municipality's IT department does."""
        self.server = Server(config=self._config(sp_metadata))

    # ---- the responses -------------------------------------------------------------------------

    def response_for(self, request, person: Person) -> str:
        """The base64 SAMLResponse answering `request` for `person`, as `mode` says to make it."""
        assert self.server is not None
        args = self.server.response_args(request)
        authn = {"class_ref": f"https://data.gov.dk/concept/core/nsis/loa/{person.assurance}"}
        if self.mode == "encrypted":  # as OIOSAML 3 has it: signed, then encrypted for klagestat's key
            xml = str(self.server.create_authn_response(
                person.attributes(), userid=person.user_id, sign_response=True, sign_assertion=True,
                encrypt_assertion=True, encrypt_assertion_self_contained=True, authn=authn, **args))
            assert "EncryptedAssertion" in xml
            return base64.b64encode(xml.encode()).decode()
        response = samlp.response_from_string(str(self.server.create_authn_response(
            person.attributes(), userid=person.user_id, sign_response=False, sign_assertion=False, authn=authn,
            **args)))
        assertion = response.assertion[0] if isinstance(response.assertion, list) else response.assertion
        self.name_ids[person.user_id] = assertion.subject.name_id
        confirmation = assertion.subject.subject_confirmation[0].subject_confirmation_data
        mode = self.mode
        if mode == "expired":
            assertion.conditions.not_on_or_after = confirmation.not_on_or_after = _time(-dt.timedelta(minutes=10))
        elif mode == "not-yet-valid":
            assertion.conditions.not_before = _time(dt.timedelta(minutes=10))
        elif mode == "clock-ahead":  # the IdP's clock a minute ahead: within the skew klagestat allows
            assertion.conditions.not_before = _time(dt.timedelta(minutes=1))
        elif mode == "wrong-audience":
            assertion.conditions.audience_restriction[0].audience[0].text = "https://en-anden-tjeneste.example/"
        elif mode == "wrong-recipient":
            confirmation.recipient = "https://en-anden-tjeneste.example/saml/acs"
        elif mode == "unknown-request":
            response.in_response_to = confirmation.in_response_to = "id-aldrig-sendt-0123456789"
        xml = self._signed(response, assertion, key=self.evil_key if mode == "wrong-key" else self.key_file,
                           sign=mode != "unsigned", sign_response=not mode.startswith("wrapping"))
        if mode.startswith("wrapping"):
            xml = _wrapped(xml, hide_signed=mode == "wrapping-hidden")
        return base64.b64encode(xml.encode()).decode()

    def _signed(self, response, assertion, *, key: Path, sign: bool, sign_response: bool = True) -> str:
        """Signed as an IdP signs: the assertion, and (unless told not to) the response around it."""
        if not sign:
            return str(response)
        assert self.server is not None
        cert = self.server.sec.my_cert
        assertion.signature = pre_signature_part(assertion.id, cert, 1, sign_alg=SIG_RSA_SHA256,
                                                 digest_alg=DIGEST_SHA256)
        if sign_response:
            response.signature = pre_signature_part(response.id, cert, 2, sign_alg=SIG_RSA_SHA256,
                                                    digest_alg=DIGEST_SHA256)
        xml = self.server.sec.sign_statement(str(response), ASSERTION, key_file=str(key), node_id=assertion.id)
        if not sign_response:
            return xml
        return self.server.sec.sign_statement(xml, RESPONSE, key_file=str(key), node_id=response.id)

    # ---- logout --------------------------------------------------------------------------------

    def logout_request_url(self, person: Person, sp_logout_url: str, *, sign: bool = True) -> str:
        """Where to send the browser for a logout the identity provider starts (HTTP-Redirect,
        signed unless told not to be)."""
        assert self.server is not None
        _, request = self.server.create_logout_request(
            sp_logout_url, self.server.metadata.service_providers()[0], name_id=self.name_ids[person.user_id],
            sign=False)
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(request), sp_logout_url, relay_state="",
                                         sign=sign, sigalg=SIG_RSA_SHA256 if sign else None)
        return dict(info["headers"])["Location"]

    # ---- the HTTP server -----------------------------------------------------------------------

    def serve(self) -> ThreadingHTTPServer:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _send(self, status: int, body: str, headers: dict | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
                try:
                    if url.path == "/sso":
                        self._send(200, idp._choose_page(query))
                    elif url.path == "/login":
                        self._send(200, idp._login(query))
                    elif url.path == "/replay":
                        self._send(200, _auto_post(idp._acs_url(), idp.last_response))
                    elif url.path == "/slo":
                        self._slo(query)
                    else:
                        self._send(404, "ukendt")
                except Exception as error:  # the test sees it on the page
                    self._send(500, f"IdP-fejl: {html.escape(repr(error))}")

            def _slo(self, query: dict) -> None:
                assert idp.server is not None
                if "SAMLResponse" in query:  # the answer to a logout we started
                    idp.server.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
                    self._send(200, "<h1>Logget ud hos identitetsudbyderen</h1>")
                    return
                request = idp.server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                          sigalg=query.get("SigAlg"), signature=query.get("Signature"))
                assert query.get("Signature"), "klagestat's LogoutRequest is not signed"
                idp.logout_requests.append(request.message)
                answer = idp.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
                destination = idp.server.metadata.single_logout_service(
                    request.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
                info = idp.server.apply_binding(BINDING_HTTP_REDIRECT, str(answer), destination, relay_state="",
                                                response=True, sign=True, sigalg=SIG_RSA_SHA256)
                self._send(303, "", {"Location": dict(info["headers"])["Location"]})

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def _acs_url(self) -> str:
        assert self.server is not None
        return self.server.metadata.assertion_consumer_service(
            self.server.metadata.service_providers()[0], BINDING_HTTP_POST)[0]["location"]

    def _choose_page(self, query: dict) -> str:
        """The IdP's login page: the request is checked (signed by klagestat's key) and kept in the
        page's links; the user picks who to be."""
        assert self.server is not None
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                  sigalg=query.get("SigAlg"), signature=query.get("Signature"))
        assert query.get("Signature"), "klagestat's AuthnRequest is not signed"
        self.last_authn_request = request.message
        self.pending[request.message.id] = request.message
        carried = urllib.parse.quote(request.message.id)
        links = "".join(f'<li><a href="/login?who={urllib.parse.quote(key)}&amp;req={carried}">{html.escape(p.name)}</a></li>'
                        for key, p in self.people.items())
        return f"<!doctype html><title>Test-IdP</title><h1>Test-IdP: vælg bruger</h1><ul>{links}</ul>"

    def _login(self, query: dict) -> str:
        assert self.server is not None
        request = self.pending[query["req"]]
        self.last_response = self.response_for(request, self.people[query["who"]])
        return _auto_post(self._acs_url(), self.last_response)


def _auto_post(acs: str, saml_response: str) -> str:
    """The HTTP-POST binding: a form the browser sends at once."""
    return (f'<!doctype html><title>Sender…</title><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{html.escape(acs)}">'
            f'<input type="hidden" name="SAMLResponse" value="{html.escape(saml_response)}">'
            f'<input type="hidden" name="RelayState" value=""><noscript><button>Fortsæt</button></noscript>'
            f'</form></body>')


def _wrapped(xml: str, *, hide_signed: bool) -> str:
    """A signature wrapping attack: a forged assertion (another user, made admin), unsigned, beside
    the signed one, which stays in the document for the signature check to find: before it, or
    (`hide_signed`) with the signed one moved into the response's Extensions."""
    signed = re.search(r"<(\w+):Assertion\b.*?</\1:Assertion>", xml, re.S)
    assert signed, "no assertion to wrap"
    forged = re.sub(r"<(\w+):Signature\b.*?</\1:Signature>", "", signed.group(0), flags=re.S)
    forged = forged.replace(' ID="', ' ID="forged-', 1).replace("analytiker", "administrator")
    forged = forged.replace("anna@alleroed.dk", "mallory@alleroed.dk")
    if not hide_signed:
        return xml.replace(signed.group(0), forged + signed.group(0))
    xml = xml.replace(signed.group(0), forged)
    protocol = re.search(r"<(\w+):Response\b", xml)
    assert protocol
    prefix = protocol.group(1)
    return re.sub(rf"(<{prefix}:Status\b)", f"<{prefix}:Extensions>{signed.group(0)}</{prefix}:Extensions>\\1", xml,
                  count=1)
