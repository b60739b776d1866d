"""Pairing kitchen tablets to stations, under /api/v1 (admin only)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g
from pydantic import BaseModel, Field

from edge.security import pairing
from edge.security.pairing import Device
from edge.api.routing import api_route
from edge.api.current import current_services
from edge.domain.strict import Strict

bp = Blueprint("pairing", __name__, url_prefix="/api/v1")
ADMIN = ("admin",)


class PairRequest(Strict):
    name: str = Field(min_length=1, max_length=40, description="e.g. 'Grill tablet'")
    station: str = Field(min_length=1, max_length=32)


class PairResponse(BaseModel):
    device: Device
    token: str


class DeviceList(BaseModel):
    devices: list[Device]


@api_route(bp, "/devices", methods=["POST"], body=PairRequest, response=PairResponse, status=201,
           roles=ADMIN, errors=(400, 404, 415, 422),
           summary="Pair a tablet to a station: a long-lived device token it keeps across reboots")
def pair(body: PairRequest):
    services = current_services()
    ttl = timedelta(days=services.settings.auth.device_token_ttl_days)
    actor = g.actor  # the job may run in another request's thread (writer.py)
    device = services.store.write(lambda tx: pairing.pair_device(tx, body.name, body.station, ttl, actor))
    token = pairing.issue_token(device, services.tokens, services.store.now())
    return PairResponse(device=device, token=token)


@api_route(bp, "/devices", response=DeviceList, roles=ADMIN, summary="Paired tablets, live ones first")
def list_devices():
    devices = pairing.list_devices(current_services().store.read())
    return DeviceList(devices=devices)


@api_route(bp, "/devices/<device_id>/revoke", methods=["POST"], response=Device, roles=ADMIN,
           errors=(404, 409), summary="Unpair a tablet: its token stops working at once")
def revoke(device_id: str):
    store = current_services().store
    actor = g.actor
    device = store.write(lambda tx: pairing.revoke_device(tx, device_id, actor))
    return device
