"""Single sign-on's settings file: the example in deploy/ reads as it stands (with its files in
place), and every mistake in one is named in Danish before the server starts, never a traceback.
The rules of assurance levels, roles and municipalities (domain/sso) are checked here too."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from klagestat.domain.accounts import Role
from klagestat.domain.problems import InputError
from klagestat.domain.sso import Assurance, mapped_role, municipality_code, privilege_values, strongest
from klagestat.web.saml_settings import read_settings
from saml_idp import IdP, make_key_pair

from conftest import cli_command, free_port

EXAMPLE = Path(__file__).resolve().parents[1] / "deploy" / "saml.toml.example"


@pytest.fixture
def example(tmp_path) -> Path:
    """The example settings, with a key, a certificate and an IdP's metadata where it says."""
    make_key_pair(tmp_path, "sp")
    (tmp_path / "idp").mkdir()
    idp = IdP(tmp_path / "idp", free_port())
    shutil.copy(idp.metadata_file, tmp_path / "idp-metadata.xml")
    return Path(shutil.copy(EXAMPLE, tmp_path / "saml.toml"))


def test_saml_the_example_settings_read_as_they_stand(example):
    settings = read_settings(example)
    assert settings.acs_url == "https://klagestat.kommune.dk/saml/acs"
    assert settings.entity_id == "https://klagestat.kommune.dk/saml/metadata"
    assert settings.minimum_assurance is Assurance.SUBSTANTIAL and settings.clock_skew_seconds == 120
    assert set(settings.roles.values()) == set(Role)
    assert settings.cvr_numbers == {"12345678": "201"}


def test_saml_an_environment_variable_overrides_the_file(example, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SAML_SP_BASE_URL", "https://andet.kommune.dk/")
    monkeypatch.setenv("KLAGESTAT_SAML_RULES_CLOCK_SKEW_SECONDS", "30")
    settings = read_settings(example)
    assert settings.acs_url == "https://andet.kommune.dk/saml/acs" and settings.clock_skew_seconds == 30


@pytest.mark.parametrize(("change", "words"), [
    (("key_file = \"sp.key\"", "key_file = \"mangler.key\""), "Filen mangler.key findes ikke"),
    (("base_url = \"https://klagestat.kommune.dk\"", "base_url = \"klagestat.kommune.dk\""), "skal være en adresse"),
    (("= \"reader\"", "= \"læser\""), "Rollen 'læser' findes ikke"),
    (("minimum_assurance = \"Betydelig\"", "minimum_assurance = \"Middel\""), "Sikringsniveauet 'Middel' kendes ikke"),
    (("clock_skew_seconds = 120", "clock_skew_seconds = 3600"), "mellem 0 og 600"),
    (("cert_file = \"sp.crt\"", "cert_file = \"sp.key\""), "[sp] cert_file: Filen sp.key er ikke et certifikat"),
    (("[sp]", "[sp\n"), "ikke gyldig TOML"),
])
def test_saml_a_mistake_in_the_settings_is_named_in_danish(example, change, words):
    example.write_text(example.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_settings(example)
    assert words in str(error.value)


def test_saml_serve_refuses_bad_settings_before_it_starts(example, tmp_path):
    (tmp_path / "idp-metadata.xml").write_text("<ikke metadata/>", encoding="utf-8")
    proc = subprocess.run(cli_command("serve", "--port", str(free_port()), "--saml", example, db=tmp_path / "k.db"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "SAML-indstillingerne" in proc.stderr and "Traceback" not in proc.stderr


def test_saml_assurance_roles_and_municipalities():
    assert Assurance.parse("Substantial") is Assurance.parse("http://eidas.europa.eu/LoA/substantial") is \
        Assurance.parse("https://data.gov.dk/concept/core/nsis/loa/Substantial") is Assurance.parse("betydelig")
    assert strongest(["Low", "High"]) is Assurance.HIGH and strongest(["middel"]) is None
    mapping = {"laeser": Role.READER, "admin": Role.ADMIN}
    assert mapped_role(["laeser", "admin", "ukendt"], mapping) is Role.ADMIN
    assert mapped_role(["ukendt"], mapping) is None
    codes = ["101", "201", "350"]
    assert municipality_code("0201", codes, {}) == "201" == municipality_code("201", codes, {})
    assert municipality_code("12345678", codes, {"12345678": "350"}) == "350"
    assert municipality_code("urn:dk:gov:saml:cvrNumberIdentifier:12345678", codes, {"12345678": "350"}) == "350"
    assert municipality_code("999", codes, {}) is None and municipality_code("Allerød", codes, {}) is None


def test_saml_roles_in_an_oiosaml_privilege_list():
    xml = ('<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
           '<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:12345678">'
           '<Privilege>http://klagestat.dk/roles/analytiker/1</Privilege></PrivilegeGroup></bpp:PrivilegeList>')
    encoded = base64.b64encode(xml.encode()).decode()
    assert privilege_values(encoded) == ["http://klagestat.dk/roles/analytiker/1"]
    assert privilege_values(encoded, scopes=True) == ["urn:dk:gov:saml:cvrNumberIdentifier:12345678"]
    assert privilege_values("analytiker") == ["analytiker"] and privilege_values("analytiker", scopes=True) == []
