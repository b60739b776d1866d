"""One error shape everywhere: {"error": {"code", "message", "details"}} with the right status."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from edge.security.auth import AuthError
from edge.domain.errors import Conflict, DomainError, Invalid, NotFound
from edge.store.db import DatabaseError

log = logging.getLogger(__name__)

DOMAIN_STATUS = {Invalid: 422, NotFound: 404, Conflict: 409}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


def error_response(status: int, code: str, message: str, details: list | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    return response


def validation_details(error: ValidationError) -> list[dict]:
    return [
        {"field": ".".join(str(p) for p in problem["loc"]), "message": problem["msg"],
         "type": problem["type"]}
        for problem in error.errors(include_url=False, include_input=False)
    ]


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        status = next((s for kind, s in DOMAIN_STATUS.items() if isinstance(error, kind)), 422)
        return error_response(status, error.code, error.message, error.details)

    @app.errorhandler(AuthError)
    def _auth_error(error: AuthError):
        return error_response(401, error.code, error.message)

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError):
        return error_response(422, "validation_failed", "the request does not match the schema",
                              validation_details(error))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return error_response(413, "body_too_large", f"the body is larger than the limit of {limit} bytes",
                              [{"limit_bytes": limit}])

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_").replace("'", "")
        return error_response(error.code or 500, code, error.description or error.name)

    @app.errorhandler(DatabaseError)
    def _database_error(error: DatabaseError):
        log.error("database unusable: %s", error)
        return error_response(503, "database_unavailable", str(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "something went wrong on the box; it was logged")
