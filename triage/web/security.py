"""Security for every response: headers, CSRF on forms, a rate limit per client.

The content security policy allows no script at all and no inline style but the report's own
<style> element, by its hash (the report is one self-contained page, so it can be saved whole).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time

CSRF_COOKIE = "kt_csrf"
CSRF_FIELD = "csrf"
_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.S)


def _style_hashes(body: bytes) -> list[str]:
    return [f"'sha256-{base64.b64encode(hashlib.sha256(css).digest()).decode()}'"
            for css in _STYLE.findall(body)]


def content_security_policy(body: bytes = b"") -> str:
    styles = " ".join(["'self'", *_style_hashes(body)])
    return ("default-src 'none'; script-src 'none'; style-src " + styles + "; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def add_headers(response) -> None:
    """The headers every response gets (the CSP sees the page, for the report's style hash)."""
    body = response.get_data() if response.mimetype == "text/html" and not response.direct_passthrough else b""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(body)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    # Health answers must not sit in a shared cache or the browser's back-forward cache on disk.
    headers.setdefault("Cache-Control", "no-store")


class Csrf:
    """Double-submit token: a random cookie, and in each form an HMAC of it under the secret.

    A page on another site can neither read the cookie nor compute the HMAC, so it cannot make
    a form that passes; SameSite=Strict keeps the cookie off its requests in the first place.
    """

    def __init__(self, secret: str):
        self._key = hashlib.sha256(("csrf:" + secret).encode()).digest()

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def field_for(self, cookie: str) -> str:
        return hmac.new(self._key, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, field: str | None) -> bool:
        if not cookie or not field:
            return False
        return hmac.compare_digest(self.field_for(cookie), field)


class RateLimit:
    """At most ``limit`` requests per client address in each ``window`` seconds (0: no limit).

    Only counts are kept, per address, for the current window; nothing about the requests."""

    def __init__(self, limit: int, window: float = 60.0, clock=time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._counts: dict[str, int] = {}
        self._started = clock()
        self._lock = threading.Lock()

    def allow(self, client: str) -> tuple[bool, int]:
        """(allowed, seconds until the window resets)."""
        if self.limit <= 0:
            return True, 0
        with self._lock:
            now = self.clock()
            if now - self._started >= self.window:
                self._counts.clear()
                self._started = now
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
            wait = max(1, int(self.window - (now - self._started)))
            return count <= self.limit, wait
