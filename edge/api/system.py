"""Health, metrics and the OpenAPI document."""

from __future__ import annotations


from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from edge import __version__
from edge.api.openapi import build_openapi
from edge.api.routing import PUBLIC, api_route
from edge.api.schemas import HealthOut
from edge.api.current import current_services

bp = Blueprint("system", __name__, url_prefix="/api/v1")
root = Blueprint("root", __name__)


def health_response():
    services = current_services()
    status, checks = services.health.run()
    body = {"status": status, "demo": services.settings.demo, "version": __version__,
            "box_id": services.settings.box_id, "checks": checks}
    response = jsonify(body)
    response.status_code = 503 if status == "down" else 200
    return response


@api_route(bp, "/health", response=HealthOut, roles=PUBLIC, errors=(503,),
           summary="Each check ok/degraded/down; 503 when any is down")
def health():
    return health_response()


@root.get("/health")
def root_health():
    return health_response()


@api_route(bp, "/metrics", roles=("admin", "staff"), response_content_type="text/plain",
           summary="Prometheus metrics (text format)")
def metrics():
    services = current_services()
    services.refresh_gauges()
    return Response(generate_latest(services.metrics.registry), content_type=CONTENT_TYPE_LATEST)


@api_route(bp, "/openapi.json", roles=PUBLIC, summary="This document")
def openapi():
    return build_openapi(current_app)
