"""The order parser: transcript alternatives + menu -> a draft order, or a rejection.

Pure: no I/O, no clock. Strict by design: every word must be understood and every item,
quantity and modifier must be certain, otherwise the utterance is rejected with what was heard.
A draft is only ever a proposal that a person confirms; a guess would be worse than a retry.
"""

from __future__ import annotations

from edge.domain.menu import Menu, MenuItem, Modifier
from voice.drafts import Alternative, Draft, Rejection, Word
from voice.language import MAX_QUANTITY, LanguagePack
from voice.lexicon import Lexicon, Token
from voice.parse_state import Line, OrderState, Rejected, resolve_modifier

LOW_CONFIDENCE_BELOW = 0.6
MODIFIER_KINDS = ("no", "extra", "add")
CORRECTION_KINDS = ("make_that", "actually")


class OrderParser:
    """Parses utterances against one menu in one language; build once per menu version."""

    def __init__(self, menu: Menu, pack: LanguagePack, *, low_confidence_below: float = LOW_CONFIDENCE_BELOW,
                 reject_below: float | None = None):
        self.lexicon = Lexicon(menu, pack)
        self.low_confidence_below = low_confidence_below
        self.reject_below = reject_below  # a word this unsure rejects the utterance (None: only flagged)

    def parse(self, alternatives: list[Alternative]) -> Draft | Rejection:
        """The first alternative that parses fully; else the rejection of the most likely one."""
        first_rejection: Rejection | None = None
        for index, alternative in enumerate(alternatives):
            result = self.parse_one(alternative)
            if isinstance(result, Draft):
                result.alternative = index
                return result
            if result.reason == "cancelled":  # a cancel that parsed fully is an answer, not a miss
                return result
            first_rejection = first_rejection or result
        return first_rejection or Rejection("nothing_heard", "nothing was heard", "")

    def parse_text(self, text: str) -> Draft | Rejection:
        return self.parse([Alternative(text)])

    def parse_one(self, alternative: Alternative) -> Draft | Rejection:
        words = alternative.normalized_words()
        heard = " ".join(w.text for w in words)
        if not words:
            return Rejection("nothing_heard", "nothing was heard", heard)
        try:
            state = _Reader(self.lexicon, self.lexicon.tokenize([w.text for w in words])).read()
        except Rejected as rejected:
            return Rejection(rejected.reason, rejected.message, heard)
        unsure = self._unsure_word(words)
        if unsure is not None:
            return Rejection("low_confidence", f"not sure it heard {unsure.text!r} "
                             f"(confidence {unsure.confidence:.2f})", heard)
        return self._draft(state, words, heard)

    def _unsure_word(self, words: list[Word]) -> Word | None:
        if self.reject_below is None:
            return None
        scored = [w for w in words if w.confidence is not None]
        weakest = min(scored, key=lambda w: w.confidence, default=None)
        return weakest if weakest is not None and weakest.confidence < self.reject_below else None

    def _draft(self, state: OrderState, words: list[Word], heard: str) -> Draft:
        low = [{"word": w.text, "confidence": w.confidence} for w in words
               if w.confidence is not None and w.confidence < self.low_confidence_below]
        known = [w.confidence for w in words if w.confidence is not None]
        return Draft(
            items=[self._item(line, words) for line in state.lines], heard=heard, table=state.table,
            type=state.order_type or "dine_in", confidence=min(known) if known else None,
            low_confidence_words=low, confirm=state.confirm,
        )

    def _item(self, line: Line, words: list[Word]) -> dict:
        span = words[line.start:line.end]
        known = [w.confidence for w in span if w.confidence is not None]
        return {
            "menu_item_id": line.item.id, "quantity": line.quantity,
            "modifier_ids": [m.id for m in line.modifiers], "notes": None,
            "heard": " ".join(w.text for w in span), "confidence": min(known) if known else None,
            "low_confidence": any(c < self.low_confidence_below for c in known),
            "missing": line.missing_groups(),
        }


