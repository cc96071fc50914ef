"""Name hygiene settings (section ``[names]``): which topic and concept names are junk."""

from __future__ import annotations

import dataclasses

from kgsynth.config.checks import positive
from kgsynth.errors import ConfigError

DEFAULT_PLACEHOLDERS = (
    "n/a,na,none,null,nil,nan,unknown,tbd,todo,undefined,not applicable,not available,"
    "no concept,no concepts,no topic,etc,misc,other,untitled,placeholder,..."
)


@dataclasses.dataclass(frozen=True)
class NamesConfig:
    """Names rejected at extraction and ingest (model output and given concepts alike),
    each counted with its reason in the run's rejects/names.jsonl (docs/dedup.md)."""

    enabled: bool = True  # false: keep every non-blank name
    min_letters: int = 2  # fewer letters (a Greek letter counts 2): "1.1", "+", "x" rejected
    max_chars: int = 80  # longer names rejected
    max_words: int = 12  # names with more words rejected
    max_repeats: int = 2  # a 3+ character run repeated more times in a row: "ab'sab'sab's"
    list_numbers: bool = True  # reject list numbering: "1.", "1.1", ".1", "(2)", "iv."
    years: bool = True  # reject a bare year or decade: "2018", "1990s"
    urls: bool = True  # reject names that hold a URL or a web address
    placeholders: str = DEFAULT_PLACEHOLDERS  # comma-separated, compared case-insensitively

    def validate(self) -> None:
        if self.min_letters < 0:
            raise ConfigError(f"names.min_letters must be >= 0, got {self.min_letters}")
        positive("names.max_chars", self.max_chars)
        positive("names.max_words", self.max_words)
        positive("names.max_repeats", self.max_repeats)

    def placeholder_set(self) -> frozenset[str]:
        return frozenset(p.strip().casefold() for p in self.placeholders.split(",") if p.strip())
