"""Municipality boundaries from a GeoJSON file (DAGI or alike), read and checked once before
any report or page is made; the maps (`render/maps.py`, `render/web_map.py`) draw what this returns.

The file is a FeatureCollection of Polygon and MultiPolygon features in WGS84 longitude and
latitude, each with the municipality's code in a property ("0101", "101" or 101). Several
features may share a code (islands).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.problems import InputError, Problem, ProblemList

X_SCALE = math.cos(math.radians(56))  # a degree of longitude is this much of one of latitude here
SIMPLIFY = 0.01  # drop a vertex nearer than this to the last kept: about 1 km, 1 pt on the page
# DAGI codes that are no municipality: a boundary file may carry them, and they are left out.
NOT_MUNICIPALITIES = {"411": "Christiansø"}  # administered by the state, not by a municipality


@dataclass(frozen=True)
class Boundaries:
    """Every municipality's rings, projected (x = longitude · cos 56°, y = latitude) and simplified."""

    shapes: dict[str, list[np.ndarray]]  # code → rings


def read_boundaries(catalogue: Catalogue, geojson_path: Path | str, code_property: str) -> Boundaries:
    """Each municipality's rings, projected (x = longitude · cos 56°, y = latitude) and simplified.

    Exterior rings run counter-clockwise and holes clockwise, whatever the file says, so a hole
    (Frederiksberg inside København) stays unfilled. Raises InputError, in Danish, naming the
    file and the feature (counted from 1) for every problem at once.
    """
    path = Path(geojson_path)
    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError([Problem(file, "Filen findes ikke.", code="file-missing")]) from None
    except IsADirectoryError:
        raise InputError([Problem(file, "Stien er en mappe, ikke en fil.", code="file-is-folder")]) from None
    except PermissionError:
        raise InputError([Problem(file, "Filen kan ikke læses: ingen adgang.", code="file-no-access")]) from None
    except OSError:
        raise InputError([Problem(file, "Filen kan ikke læses.", code="file-unreadable")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(file, "Filen er ikke tekst i UTF-8, som GeoJSON skal være.", code="file-encoding")]) from None
    except json.JSONDecodeError as e:  # e.msg is English: say where instead
        raise InputError([Problem(file, "Filen er ikke gyldig JSON.", line=e.lineno, column=str(e.colno), code="json-invalid")]) from None
    features = data.get("features") if isinstance(data, dict) and data.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        raise InputError([Problem(file, "Filen er ikke en GeoJSON FeatureCollection "
                                        '(et objekt med "type": "FeatureCollection" og en liste "features").', code="geojson-invalid")])

    problems = ProblemList(file, position="objekt nr.")
    shapes: dict[str, list[np.ndarray]] = {}
    seen: set[str] = set()  # codes with a feature, even one whose geometry is reported as bad
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict) or code_property not in properties:
            problems.add(f"Egenskaben {code_property!r} med kommunekoden mangler.", line=number, code="property-missing")
            continue
        raw = properties[code_property]
        code = _municipality_code(raw)
        if code in NOT_MUNICIPALITIES:
            continue
        if code not in catalogue.municipalities:
            problems.add(f"Koden i {code_property!r} er ikke en af de {len(catalogue.municipalities)} "
                         "kommuners koder.", line=number, value=str(raw), code="municipality-unknown")
            continue
        seen.add(code)
        rings = _rings(feature.get("geometry"))
        if rings is None:
            problems.add("Geometrien skal være en Polygon eller MultiPolygon med længde- og "
                         "breddegrader.", line=number, code="geometry-invalid")
            continue
        shapes.setdefault(code, []).extend(rings)
    absent = [f"{code} {m.name}" for code, m in catalogue.municipalities.items() if code not in seen]
    if absent:
        problems.add("Filen mangler kommunerne: " + ", ".join(absent) + ".", code="municipalities-missing")
    problems.raise_if_any(hint=f"Kortet skal være en GeoJSON FeatureCollection med hver kommunes kode "
                               f"i egenskaben {code_property!r}.")
    return Boundaries(shapes)


def _municipality_code(raw) -> str | None:
    """"0101", "101" and 101 are all København's "101"; anything else is no code."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        raw = str(raw)
    if isinstance(raw, str) and re.fullmatch(r"\s*\d{1,4}\s*", raw):
        return raw.strip().lstrip("0") or "0"
    return None


def _rings(geometry) -> list[np.ndarray] | None:
    """The geometry's rings, projected, simplified and oriented; None when it can't be read."""
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons: list
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return None
    rings = []
    try:
        for polygon in polygons:
            for i, ring in enumerate(polygon):
                points = np.array([(float(p[0]) * X_SCALE, float(p[1])) for p in ring])
                if len(points) < 3:
                    return None
                points = _simplified(points)
                # Exterior counter-clockwise (positive area), holes clockwise.
                if (_signed_area(points) > 0) != (i == 0):
                    points = points[::-1]
                rings.append(points)
    except (TypeError, ValueError, IndexError):
        return None
    return rings


def _simplified(points: np.ndarray) -> np.ndarray:
    """Drop each vertex nearer than SIMPLIFY to the last one kept: the SVG stays small."""
    kept = [points[0]]
    for p in points[1:-1]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= SIMPLIFY:
            kept.append(p)
    kept.append(points[-1])
    return np.array(kept) if len(kept) >= 4 else points


def _signed_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2
