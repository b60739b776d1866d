"""Domain errors. Each kind maps to one HTTP status at the API edge; the domain knows no HTTP."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, details: list | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details or []


class Invalid(DomainError):
    """The request is well-formed but breaks a rule (unknown item, too many modifiers...)."""

    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (illegal transition, 86'd item, reused key)."""

    code = "conflict"
