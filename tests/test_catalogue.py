"""The catalogue: municipalities, laws, label recognition, maps by year, areas."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klagestat.catalogue import load_catalogue
from klagestat.domain.areas import OTHER_AREA, AmbiguousAreaError, AreaConfig, Selector
from klagestat.domain.catalogue import AreaLevel
from klagestat.domain.legal_basis import BasisLevel, format_paragraphs, parse_paragraphs
from klagestat.domain.problems import InputError
from klagestat.ingest.areas_file import read_areas

CAT = load_catalogue()


def test_98_municipalities_in_five_regions():
    assert len(CAT.municipalities) == 98
    per_region = Counter(m.region_code for m in CAT.municipalities.values())
    assert sorted(per_region.values()) == [11, 17, 19, 22, 29]
    for m in CAT.municipalities.values():
        assert m.population > 0
        assert 3 <= len(m.neighbours) <= 5
        assert all(n in CAT.municipalities and n != m.code for n in m.neighbours)


@pytest.mark.parametrize(
    "text, code",
    [
        ("Århus", "751"), ("Aarhus Kommune", "751"), ("lyngby-tårbæk", "173"), ("Lyngby-Taarbæk Kommune", "173"),
        ("350", "350"), ("0350", "350"), ("Lejre", "350"), ("LEJRE KOMMUNE", "350"),
        ("Københavns Kommune", "101"), ("Bornholms Regionskommune", "400"), ("Høje Taastrup", "169"),
    ],
)
def test_municipality_spellings(text, code):
    assert CAT.find_municipality(text).code == code


def test_national_and_regions():
    assert CAT.find_area("Hele landet").level is AreaLevel.NATIONAL
    assert CAT.find_area("Region Hovedstaden").code == "1084"
    assert CAT.find_area("Atlantis") is None
    assert CAT.find_municipality("Region Hovedstaden") is None


def test_allerød_neighbours_are_the_minutes_comparison_group():
    names = [CAT.municipalities[c].name for c in CAT.find_municipality("Allerød").neighbours]
    assert names == ["Hillerød", "Hørsholm", "Furesø", "Rudersdal"]


@pytest.mark.parametrize(
    "alias, law",
    [
        ("Serviceloven", "serviceloven"), ("SEL", "serviceloven"), ("Lov om social service", "serviceloven"),
        ("Barnets lov", "barnets-lov"), ("Ældreloven", "aeldreloven"),
        ("Lov om aktiv socialpolitik", "aktivloven"), ("aktivloven", "aktivloven"),
        ("Lov om social pension", "pensionsloven"), ("pensionsloven", "pensionsloven"),
        ("Lov om sygedagpenge", "sygedagpengeloven"), ("Lov om en aktiv beskæftigelsesindsats", "beskaeftigelsesloven"),
        ("Lov om retssikkerhed og administration på det sociale område", "retssikkerhedsloven"),
    ],
)
def test_law_aliases(alias, law):
    assert CAT.find_law(alias).id == law
    assert CAT.law_named_in(f"{alias} § 12").id == law


@pytest.mark.parametrize(
    "label, level, key",
    [
        ("1 Serviceloven", BasisLevel.LAW, None),
        ("1.12 Voksne - merudgifter - § 100", BasisLevel.PROVISION, "serviceloven:100"),
        ("1.9 Børn - efterværn - §§ 68 og 76", BasisLevel.PROVISION, "serviceloven:68+76"),
        ("barnets lov §§ 87-88", BasisLevel.PROVISION, "barnets-lov:87+88"),
        ("Servicelovens § 32 a", BasisLevel.PROVISION, "serviceloven:32a"),
        ("SEL §§ 85 og 107", BasisLevel.PROVISION, "serviceloven:85+107"),
        ("2.5 Personlig hjælp - § 90 i barnets lov, jf. §§ 83 og 86 i serviceloven", BasisLevel.PROVISION, "barnets-lov:90"),
        ("Aktivloven § 81", BasisLevel.PROVISION, "aktivloven:81"),
        ("I alt", BasisLevel.ALL, None),
        ("Lov om social pension", BasisLevel.LAW, None),
    ],
)
def test_recognise_basis(label, level, key):
    ref = CAT.recognise_basis(label, {"1": "serviceloven", "2": "barnets-lov"})
    assert ref.level is level
    assert ref.provision_key == key


def test_unknown_basis_is_not_guessed():
    assert CAT.recognise_basis("7.3 Noget helt andet - § 3") is None


@given(st.sets(st.integers(1, 200), min_size=1, max_size=6))
def test_paragraphs_round_trip(paragraphs):
    ps = tuple(str(p) for p in sorted(paragraphs))
    assert parse_paragraphs(format_paragraphs(ps)) == ps


def test_paragraph_formatting():
    assert format_paragraphs(("87", "88")) == "§§ 87-88"
    assert format_paragraphs(("68", "76")) == "§§ 68 og 76"
    assert format_paragraphs(("100",)) == "§ 100"


@pytest.mark.parametrize(
    "map_code, year, key, expected",
    [
        ("child-disability", 2023, "serviceloven:41", True),
        ("child-disability", 2023, "barnets-lov:86", False),
        ("child-disability", 2024, "barnets-lov:86", True),
        ("child-disability", 2024, "serviceloven:41", True),  # cases sent before 2024
        ("child-disability", 2024, "barnets-lov:87+88", True),
        ("child-disability", 2024, "serviceloven:100", False),
        ("adult-disability", 2020, "serviceloven:100", True),
        ("adult-disability", 2020, "serviceloven:85", False),
        ("social", 2023, "barnets-lov:86", False),
        ("social", 2024, "barnets-lov:86", True),
        ("social", 2024, "aeldreloven:10", False),
        ("social", 2025, "aeldreloven:10", True),
        ("social", 2025, "aktivloven:81", False),
    ],
)
def test_maps_by_year(map_code, year, key, expected):
    assert CAT.map_contains(map_code, year, key) is expected


@pytest.mark.parametrize(
    "label, outcome",
    [
        ("Stadfæstet", "upheld"), ("Ændret/ophævet", "changed"), ("Ændring", "changed"),
        ("Hjemvist", "remitted"), ("Hjemvisning", "remitted"), ("Afvist/henvist", "dismissed"),
        ("Afvisning/henvisning", "dismissed"), ("Bortfaldet", "dismissed"), ("I alt", "total"),
        ("  stadfæstet ", "upheld"),
    ],
)
def test_outcome_labels(label, outcome):
    assert CAT.outcome_for_label(label) == outcome


def _config(*selectors):
    built = []
    for area, text in selectors:
        law, paragraphs = CAT.parse_selector(text)
        built.append(Selector(area, text, law.id, frozenset(paragraphs)))
    return AreaConfig(tuple(dict.fromkeys(area for area, _ in selectors)), tuple(built))


def test_most_specific_area_wins():
    config = _config(("Voksne", "Serviceloven"), ("Psykiatri", "SEL §§ 85 og 107"))
    assert config.area_for("serviceloven", "serviceloven:85", "§ 85") == "Psykiatri"
    assert config.area_for("serviceloven", "serviceloven:100", "§ 100") == "Voksne"
    assert config.area_for("aktivloven", "aktivloven:81", "§ 81") == OTHER_AREA


def test_fewer_paragraphs_are_more_specific():
    config = _config(("Bred", "SEL §§ 83-86"), ("Smal", "SEL § 85"))
    assert config.area_for("serviceloven", "serviceloven:85", "§ 85") == "Smal"
    assert config.area_for("serviceloven", "serviceloven:84", "§ 84") == "Bred"


def test_equally_specific_areas_are_an_error_naming_both():
    config = _config(("A", "SEL § 85"), ("B", "Serviceloven § 85"))
    with pytest.raises(AmbiguousAreaError) as e:
        config.area_for("serviceloven", "serviceloven:85", "Serviceloven § 85")
    assert "'A'" in str(e.value) and "'B'" in str(e.value)


def test_areas_file(tmp_path):
    f = tmp_path / "områder.toml"
    f.write_text(
        '[areas."Psykiatri- og Handicapudvalget"]\n'
        'provisions = ["Lov om social pension", "aktivloven", "Serviceloven § 100", "SEL §§ 85 og 107"]\n'
        '[areas."Børne- og Skoleudvalget"]\nprovisions = ["Barnets lov"]\n',
        encoding="utf-8",
    )
    config = read_areas(f, CAT)
    assert config.names == ("Psykiatri- og Handicapudvalget", "Børne- og Skoleudvalget")
    assert config.area_for("pensionsloven", "pensionsloven:14", "x") == "Psykiatri- og Handicapudvalget"
    assert config.area_for("barnets-lov", "barnets-lov:86", "x") == "Børne- og Skoleudvalget"


def test_areas_file_with_a_tie_is_refused_when_read(tmp_path):
    f = tmp_path / "områder.toml"
    f.write_text('[areas."A"]\nprovisions = ["SEL § 85"]\n[areas."B"]\nprovisions = ["Serviceloven § 85"]\n',
                 encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_areas(f, CAT)
    message = str(e.value)
    assert str(f) in message and "'A'" in message and "'B'" in message


@pytest.mark.parametrize("name", ["Øvrige", "I alt"])
def test_reserved_area_names(tmp_path, name):
    f = tmp_path / "områder.toml"
    f.write_text(f'[areas."{name}"]\nprovisions = ["aktivloven"]\n', encoding="utf-8")
    with pytest.raises(InputError):
        read_areas(f, CAT)


def test_areas_file_that_is_a_folder(tmp_path):
    with pytest.raises(InputError) as e:
        read_areas(tmp_path, CAT)
    assert "mappe" in str(e.value)


def test_areas_file_with_unknown_law(tmp_path):
    f = tmp_path / "områder.toml"
    f.write_text('[areas."X"]\nprovisions = ["Lov om månelandinger § 3"]\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_areas(f, CAT)
    assert "Lov om månelandinger § 3" in str(e.value) and str(f) in str(e.value)
