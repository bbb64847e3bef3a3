"""The signed token that carries a questionnaire's state in the browser (nothing is kept here).

itsdangerous signs the state with the server's secret (HMAC-SHA1 over a zlib-compressed JSON
payload), so a token the browser changed is rejected rather than believed. The secret comes
from KNEETRIAGE_SECRET_KEY, else a file made once (mode 600), so a restart loses nothing.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

SECRET_ENV = "KNEETRIAGE_SECRET_KEY"
# How long an unfinished questionnaire may wait: a day is enough to finish, short enough that an
# old token found later on a shared computer no longer opens.
MAX_AGE_SECONDS = 24 * 3600


class TokenError(ValueError):
    """A token that is not ours, was changed, or is too old."""


def default_secret_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "kneetriage" / "web-secret"


def load_secret(path: str | Path | None = None) -> str:
    """The signing secret: the environment's, else the file's (made on first use)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = Path(path) if path else default_secret_file()
    try:
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    return secret


class Signer:
    """Turns a state into a token and back; ``salt`` keeps tokens of one purpose out of another."""

    def __init__(self, secret: str, salt: str = "kneetriage.questionnaire", max_age: int = MAX_AGE_SECONDS):
        self._serializer = URLSafeTimedSerializer(secret, salt=salt)
        self.max_age = max_age

    def dump(self, state: Any) -> str:
        return self._serializer.dumps(state)

    def load(self, token: str) -> Any:
        try:
            return self._serializer.loads(token, max_age=self.max_age)
        except BadData as error:   # bad signature, expired, or not a token at all
            raise TokenError(str(error)) from None
