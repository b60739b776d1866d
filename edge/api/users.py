"""Staff users, and who a token belongs to (/auth/me), under /api/v1. Logging in, refreshing and
logging out are sessions (edge/api/sessions.py)."""

from __future__ import annotations

from flask import Blueprint, g

from edge.security import audit, auth, refresh
from edge.api.routing import api_route
from edge.api.schemas import UserCreate, UserList, UserOut
from edge.api.current import current_services

bp = Blueprint("users", __name__, url_prefix="/api/v1")
EVERYONE = ("admin", "staff", "customer")


@api_route(bp, "/auth/me", response=UserOut, roles=EVERYONE, summary="Who the token belongs to")
def me():
    return UserOut(id=g.actor.id, name=g.actor.name, role=g.actor.role)


@api_route(bp, "/users", response=UserList, roles=("admin",), summary="Staff users")
def list_users():
    users = auth.list_users(current_services().store.read())
    return UserList(users=[UserOut(**u.as_dict()) for u in users])


@api_route(bp, "/users", methods=["POST"], body=UserCreate, response=UserOut, status=201,
           roles=("admin",), errors=(400, 409, 415, 422), summary="Add a user with a PIN")
def create_user(body: UserCreate):
    services, actor = current_services(), g.actor  # the job may run in another request's thread

    def job(tx):
        user = auth.add_user(tx.conn, services.secret, body.name, body.role, body.pin)
        audit.record(tx, "user.added", actor, target=user.id, details={"name": user.name, "role": user.role})
        return user
    return UserOut(**services.store.write(job).as_dict())


@api_route(bp, "/users/<user_id>/disable", methods=["POST"], response=UserOut, roles=("admin",),
           errors=(404,), summary="Disable a user; their tokens stop working at once")
def disable_user(user_id: str):
    services, actor = current_services(), g.actor

    def job(tx):
        user = auth.disable_user(tx.conn, user_id)
        refresh.revoke_user(tx, user.id)
        audit.record(tx, "user.disabled", actor, target=user.id, details={"name": user.name})
        return user
    return UserOut(**services.store.write(job).as_dict())
