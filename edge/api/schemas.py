"""Request and response shapes of the HTTP API that are not domain models themselves."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from edge.domain.menu import Category, MenuItem, Station
from edge.domain.orders import OrderStatus, TicketItem


def _iso_only(value: Any) -> Any:
    """Query datetimes are RFC 3339 text, as the OpenAPI document says; pydantic alone would
    also take '123' as a unix time, which the schema calls invalid."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", value):
        raise ValueError("expected an RFC 3339 date-time such as 2026-11-28T19:00:00Z")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    pin: str = Field(pattern=r"^[0-9]{4,8}$", description="4 to 8 digits")
    user: str | None = Field(None, min_length=1, max_length=40,
                             description="name or id when the tablet lets people pick themselves: "
                                         "the PIN is checked for that user only (and locks only them)")


class UserOut(BaseModel):
    id: str
    name: str
    role: str
    active: bool = True


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=40)
    role: Literal["admin", "staff", "customer"]
    pin: str = Field(pattern=r"^[0-9]{4,8}$")


class UserList(BaseModel):
    users: list[UserOut]


class MenuOut(BaseModel):
    version: int
    categories: list[Category]
    items: list[MenuItem]


class MenuItemPatch(Strict):
    price_cents: int | None = Field(None, ge=0, le=100_000_00)
    available: bool | None = None


class StationList(BaseModel):
    stations: list[Station]


class OrdersQuery(Strict):
    status: list[OrderStatus] | OrderStatus | None = None
    station: str | None = Field(None, max_length=32)
    since: IsoDatetime | None = None
    limit: int = Field(100, ge=1, le=500)


class TicketCard(BaseModel):
    id: str
    order_id: str
    number: int
    table: str | None
    customer_name: str | None
    type: str
    source: str
    notes: str | None
    station: str
    status: str
    order_status: str
    fired_at: str | None
    started_at: str | None
    bumped_at: str | None
    fired_seq: int | None = Field(None, description="seq of the event that fired it: the kitchen's order")
    bumped_seq: int | None = Field(None, description="seq of the event that last bumped it")
    created_by: str | None = Field(None, description="the user (or device) that took the order")
    server: str | None = Field(None, description="that user's name, for the card")
    amendment: str | None = Field(None, description="'added': fired by an add-items amendment")
    items: list[TicketItem]


class AllDayCount(BaseModel):
    name: str
    quantity: int


class KdsOut(BaseModel):
    station: str
    tickets: list[TicketCard]
    recently_bumped: list[TicketCard]
    all_day: list[AllDayCount]


class ExpoStation(BaseModel):
    station: str
    ticket_id: str
    status: str


class ExpoItem(BaseModel):
    id: str | None = None
    name: str
    quantity: int
    station: str
    modifiers: list[str] = Field(default_factory=list)
    notes: str | None = None
    done: bool


class ExpoOrder(BaseModel):
    id: str
    number: int
    table: str | None
    customer_name: str | None
    type: str
    status: str
    fired_at: str | None
    source: str | None = None
    notes: str | None = None
    created_by: str | None = None
    server: str | None = None
    stations: list[ExpoStation]
    items: list[ExpoItem]


class ExpoOut(BaseModel):
    orders: list[ExpoOrder]


class EventsQuery(Strict):
    after: int = Field(0, ge=0, le=2**63 - 1, description="a seq (SQLite integers are 64-bit)")
    limit: int = Field(100, ge=1, le=1000)
    station: str | None = Field(None, max_length=32)


class EventOut(BaseModel):
    seq: int
    id: str
    type: str
    data: dict[str, Any]
    at: str
    hlc: str
    box_id: str
    stations: list[str]


class EventList(BaseModel):
    events: list[EventOut]
    last_seq: int


class HealthCheck(BaseModel):
    status: Literal["ok", "degraded", "down"]
    detail: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "down"]
    demo: bool
    version: str
    box_id: str
    checks: dict[str, HealthCheck]
