"""The menu: stations, categories, items and modifier groups. Prices are integer cents."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from edge.domain.errors import Conflict, Invalid
from edge.domain.strict import Strict

Cents = int
# Tax rates are basis points (1/100 of a percent): 875 is 8.75 %. Integers, never floats.
BasisPoints = int


class Station(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=40)
    kind: Literal["prep", "expo"] = "prep"
    position: int = 0


class Category(Strict):
    id: str
    name: str = Field(min_length=1, max_length=60)
    position: int = 0


class Modifier(Strict):
    id: str
    name: str = Field(min_length=1, max_length=60)
    price_delta_cents: Cents = Field(0, ge=-100_000_00, le=100_000_00)


class ModifierGroup(Strict):
    id: str
    name: str = Field(min_length=1, max_length=60)
    min: int = Field(0, ge=0, le=20)
    max: int = Field(1, ge=1, le=20)
    modifiers: list[Modifier] = Field(min_length=1)

    @model_validator(mode="after")
    def _min_not_above_max(self) -> "ModifierGroup":
        if self.min > self.max:
            raise ValueError(f"modifier group {self.name!r}: min {self.min} is above max {self.max}")
        return self


class MenuItem(Strict):
    id: str
    name: str = Field(min_length=1, max_length=80)
    category_id: str
    price_cents: Cents = Field(ge=0, le=100_000_00)
    tax_rate_bp: BasisPoints = Field(0, ge=0, le=10_000)
    station: str
    available: bool = True
    modifier_groups: list[ModifierGroup] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="other names, e.g. spoken ones")
    position: int = 0


class Menu(Strict):
    version: int = 0
    categories: list[Category] = Field(default_factory=list)
    items: list[MenuItem] = Field(default_factory=list)

    def item(self, item_id: str) -> MenuItem | None:
        return self._items_by_id().get(item_id)

    def _items_by_id(self) -> dict[str, MenuItem]:
        cache = self.__dict__.get("_by_id_cache")
        if cache is None:
            cache = {item.id: item for item in self.items}
            self.__dict__["_by_id_cache"] = cache
        return cache


def resolve_modifiers(item: MenuItem, modifier_ids: list[str], *, line: int) -> list[Modifier]:
    """The chosen modifiers, checked against the item's groups and their min/max choices."""
    by_id = {m.id: (group, m) for group in item.modifier_groups for m in group.modifiers}
    if len(set(modifier_ids)) != len(modifier_ids):
        raise Invalid(f"items[{line}]: a modifier is chosen twice", code="duplicate_modifier")
    chosen: list[Modifier] = []
    per_group: dict[str, int] = {}
    for modifier_id in modifier_ids:
        if modifier_id not in by_id:
            raise Invalid(
                f"items[{line}]: modifier {modifier_id!r} does not exist for {item.name!r}",
                code="unknown_modifier",
                details=[{"field": f"items.{line}.modifier_ids", "value": modifier_id}],
            )
        group, modifier = by_id[modifier_id]
        per_group[group.id] = per_group.get(group.id, 0) + 1
        chosen.append(modifier)
    for group in item.modifier_groups:
        count = per_group.get(group.id, 0)
        if count < group.min or count > group.max:
            raise Invalid(
                f"items[{line}]: {item.name!r} needs {_choice_range(group)} from {group.name!r}, got {count}",
                code="modifier_choice_count",
                details=[{"field": f"items.{line}.modifier_ids", "group": group.id, "min": group.min,
                          "max": group.max, "chosen": count}],
            )
    return chosen


def _choice_range(group: ModifierGroup) -> str:
    return f"exactly {group.min}" if group.min == group.max else f"{group.min} to {group.max}"


def orderable_item(menu: Menu, item_id: str, *, line: int) -> MenuItem:
    item = menu.item(item_id)
    if item is None:
        raise Invalid(
            f"items[{line}]: menu item {item_id!r} does not exist",
            code="unknown_menu_item",
            details=[{"field": f"items.{line}.menu_item_id", "value": item_id}],
        )
    if not item.available:
        raise Conflict(
            f"items[{line}]: {item.name!r} is 86'd (not available)",
            code="item_unavailable",
            details=[{"field": f"items.{line}.menu_item_id", "value": item_id}],
        )
    return item
