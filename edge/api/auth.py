"""Login and users, under /api/v1."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, g

from edge import auth
from edge.api.routing import PUBLIC, api_route
from edge.api.schemas import LoginRequest, LoginResponse, UserCreate, UserList, UserOut

bp = Blueprint("auth", __name__, url_prefix="/api/v1")
EVERYONE = ("admin", "staff", "customer")


@api_route(bp, "/auth/login", methods=["POST"], body=LoginRequest, response=LoginResponse,
           roles=PUBLIC, errors=(400, 401, 415, 422), summary="Log in with a PIN; returns a JWT")
def login(body: LoginRequest):
    services = current_app.extensions["edge"]
    user = auth.authenticate(services.store.read(), services.secret, body.pin)
    now = datetime.now(timezone.utc)
    return LoginResponse(token=services.tokens.issue(user, now=now),
                         expires_at=now + services.tokens.ttl, user=UserOut(**user.as_dict()))


@api_route(bp, "/auth/me", response=UserOut, roles=EVERYONE, summary="Who the token belongs to")
def me():
    return UserOut(id=g.actor.id, name=g.actor.name, role=g.actor.role)


@api_route(bp, "/users", response=UserList, roles=("admin",), summary="Staff users")
def list_users():
    users = auth.list_users(current_app.extensions["edge"].store.read())
    return UserList(users=[UserOut(**u.as_dict()) for u in users])


@api_route(bp, "/users", methods=["POST"], body=UserCreate, response=UserOut, status=201,
           roles=("admin",), errors=(400, 409, 415, 422), summary="Add a user with a PIN")
def create_user(body: UserCreate):
    services = current_app.extensions["edge"]
    user = services.store.write(lambda tx: auth.add_user(tx.conn, services.secret, body.name,
                                                         body.role, body.pin))
    return UserOut(**user.as_dict())


@api_route(bp, "/users/<user_id>/disable", methods=["POST"], response=UserOut, roles=("admin",),
           errors=(404,), summary="Disable a user; their tokens stop working at once")
def disable_user(user_id: str):
    services = current_app.extensions["edge"]
    user = services.store.write(lambda tx: auth.disable_user(tx.conn, user_id))
    return UserOut(**user.as_dict())
