"""Secrets never reach the logs: a filter that scrubs them from every record.

It rewrites the message, its arguments, the structured ``fields`` and exception text, so a
careless ``log.info("%s", request.headers)`` or a traceback holding a token is still clean.
What counts as a secret: ``Authorization`` values, anything shaped like a JWT, refresh tokens
(``rt_...``), and the values of keys named like pin, password, secret, token or key.
"""

from __future__ import annotations

import functools
import logging
import re

MASK = "[REDACTED]"
_SECRET_KEYS = r"(?:pin|password|passwd|secret|token|refresh_token|api_key|anon_key|box_token|apikey)"
_SECRET_KEY = re.compile(_SECRET_KEYS, re.I)
PATTERNS = [
    # Authorization: Bearer xxx / 'Authorization': 'Basic xxx'
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer|basic)?\s*[^\s'\",}]+"), r"\1" + MASK),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer " + MASK),
    # a JWT anywhere: three base64url parts, the first starting like a JSON object
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), MASK),
    (re.compile(r"\brt_[A-Za-z0-9_-]{20,}"), MASK),
    # "pin": "1234", 'pin': '1234', pin=1234, ?token=abc  (JSON, Python reprs, query strings)
    (re.compile(rf"(?i)(['\"]{_SECRET_KEYS}['\"]\s*:\s*)(['\"])(?:[^'\"\\]|\\.)*\2"), r"\1\2" + MASK + r"\2"),
    (re.compile(rf"(?i)(['\"]{_SECRET_KEYS}['\"]\s*:\s*)(\d+)"), r"\1" + '"' + MASK + '"'),
    (re.compile(rf"(?i)(\b{_SECRET_KEYS}=)[^\s&'\",;]+"), r"\1" + MASK),
]


# Every pattern above needs one of these words: one search lets the common clean line through
# (the access log scrubs three strings a request; seven substitutions each were 5 % of its CPU).
MIGHT_HOLD_SECRET = re.compile(r"(?i)authorization|bearer|eyJ|rt_|pin|passw|secret|token|key")


def scrub(text: str) -> str:
    if not MIGHT_HOLD_SECRET.search(text):
        return text
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@functools.lru_cache(maxsize=512)
def _is_secret_key(key: str) -> bool:  # log fields reuse a few key names: decide each once
    return _SECRET_KEY.fullmatch(key) is not None


def _scrub_value(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: (MASK if _is_secret_key(str(k)) else _scrub_value(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrub_value(v) for v in value)
    return scrub(str(value)) if not isinstance(value, (int, float, bool, type(None))) else value


class RedactingFilter(logging.Filter):
    """Attach to handlers (not loggers: records from child loggers only pass handler filters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw message, scrubbed
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = _scrub_value(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            record.exc_info = None  # formatters use exc_text; the raw traceback could re-leak
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
