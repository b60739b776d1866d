"""The base of every shape the box reads from outside (requests, the cloud's menu, its own rows):
a field it does not know is refused, never silently dropped, so a typo cannot pass for a default."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
