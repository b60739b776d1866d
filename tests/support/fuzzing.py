"""Shared by the CI fuzz test and bench/fuzz.py: the app under fuzz, the checks, the loop.

Schemathesis' pytest plugin does not run under this pytest, so the loop is plain Hypothesis over
each operation's strategies (positive and negative data).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

# Logging out would revoke the fuzzer's own token; it has its own tests.
NOT_FUZZED = ["/api/v1/auth/logout"]
FUZZ_SECURITY = {"api_rate_limit": "100000 per second", "login_rate_limit": "100000 per second",
                 "lockout_after": 100, "ip_lockout_after": 1000}


@schemathesis.serializer("audio/wav", "audio/x-wav", "audio/wave")
def raw_audio(ctx, value) -> dict:
    """Recordings go up as raw bytes; generated values become bytes (mostly not valid WAV)."""
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": str(value).encode("utf-8", "surrogatepass")}


def error_shape(ctx, response, case) -> None:
    """Every 4xx and 5xx is {"error": {"code", "message", "details"}} with the right types."""
    if response.status_code < 400:
        return None
    try:
        error = response.json()["error"]
    except Exception as problem:
        raise AssertionError(f"{response.status_code} without the error shape: {response.text[:200]!r}") from problem
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], list), error
    return None


def invalid_data_rejected(ctx, response, case):
    """schemathesis' negative_data_rejection, except for cases whose only invalid part was a
    header: the fuzzer sends its own Authorization header, so that part never reaches the box."""
    meta = case.meta
    if meta is not None and any(location == ParameterLocation.HEADER and component.mode.is_negative
                                for location, component in meta.components.items()):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, invalid_data_rejected, error_shape]


@dataclass
class FuzzReport:
    cases: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    operations: int = 0


def fuzz(app, headers: dict, *, max_examples: int, derandomize: bool = True) -> FuzzReport:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).exclude(path=NOT_FUZZED)
    report = FuzzReport()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, headers, max_examples, derandomize, report)
    report.seconds = time.perf_counter() - started
    return report


def _fuzz_operation(operation, mode, headers, max_examples, derandomize, report) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(max_examples=max_examples, deadline=None, derandomize=derandomize,
                         suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        report.cases += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # no negative data exists for an operation without inputs
        return
    except BaseException as error:  # schemathesis' FailureGroup; keep going, report every operation
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        report.failures.append(f"{operation.label} [{mode.value}]: {str(error)[:1500]}")
