"""What the parser proposes (a Draft) or refuses (a Rejection), and what it reads (Alternatives)."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice.language import normalize


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class Alternative:
    """One hypothesis of the recogniser; ``words`` carry confidences when the engine gives them."""

    text: str
    words: tuple[Word, ...] = ()

    def normalized_words(self) -> list[Word]:
        source = self.words or tuple(Word(w) for w in self.text.split())
        return [Word(part, w.confidence) for w in source for part in normalize(w.text).split()]


@dataclass
class Draft:
    items: list[dict]
    heard: str
    table: str | None = None
    type: str = "dine_in"
    alternative: int = 0
    confidence: float | None = None
    low_confidence_words: list[dict] = field(default_factory=list)
    confirm: bool = False

    @property
    def complete(self) -> bool:
        return all(not item["missing"] for item in self.items)

    def to_dict(self) -> dict:
        """The body of POST /api/v1/orders (without client_order_id) plus what was heard."""
        return {
            "source": "voice", "type": self.type, "table": self.table, "items": self.items,
            "heard": self.heard, "alternative": self.alternative, "confidence": self.confidence,
            "low_confidence_words": self.low_confidence_words, "complete": self.complete,
            "confirm": self.confirm,
        }


@dataclass
class Rejection:
    reason: str
    message: str
    heard: str

    def to_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message, "heard": self.heard}
