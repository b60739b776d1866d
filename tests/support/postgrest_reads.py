"""The part of PostgREST's read grammar the owner's dashboard uses, turned into SQL for the test
gateway: `GET /rest/v1/<table or view>?select=a,b&col=eq.x&col=in.(x,y)&col=gte.2026-11-28
&col=is.null&order=a.desc,b&limit=1000&offset=0` (docs.postgrest.org, "Tables and Views").

Identifiers are checked against a strict pattern; every value travels as a query parameter.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
OPERATORS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
RESERVED = {"select", "order", "limit", "offset"}


class QueryError(ValueError):
    """A query PostgREST would refuse with 400 (code PGRST100)."""


def _identifier(name: str) -> str:
    if not IDENTIFIER.match(name):
        raise QueryError(f"'{name}' is not a column name")
    return f'"{name}"'


def _filter(column: str, expression: str) -> tuple[str, list]:
    operator, _, value = expression.partition(".")
    target = _identifier(column)
    if operator in OPERATORS and _:
        return f"{target} {OPERATORS[operator]} %s", [value]
    if operator == "in" and value.startswith("(") and value.endswith(")"):
        values = [v.strip().strip('"') for v in value[1:-1].split(",") if v.strip()]
        return f"{target}::text = any(%s::text[])", [values]
    if operator == "is" and value in ("null", "true", "false"):
        return f"{target} is {value}", []
    raise QueryError(f"unsupported filter {column}={expression}")


def _order(spec: str) -> str:
    terms = []
    for term in spec.split(","):
        column, *modifiers = term.split(".")
        direction = {"asc": "asc", "desc": "desc"}.get(modifiers[0] if modifiers else "asc")
        if direction is None or len(modifiers) > 2 or (len(modifiers) == 2 and modifiers[1] not in ("nullsfirst", "nullslast")):
            raise QueryError(f"unsupported order {term}")
        nulls = {"nullsfirst": " nulls first", "nullslast": " nulls last"}.get(modifiers[1] if len(modifiers) == 2 else "", "")
        terms.append(f"{_identifier(column)} {direction}{nulls}")
    return ", ".join(terms)


def _count(value: str, name: str) -> int:
    if not value.isdigit():
        raise QueryError(f"{name} must be a whole number")
    return int(value)


def read_sql(relation: str, query_string: str) -> tuple[str, list]:
    """(SQL returning one JSON array, its parameters) for a read of ``relation``."""
    params = parse_qsl(query_string, keep_blank_values=True)
    options = {name: value for name, value in params if name in RESERVED}
    columns = options.get("select", "*")
    projection = "*" if columns == "*" else ", ".join(_identifier(c.strip()) for c in columns.split(","))
    where, values = [], []
    for name, value in params:
        if name not in RESERVED:
            clause, clause_values = _filter(name, value)
            where.append(clause)
            values.extend(clause_values)
    sql = f"select {projection} from public.{_identifier(relation)}"
    if where:
        sql += " where " + " and ".join(where)
    if "order" in options:
        sql += " order by " + _order(options["order"])
    if "limit" in options:
        sql += " limit %s"
        values.append(_count(options["limit"], "limit"))
    if "offset" in options:
        sql += " offset %s"
        values.append(_count(options["offset"], "offset"))
    return f"select coalesce(json_agg(row_to_json(r)), '[]'::json) from ({sql}) r", values
