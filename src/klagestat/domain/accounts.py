"""Who may do what in the case area, and how passwords are kept (argon2id, never the password)."""

from __future__ import annotations

import functools
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    """Each role can do what the one before it can, and more."""

    READER = "reader"  # sees the municipality's cases, analyses and reports
    ANALYST = "analyst"  # and imports registers and edits cases
    ADMIN = "admin"  # and manages the municipality's users and reads the audit log

    @property
    def danish(self) -> str:
        return {"reader": "læser", "analyst": "analytiker", "admin": "administrator"}[self.value]

    def at_least(self, other: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(other)


_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong
    password. Made on first use: hashing takes a fifth of a second, which no command should wait
    for at start."""
    return _hasher.hash("klagestat: no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        # "" is a user who logs in only by single sign-on: no password is ever right.
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in Danish; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn; den har {len(password)}."
    return None
