"""What a new vintage does to the figures: where it covers less than the vintage it replaces.

A newer vintage wins per period × area × law. If it holds fewer of a law's provisions than an
older vintage of the same slots (a download of one paragraph after a download of them all), the
other provisions drop out of the figures. That is what the rule says, but never silently.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import BasisLevel
from klagestat.store.statbank import fetch_bases, overlapped_vintages, vintages_by_id


def narrower_than_before(conn: Connection, vintage_id: int, catalogue: Catalogue) -> list[str]:
    overlaps = overlapped_vintages(conn, vintage_id)
    if not overlaps:
        return []
    keys: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for b in fetch_bases(conn, {vintage_id} | {v for v, _ in overlaps}):
        if b.level == BasisLevel.PROVISION:
            keys[b.vintage_id][b.law_id].add(b.provision_key)
    info = vintages_by_id(conn, {v for v, _ in overlaps})
    notes = []
    for old, law_id in sorted(overlaps):
        lost = keys[old][law_id] - keys[vintage_id][law_id]
        if not lost or law_id not in catalogue.laws:
            continue
        shown = ", ".join(catalogue.provision_label(k) for k in sorted(lost)[:3])
        more = f" og {len(lost) - 3} flere" if len(lost) > 3 else ""
        v = info[old]
        notes.append(
            f"Filen erstatter import nr. {v.id} ({v.file_name}, pr. {v.as_of:%d-%m-%Y}) for "
            f"{catalogue.laws[law_id].name} i de samme kommuner og perioder, men mangler {len(lost)} af "
            f"dens paragraffer ({shown}{more}); de tæller nu ikke med. Importér alle lovens paragraffer, "
            f"eller brug rates --as-of {v.as_of.isoformat()} for de gamle tal."
        )
    return notes
