"""The parser's working state for one utterance: order lines, table, type, and their rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.domain.menu import MenuItem, Modifier
from voice.lexicon import PLAIN, Lexicon


class Rejected(Exception):
    """The utterance cannot be read with certainty; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Line:
    item: MenuItem
    quantity: int
    quantity_said: bool
    start: int
    end: int
    article: bool = False  # the quantity was "a"/"an": one, but not stressed
    modifiers: list[Modifier] = field(default_factory=list)

    def group_of(self, modifier: Modifier):
        return next(g for g in self.item.modifier_groups if any(m.id == modifier.id for m in g.modifiers))

    def add(self, modifier: Modifier, *, correcting: bool) -> None:
        """Add a choice; within a one-choice group a correction replaces, a second choice is doubt."""
        if any(m.id == modifier.id for m in self.modifiers):
            return
        group = self.group_of(modifier)
        same_group = [m for m in self.modifiers if self.group_of(m).id == group.id]
        if len(same_group) >= group.max:
            if not (correcting and group.max == 1):
                raise Rejected("conflicting_modifiers",
                               f"{modifier.name} and {same_group[0].name} for {self.item.name}: only "
                               f"{group.max} choice(s) of {group.name}")
            self.modifiers.remove(same_group[0])
        self.modifiers.append(modifier)

    def missing_groups(self) -> list[dict]:
        """Required choices not said ("fries" without a size): the tablet asks, the parser never picks."""
        chosen = {self.group_of(m).id for m in self.modifiers}
        return [{"group_id": g.id, "name": g.name} for g in self.item.modifier_groups
                if g.min > 0 and g.id not in chosen]


@dataclass
class OrderState:
    lines: list[Line] = field(default_factory=list)
    table: str | None = None
    order_type: str | None = None
    confirm: bool = False
    cancelled: bool = False
    split_from: Line | None = None  # the line "one with no onions" takes its one from

    def last_line(self) -> Line | None:
        return self.lines[-1] if self.lines else None

    def cancel(self) -> None:
        self.lines.clear()
        self.table = None
        self.order_type = None
        self.cancelled = True

    def remove_item(self, item_id: str) -> None:
        for index in range(len(self.lines) - 1, -1, -1):
            if self.lines[index].item.id == item_id:
                del self.lines[index]
                self.cancelled = not self.lines  # removing the last item cancels the order
                return
        raise Rejected("nothing_to_remove", f"{item_id} is not in the order")

    def split(self, count: int, start: int) -> Line:
        """Take ``count`` of the last line's quantity into a new line with the same choices."""
        source = self.split_from if self.split_from in self.lines else self.lines[-1]
        if count > source.quantity:
            raise Rejected("ambiguous_quantity", f"{count} of {source.quantity} {source.item.name}")
        if count == source.quantity and source is not self.split_from:
            return source  # "two cokes, two large": all of them
        part = Line(source.item, count, True, start, start + 1, modifiers=list(source.modifiers))
        self.lines.append(part)
        source.quantity -= count
        if source.quantity == 0:  # "two burgers, one medium, one well done": the last one taken
            self.lines.remove(source)
        self.split_from = source if source.quantity else None
        return part

    def correct_with(self, line: Line) -> None:
        """"make that two cokes": same item -> new quantity and choices; else it replaces the last line."""
        same = next((old for old in reversed(self.lines) if old.item.id == line.item.id), None)
        if same is not None:
            if line.quantity_said and not line.article:  # "make that a large coke" keeps the count
                same.quantity, same.quantity_said = line.quantity, True
            for modifier in line.modifiers:
                same.add(modifier, correcting=True)
            return
        if self.lines:
            replaced = self.lines.pop()
            if not line.quantity_said:
                line.quantity = replaced.quantity
        self.lines.append(line)


def resolve_modifier(lexicon: Lexicon, item: MenuItem, keyword: str | None, spoken: set[str], *,
                     carried: bool) -> Modifier | None:
    """The one modifier of this item meaning (keyword, spoken object), or None.

    "with"/"add" also match a plain choice ("with bacon" -> Bacon); a keyword carried over from an
    earlier modifier may also give way to a plain choice ("no onions, medium rare").
    """
    wanted = {None: {PLAIN}, "add": {"add", PLAIN}}.get(keyword, {keyword})
    if carried:
        wanted = wanted | {PLAIN}
    found = [m for kind, obj, m in lexicon.modifier_keys.get(item.id, ())
             if obj in spoken and kind in wanted]
    exact = [m for kind, obj, m in lexicon.modifier_keys.get(item.id, ())
             if obj in spoken and kind == (keyword or PLAIN)]
    if len(found) > 1 and len(exact) == 1:
        return exact[0]
    if len(found) != 1:
        if len(found) > 1:
            said = " / ".join(sorted(spoken))
            raise Rejected("ambiguous_modifier", f"{said!r} matches several choices for {item.name}")
        return None
    return found[0]