class _Reader:
    """Reads one token stream left to right into an OrderState, raising Rejected on doubt."""

    def __init__(self, lexicon: Lexicon, tokens: list[Token]):
        self.lexicon = lexicon
        self.pack = lexicon.pack
        self.tokens = tokens
        self.position = 0
        self.state = OrderState()

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def read(self) -> OrderState:
        for token in self.tokens:
            if token.unknown:
                raise Rejected("not_understood", f"did not understand {token.text!r}")
        while self.peek() is not None:
            self.clause()
        if not self.state.lines:
            if self.state.cancelled:
                raise Rejected("cancelled", "the order was cancelled")
            raise Rejected("no_items", "no menu item was heard")
        return self.state

    def clause(self) -> None:
        token = self.peek()
        if token.has("cancel"):
            self.take()
            if self.peek() is not None and self.peek().has("item"):
                self.state.remove_item(self.take().value("item"))
            else:
                self.state.cancel()
        elif token.has("remove"):
            self.take()
            target = self.peek()
            if target is None or not target.has("item"):
                raise Rejected("incomplete", f"{token.text!r} needs a menu item after it")
            self.state.remove_item(self.take().value("item"))
        elif any(token.has(kind) for kind in CORRECTION_KINDS):
            self.take()
            self.correction(token)
        elif token.has("table"):
            self.take()
            self.state.table = self.table_number(token)
        elif token.has("takeout") or token.has("dine_in"):
            self.take()
            self.state.order_type = "takeout" if token.has("takeout") else "dine_in"
        elif token.has("confirm"):
            self.take()
            self.state.confirm = True
        elif token.has("number") and not self._item_follows() and self.state.lines:
            self.some_of_them()
        elif token.has("number") or token.has("item") or token.has("mod"):
            self.state.lines.append(self.item_phrase())
        elif any(token.has(kind) for kind in MODIFIER_KINDS):
            raise Rejected("modifier_without_item", f"{token.text!r} does not follow a menu item")
        else:
            raise Rejected("not_understood", f"did not expect {token.text!r} here")

    def item_phrase(self) -> Line:
        """[quantity] [plain modifiers] item [quantity (after-languages)] [modifiers]."""
        quantity, start, article = None, self.peek().start, False
        if self.pack.quantity_position == "before" and self.peek().has("number"):
            quantity, article = self.quantity(self.take())
        before = []
        while self.peek() is not None and self.peek().has("mod") and not self.peek().has("item"):
            before.append(self.take())
        token = self.peek()
        if token is None or not token.has("item"):
            said = token.text if token else "the end"
            raise Rejected("incomplete", f"expected a menu item before {said!r}")
        item = self.item(self.take())
        line = Line(item, quantity or 1, quantity is not None, start, token.end, article=article)
        for modifier_token in before:
            line.add(self.modifier(line.item, None, modifier_token, carried=False), correcting=False)
        self.modifiers(line, correcting=False)
        return line

    def some_of_them(self) -> None:
        """"three cheeseburgers, one with no onions": split the line the speaker is still on."""
        token = self.take()
        count, _ = self.quantity(token)
        if self.peek() is None:
            raise Rejected("incomplete", f"{token.text!r} needs what is different about them")
        line = self.state.split(count, token.start)
        self.modifiers(line, correcting=True)

    def quantity(self, token: Token) -> tuple[int, bool]:
        meaning = token.meaning("number")
        if not 1 <= meaning.value <= MAX_QUANTITY:
            raise Rejected("quantity_out_of_range", f"quantity {token.text!r} is not between 1 and {MAX_QUANTITY}")
        follower = self.peek()
        if follower is not None and follower.has("number") and not follower.has("item"):
            raise Rejected("ambiguous_quantity", f"two quantities in a row: {token.text!r} {follower.text!r}")
        return meaning.value, meaning.article

    def item(self, token: Token) -> MenuItem:
        ids = [m.value for m in token.meanings if m.kind == "item"]
        if len(ids) > 1:
            raise Rejected("ambiguous_item", f"{token.text!r} names more than one menu item")
        item = self.lexicon.menu.item(ids[0])
        if not item.available:
            raise Rejected("item_unavailable", f"{item.name} is not available (86'd)")
        return item

    def modifiers(self, line: Line, *, correcting: bool) -> None:
        """Modifiers after an item; a keyword carries over ("no onions or pickles")."""
        keyword, fresh = None, False
        while (token := self.peek()) is not None:
            kinds = [kind for kind in MODIFIER_KINDS if token.has(kind)]
            if kinds and self._names_a_choice(line, token):
                kinds = []  # "an espresso double": the keyword word is itself one of the item's choices
            if kinds:
                self.take()
                keyword, fresh = kinds[0], True
                following = self.peek()
                if following is None:
                    raise Rejected("incomplete", f"{token.text!r} needs a modifier after it")
                if keyword != "add" and not following.has("mod") and not any(following.has(k) for k in MODIFIER_KINDS):
                    raise Rejected("unknown_modifier", f"{following.text!r} is not a choice for {line.item.name}")
                continue
            if self.pack.quantity_position == "after" and token.has("number") and not line.quantity_said:
                line.quantity, _ = self.quantity(self.take())
                line.quantity_said = True
                line.end = token.end
                continue
            if not token.has("mod") or (token.has("item") and not fresh):
                return
            modifier = resolve_modifier(self.lexicon, line.item, keyword, token.values("mod"), carried=not fresh)
            if modifier is None:
                if keyword in (None, "add") and self._starts_next_item():  # "with a large fries"
                    return
                raise Rejected("unknown_modifier", f"{token.text!r} is not a choice for {line.item.name}")
            self.take()
            line.add(modifier, correcting=correcting)
            line.end, fresh = token.end, False

    def _names_a_choice(self, line: Line, token: Token) -> bool:
        return token.has("mod") and resolve_modifier(self.lexicon, line.item, None, token.values("mod"),
                                                     carried=False) is not None

    def _starts_next_item(self) -> bool:
        """A plain modifier that belongs to the next item: "a burger large fries"."""
        offset = 0
        while (token := self.peek(offset)) is not None and token.has("mod") and not token.has("item"):
            offset += 1
        return token is not None and token.has("item")

    def modifier(self, item: MenuItem, keyword: str | None, token: Token, *, carried: bool) -> Modifier:
        modifier = resolve_modifier(self.lexicon, item, keyword, token.values("mod"), carried=carried)
        if modifier is None:
            raise Rejected("unknown_modifier", f"{token.text!r} is not a choice for {item.name}")
        return modifier

    def correction(self, keyword: Token) -> None:
        """"make that three", "actually no onions", "make that a coke", "actually table five"."""
        token = self.peek()
        if token is None:
            raise Rejected("incomplete", f"{keyword.text!r} needs what to change")
        if token.has("table") or token.has("takeout") or token.has("dine_in") or token.has("cancel"):
            return self.clause()
        last = self.state.last_line()
        if self._item_follows():
            return self.state.correct_with(self.item_phrase())
        if last is None:
            raise Rejected("nothing_to_correct", f"{keyword.text!r} before any item")
        if token.has("number"):
            quantity, article = self.quantity(self.take())
            if not article:
                last.quantity, last.quantity_said = quantity, True
        self.modifiers(last, correcting=True)

    def _item_follows(self) -> bool:
        offset = 1 if self.peek().has("number") else 0
        while (token := self.peek(offset)) is not None and token.has("mod") and not token.has("item"):
            offset += 1
        return token is not None and token.has("item")

    def table_number(self, keyword: Token) -> str:
        values: list[int] = []
        while (token := self.peek()) is not None and token.has("table_number"):
            value = token.value("table_number")
            if values and (value > 9 or values[0] > 9):
                break
            values.append(value)
            self.take()
        if not values:
            raise Rejected("incomplete", f"{keyword.text!r} needs a number after it")
        follower = self.peek()
        if len(values) > 1 and follower is not None and (follower.has("item") or follower.has("mod")):
            raise Rejected("ambiguous_table", "cannot tell where the table number ends and the quantity starts")
        return "".join(str(v) for v in values) if len(values) > 1 else str(values[0])
