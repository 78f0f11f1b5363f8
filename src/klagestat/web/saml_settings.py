"""The single sign-on settings of an installation: a TOML file (`KLAGESTAT_SAML_CONFIG` or
`klagestat serve --saml FIL`), each of its plain values replaceable by an environment variable
`KLAGESTAT_SAML_<AFSNIT>_<NØGLE>` (e.g. KLAGESTAT_SAML_SP_KEY_FILE), read and checked once when
the server starts, and turned into pysaml2's service provider.

The identity provider's metadata is a file the administrator has fetched: nothing is fetched
while a user waits, and a changed IdP certificate is taken in by fetching it again and restarting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from klagestat.domain.accounts import Role
from klagestat.domain.problems import InputError, Problem
from klagestat.domain.sso import Assurance
from klagestat.ingest.text_files import read_toml

if TYPE_CHECKING:
    from saml2.client import Saml2Client

ENVIRONMENT_FILE = "KLAGESTAT_SAML_CONFIG"
DEFAULT_CLOCK_SKEW_SECONDS = 120

# OIOSAML 3's attribute names (KOMBIT's Context Handler, MitID Erhverv): the defaults, so a
# municipality on Fælleskommunal Adgangsstyring only fills in [sp], [idp] and [roles].
OIOSAML3_ATTRIBUTES = {
    "user_id": "https://data.gov.dk/model/core/eid/professional/uuid/persistent",
    "name": "https://data.gov.dk/model/core/eid/fullName",
    "email": "https://data.gov.dk/model/core/eid/email",
    "municipality": "https://data.gov.dk/model/core/eid/professional/cvr",
    "roles": "https://data.gov.dk/model/core/eid/privilegesIntermediate",
    "assurance": "https://data.gov.dk/concept/core/nsis/loa",
}


@dataclass(frozen=True)
class SamlSettings:
    base_url: str  # the address users reach klagestat at, e.g. https://klagestat.kommune.dk
    entity_id: str
    key_file: Path
    cert_file: Path
    idp_metadata_file: Path
    attributes: dict[str, str]  # our name (OIOSAML3_ATTRIBUTES' keys) → the IdP's attribute name
    roles: dict[str, Role]  # the IdP's role value → ours
    cvr_numbers: dict[str, str] = field(default_factory=dict)  # CVR number → municipality code
    minimum_assurance: Assurance = Assurance.SUBSTANTIAL
    clock_skew_seconds: int = DEFAULT_CLOCK_SKEW_SECONDS
    idp_label: str = "kommunens login"  # the button's words on the login page

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}/saml/acs"

    @property
    def logout_url(self) -> str:
        return f"{self.base_url}/saml/logout"


def settings_file(given: str | Path | None) -> Path | None:
    """The settings file: as given, else from the environment; None: no single sign-on."""
    value = given or os.environ.get(ENVIRONMENT_FILE)
    return Path(value) if value else None


def _value(data: dict, section: str, key: str):
    """A plain value, the environment's before the file's."""
    from_environment = os.environ.get(f"KLAGESTAT_SAML_{section}_{key}".upper())
    return from_environment if from_environment is not None else data.get(section, {}).get(key)


def read_settings(path: Path) -> SamlSettings:
    """The settings in `path`, or every problem with them in Danish (file, section, key)."""
    data = read_toml(path, "SAML-indstillingerne")
    where = str(path)
    problems: list[Problem] = []

    def problem(key: str, message: str, code: str) -> None:
        """A problem with the setting `key`; the message names it unless it says "[section] …" itself."""
        problems.append(Problem(where, message if message.startswith("[") else f"{key}: {message}", code=code))

    def text(section: str, key: str, required: bool = True) -> str:
        value = _value(data, section, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problem(f"[{section}] {key}", f"[{section}] mangler {key}.", "saml-setting-missing")
            return ""
        if not isinstance(value, str):
            problem(f"[{section}] {key}", f"[{section}] {key} skal være en tekst.", "saml-setting-not-text")
            return ""
        return value.strip()

    def readable(section: str, key: str, pem: str | None = None) -> Path:
        """A file the setting names (relative to the settings' folder); `pem`: the kind of PEM it must hold."""
        name = text(section, key)
        file = (path.parent / name) if name else Path()
        if name and not file.is_file():
            problem(f"[{section}] {key}", f"Filen {name} findes ikke.", "saml-file-missing")
        elif name and pem and not _is_pem(file, pem):
            what = "en privat nøgle (uden adgangskode)" if pem == "key" else "et certifikat"
            problem(f"[{section}] {key}", f"Filen {name} er ikke {what} i PEM-format.", "saml-pem-invalid")
        return file

    base_url = text("sp", "base_url").rstrip("/")
    if base_url and not base_url.startswith(("https://", "http://")):
        problem("[sp] base_url", f"[sp] base_url skal være en adresse, der begynder med https://, ikke {base_url!r}.",
                "saml-base-url")
    entity_id = text("sp", "entity_id", required=False) or f"{base_url}/saml/metadata"
    key_file, cert_file = readable("sp", "key_file", pem="key"), readable("sp", "cert_file", pem="certificate")
    metadata = readable("idp", "metadata_file")
    attributes = {name: text("attributes", name, required=False) or default
                  for name, default in OIOSAML3_ATTRIBUTES.items()}
    roles: dict[str, Role] = {}
    for value, role in data.get("roles", {}).items():
        if role not in set(Role):
            problem(f"[roles] {value}", f"Rollen {role!r} findes ikke; vælg reader, analyst eller admin.",
                    "saml-role-unknown")
        else:
            roles[value] = Role(role)
    if not roles:
        problem("[roles]", "[roles] skal knytte mindst én af identitetsudbyderens roller til reader, analyst "
                           "eller admin.", "saml-roles-missing")
    cvr_numbers = {str(cvr): str(code).zfill(3) for cvr, code in data.get("cvr", {}).items()}
    level_text = text("rules", "minimum_assurance", required=False) or "Betydelig"
    level = Assurance.parse(level_text)
    if level is None:
        problem("[rules] minimum_assurance", f"Sikringsniveauet {level_text!r} kendes ikke; skriv Lav, Betydelig "
                                             "eller Høj.", "saml-assurance-unknown")
    skew = _value(data, "rules", "clock_skew_seconds")
    try:
        skew = DEFAULT_CLOCK_SKEW_SECONDS if skew is None else int(skew)
        if not 0 <= skew <= 600:
            raise ValueError
    except ValueError:
        problem("[rules] clock_skew_seconds", "[rules] clock_skew_seconds skal være et helt antal sekunder "
                                              "mellem 0 og 600.", "saml-clock-skew")
        skew = DEFAULT_CLOCK_SKEW_SECONDS
    if problems:
        raise InputError(problems, headline="Der er fejl i SAML-indstillingerne:")
    return SamlSettings(base_url=base_url, entity_id=entity_id, key_file=key_file, cert_file=cert_file,
                        idp_metadata_file=metadata, attributes=attributes, roles=roles, cvr_numbers=cvr_numbers,
                        minimum_assurance=level or Assurance.SUBSTANTIAL, clock_skew_seconds=skew,
                        idp_label=text("idp", "label", required=False) or "kommunens login")


def _is_pem(file: Path, kind: str) -> bool:
    """Whether `file` holds a private key (without a passphrase) or a certificate, in PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        data = file.read_bytes()
        if kind == "key":
            load_pem_private_key(data, password=None)
        else:
            x509.load_pem_x509_certificate(data)
    except (OSError, ValueError, TypeError):
        return False
    return True


def service_provider(settings: SamlSettings) -> Saml2Client:
    """pysaml2's service provider for the settings: signed requests (RSA-SHA256), signed
    assertions required, unsolicited responses refused, encrypted assertions read with our key."""
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.client import Saml2Client
    from saml2.config import SPConfig
    from saml2.saml import NAMEID_FORMAT_PERSISTENT
    from saml2.sigver import SigverError, get_xmlsec_binary
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    try:
        xmlsec = get_xmlsec_binary(["/usr/bin", "/usr/local/bin"])
    except SigverError:
        raise InputError([], headline="Programmet xmlsec1 findes ikke på serveren; det skal til for at kontrollere "
                                      "identitetsudbyderens signaturer (Debian: apt-get install xmlsec1).") from None
    keys = {"key_file": str(settings.key_file), "cert_file": str(settings.cert_file)}
    config = SPConfig()
    try:
        config.load({
            "entityid": settings.entity_id,
            "xmlsec_binary": xmlsec,
            **keys,
            "encryption_keypairs": [keys],
            "metadata": {"local": [str(settings.idp_metadata_file)]},
            "accepted_time_diff": settings.clock_skew_seconds,
            "allow_unknown_attributes": True,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {"sp": {
                "endpoints": {
                    "assertion_consumer_service": [(settings.acs_url, BINDING_HTTP_POST)],
                    "single_logout_service": [(settings.logout_url, BINDING_HTTP_REDIRECT),
                                              (settings.logout_url, BINDING_HTTP_POST)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,  # the assertion's signature is what vouches (AD FS signs only it)
                "allow_unsolicited": False,
            }},
        })
    except Exception:  # pysaml2 says why in English; the keys were checked before, so it is the metadata
        raise InputError([Problem(str(settings.idp_metadata_file), "Identitetsudbyderens metadata kan ikke læses "
                                  "som SAML-metadata (XML). Hent filen igen fra identitetsudbyderen.",
                                  code="saml-metadata-invalid")],
                         headline="Der er fejl i SAML-indstillingerne:") from None
    client = Saml2Client(config=config)
    if not client.metadata.identity_providers():
        raise InputError([Problem(str(settings.idp_metadata_file), "Metadatafilen beskriver ingen identitetsudbyder "
                                  "(IDPSSODescriptor).", code="saml-metadata-no-idp")],
                         headline="Der er fejl i SAML-indstillingerne:")
    return client
