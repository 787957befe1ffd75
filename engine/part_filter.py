"""What `--part` (and the TUI's part filter) means: an exercise part (1, 2, 3, "part1", "Part One", "two"),
a preset part or preset id ("part2-wide", a user's preset), or "own" (runs of no exercise part). A name
that is none of these is an error (exit 2), never an empty list that looks like "no runs"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from engine.errors import SpecError
from engine.rules import PART_TITLES

NUMBERS = {"1": 1, "one": 1, "i": 1, "2": 2, "two": 2, "ii": 2, "3": 3, "three": 3, "iii": 3}
PART_NAMES = {1: "Part One", 2: "Part Two", 3: "Part Three"}


@dataclass(frozen=True)
class PartFilter:
    label: str  # what the filter is called on screen: "Part One", "part2-wide", "own"
    exercise_part: int | None = None  # 1-3: every run whose part is partN-...
    exact: str | None = None  # a preset part or preset id
    own: bool = False

    def matches(self, part: str | None, preset: str | None = None) -> bool:
        if self.own:
            return part is None
        if self.exercise_part is not None:
            return part is not None and re.match(rf"part{self.exercise_part}(\b|-|$)", part) is not None
        return self.exact in (part, preset)


def exercise_part(text: str) -> int | None:
    """1, 2 or 3 for "1", "part1", "part 1", "Part One", "one", "part-two" ...; else None."""
    word = re.sub(r"[\s_-]+", " ", text.strip().lower())
    word = re.sub(r"^part ?", "", word).strip()
    return NUMBERS.get(word)


def resolve_part(text: str, known_ids: Iterable[str] = ()) -> PartFilter:
    """The filter a user's --part text names. known_ids: preset ids (built-in, the user's, and those of
    stored runs) accepted as they are."""
    stripped = text.strip()
    if stripped.lower() == "own":
        return PartFilter("own", own=True)
    known = set(known_ids) | set(PART_TITLES)
    if stripped in known:
        return PartFilter(stripped, exact=stripped)
    number = exercise_part(stripped)
    if number is not None:
        return PartFilter(PART_NAMES[number], exercise_part=number)
    raise SpecError(
        f"--part {text!r}: not a part (1, 2, 3, part1, 'Part One') nor a preset id"
        f" ({', '.join(PART_TITLES)}, own, or a preset of yours)"
    )
