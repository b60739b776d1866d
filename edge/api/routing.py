"""Routes declared with their pydantic models: validation and the OpenAPI document from one place.

    @api_route(bp, "/orders", methods=["POST"], body=OrderRequest, response=OrderOut, status=201)
    def create_order(body: OrderRequest): ...

The view gets ``body=`` and ``query=`` already validated; bad JSON is a 400, a wrong content type
a 415, a body that breaks the model a 422, all in the one error shape.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from edge.api.errors import ApiError, validation_details
from edge.api.access import require_roles

ANY_STAFF = ("admin", "staff")
PUBLIC = ()


@dataclass
class RouteSpec:
    rule: str
    methods: list[str]
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    roles: tuple[str, ...]
    errors: tuple[int, ...]
    content_type: str = "application/json"
    response_content_type: str = "application/json"
    tags: list[str] = field(default_factory=list)
    body_required: bool = True


ROUTES: list[RouteSpec] = []


def api_route(bp: Blueprint, rule: str, *, methods=("GET",), body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              status: int = 200, roles: tuple[str, ...] = ANY_STAFF, summary: str = "",
              errors: tuple[int, ...] = (), content_type: str = "application/json",
              response_content_type: str = "application/json", body_required: bool = True) -> Callable:
    prefix = bp.url_prefix or ""
    spec = RouteSpec(prefix + rule, [m.upper() for m in methods], summary, body, query, response,
                     status, tuple(roles), tuple(errors), content_type, response_content_type,
                     [bp.name], body_required)
    ROUTES[:] = [r for r in ROUTES if not (r.rule == spec.rule and r.methods == spec.methods)] + [spec]

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path_params: Any):
            if roles:
                require_roles(roles)
            kwargs = dict(path_params)
            if body is not None:
                kwargs["body"] = _parse_body(body, body_required)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return _to_response(view(**kwargs), status)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=list(methods))
        return wrapper

    return decorate


def _parse_body(model: type[BaseModel], required: bool = True) -> BaseModel:
    if not required and not request.get_data(cache=True):
        return model()  # e.g. a logout sent with no body at all
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise ApiError(400, "malformed_json", "the body is not valid JSON",
                           validation_details(error)) from None
        # a model may word its own refusals for people (MenuItemPatch: a manager's prices)
        refusal = getattr(model, "refusal", None)
        code, message = ((refusal and refusal(error))
                         or ("validation_failed", "the request does not match the schema"))
        raise ApiError(422, code, message, validation_details(error)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {}
    for key in request.args:
        items = request.args.getlist(key)
        values[key] = items if len(items) > 1 else items[0]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ApiError(422, "invalid_query", "the query parameters are not valid",
                       validation_details(error)) from None


def _to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        # pydantic writes JSON in Rust: several times cheaper than model_dump() + json.dumps
        return Response(result.model_dump_json(), status=status, mimetype="application/json")
    response = jsonify(result)
    response.status_code = status
    return response


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)
