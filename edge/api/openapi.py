"""The OpenAPI 3.1 document, generated from the same pydantic models that validate requests."""

from __future__ import annotations

from flask import Flask

from edge import __version__
from edge.api.routing import ROUTES, RouteSpec, openapi_path

REF = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                            "details": {"type": "array"}}}},
}
STATUS_TEXT = {400: "Malformed request", 401: "Not logged in", 403: "Not allowed", 404: "Not found",
               409: "Conflicts with the current state", 413: "Body too large",
               415: "Wrong content type", 422: "Invalid request", 429: "Too many requests (see Retry-After)",
               503: "Unavailable", 507: "Storage full or read-only; nothing was saved"}


def build_openapi(app: Flask) -> dict:
    registered = {(rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods or ()}
    components: dict[str, dict] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for spec in ROUTES:
        for method in spec.methods:
            if (spec.rule, method) in registered:
                path = paths.setdefault(openapi_path(spec.rule), {})
                path[method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "restaurant-edge box API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(spec: RouteSpec, components: dict) -> dict:
    operation: dict = {"summary": spec.summary, "tags": spec.tags,
                       "operationId": f"{spec.methods[0].lower()}_{openapi_path(spec.rule)}"}
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _path_names(spec.rule)]
    if spec.query is not None:
        schema = spec.query.model_json_schema(ref_template=REF)
        for name, prop in schema.get("properties", {}).items():
            parameters.append({"name": name, "in": "query", "required": name in schema.get("required", []),
                               "schema": prop})
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {"required": spec.body_required, "content": {spec.content_type: {
            "schema": {"$ref": REF.format(model=spec.body.__name__)}}}}
        _schema(spec.body, components, mode="validation")
    elif spec.content_type != "application/json":  # a raw body, e.g. audio/wav
        operation["requestBody"] = {"required": True, "content": {spec.content_type: {
            "schema": {"type": "string", "format": "binary"}}}}
    operation["responses"] = _responses(spec, components)
    if spec.roles:
        operation["security"] = [{"bearer": []}]
    return operation


def _responses(spec: RouteSpec, components: dict) -> dict:
    if spec.response is not None:
        _schema(spec.response, components)
        content = {spec.response_content_type: {"schema": {"$ref": REF.format(model=spec.response.__name__)}}}
    else:
        content = {spec.response_content_type: {"schema": {}}}
    responses = {str(spec.status): {"description": "OK", "content": content}}
    error_codes = set(spec.errors) | ({401, 403} if spec.roles else set()) | {429}  # rate limits
    # what api_route itself answers to a bad body or query, whatever the view declares
    error_codes |= {400, 413, 415, 422} if spec.body is not None else set()
    error_codes |= {422} if spec.query is not None else set()
    if set(spec.methods) - {"GET", "HEAD"}:
        error_codes.add(507)  # any write can meet a full or read-only disk
    for code in sorted(error_codes):
        responses[str(code)] = {"description": STATUS_TEXT.get(code, "Error"), "content": {
            "application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    return responses


def _schema(model, components: dict, mode: str = "serialization") -> dict:
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return schema


def _path_names(rule: str) -> list[str]:
    import re

    return re.findall(r"<(?:[a-z_]+:)?([a-z_]+)>", rule)
