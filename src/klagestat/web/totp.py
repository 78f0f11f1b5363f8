"""The second factor of a password login: time-based one-time codes (TOTP, RFC 6238, as every
authenticator app reads them), with pyotp; the QR code to set it up is drawn here as SVG (segno),
so nothing leaves the server."""

from __future__ import annotations

import io

import pyotp

ISSUER = "klagestat"


def new_secret() -> str:
    return pyotp.random_base32()


def code_matches(secret: str, code: str) -> bool:
    """The code typed (spaces allowed) is the current one, or the one before or after (a phone's
    clock may be off by up to 30 seconds)."""
    digits = "".join(code.split())
    return bool(secret) and len(digits) == 6 and digits.isdigit() and pyotp.TOTP(secret).verify(digits, valid_window=1)


def enrolment(secret: str, account: str) -> dict[str, str]:
    """What the set-up page shows: the QR code (inline SVG), and the secret in groups of four for
    typing it in by hand."""
    import segno

    uri = pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", scale=5, xmldecl=False, svgns=True, omitsize=True,
                                         title="QR-kode til din app")
    return {"qr_svg": svg.getvalue().decode(), "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}
