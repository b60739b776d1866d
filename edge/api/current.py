"""The box's services from inside a request: what ``create_app`` (edge/app.py) built for this app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:  # for the type only: a route module need not load every service's stack
    from edge.services import Services


def current_services() -> Services:
    return current_app.extensions["edge"]
