"""The instance's secret key for CPR pseudonyms: KLAGESTAT_SECRET, or a file created on first use.

The file lives in the user's configuration folder (KLAGESTAT_SECRET_FILE overrides the place),
is created with mode 600 and refused if others can read it. Losing the key only means that
repeated complainants from before and after can no longer be linked; the database keeps a
fingerprint of the key so a different key is noticed instead of silently splitting citizens.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from klagestat.domain.problems import InputError, Problem

ENV_SECRET = "KLAGESTAT_SECRET"
ENV_SECRET_FILE = "KLAGESTAT_SECRET_FILE"
MIN_SECRET_LENGTH = 16


def secret_file() -> Path:
    if os.environ.get(ENV_SECRET_FILE):
        return Path(os.environ[ENV_SECRET_FILE]).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "klagestat" / "secret"


def _refuse(where: str, message: str) -> InputError:
    return InputError([Problem(where, message, code="secret-key")], headline="Nøglen til pseudonymisering kan ikke bruges:",
                      footer="Intet er importeret.")


def load_key() -> bytes:
    """The key from KLAGESTAT_SECRET, else from the secret file, which is created if missing."""
    from_env = os.environ.get(ENV_SECRET)
    if from_env is not None:
        if len(from_env) < MIN_SECRET_LENGTH:
            raise _refuse(ENV_SECRET, f"Hemmeligheden skal være mindst {MIN_SECRET_LENGTH} tegn lang.")
        return from_env.encode("utf-8")
    path = secret_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            # O_EXCL: two imports starting at once can't both create (and disagree on) the key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _refuse(str(path), f"Filen kan læses af andre end ejeren (rettigheder {stat.filemode(mode)}). "
                                 f"Kør: chmod 600 {path}")
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise _refuse(str(path), f"Filen skal indeholde en hemmelighed på mindst {MIN_SECRET_LENGTH} tegn.")
    return key.encode("utf-8")
