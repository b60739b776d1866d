"""Who did something: a person, a paired device, or the box itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "staff", "customer", "device"]


@dataclass(frozen=True)
class Actor:
    kind: Literal["user", "device", "system"]
    id: str
    name: str
    role: Role | Literal["system"]
    session: str | None = None  # people's login session (see Order.created_session)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "name": self.name, "role": self.role}


SYSTEM = Actor(kind="system", id="system", name="box", role="system")
