"""The exercise's rules, checked on a spec in plain Python (no TensorFlow)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.spec import NetworkSpec

# The exercise's preset slots: each is the id of a shipped preset and the part a run of it answers.
PART1_LARGE, PART1_SMALL = "part1-large", "part1-small"
PART2_NARROW, PART2_MEDIUM, PART2_WIDE = "part2-narrow", "part2-medium", "part2-wide"
PART_ONE = (PART1_LARGE, PART1_SMALL)
PART_TWO = (PART2_NARROW, PART2_MEDIUM, PART2_WIDE)
PART_THREE = "part3"
PARTS = (*PART_ONE, *PART_TWO, PART_THREE)
GROUPS = {1: "Part One", 2: "Part Two", 3: "Part Three"}

PART_ONE_PARAMS = {PART1_LARGE: (">=", 300_000), PART1_SMALL: ("<", 50_000)}  # trainable parameters
PART_TWO_LAYERS = 10  # at least this many hidden layers
PART_TWO_UNITS = {PART2_NARROW: (1, 9), PART2_MEDIUM: (10, 50), PART2_WIDE: (50, 100)}  # every layer's units
PART_THREE_LAYERS = 3
PART_THREE_GOAL = 0.92  # better than this accuracy on validation and on test data


def units_text(lo: int, hi: int) -> str:
    return f"< {hi + 1} units" if lo == 1 else f"{lo}-{hi} units"


def _title(part: str) -> str:
    if part in PART_ONE_PARAMS:
        sign, count = PART_ONE_PARAMS[part]
        return f"Part One: single hidden layer, {sign} {count:,} params"
    if part in PART_TWO_UNITS:
        return f"Part Two: >= {PART_TWO_LAYERS} hidden layers, {units_text(*PART_TWO_UNITS[part])} each"
    return f"Part Three: >= {PART_THREE_LAYERS} hidden layers, > {PART_THREE_GOAL:.0%} on validation and test"


PART_TITLES = {part: _title(part) for part in PARTS}
MIN_EPOCHS = 10


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def part_group(part: str | None) -> str:
    """'part1-large' -> 'Part One'; anything else (a user's own net) -> 'Your presets'."""
    for number, parts in enumerate((PART_ONE, PART_TWO, (PART_THREE,)), start=1):
        if part in parts:
            return GROUPS[number]
    return "Your presets"


def common_rules(spec: NetworkSpec) -> list[RuleCheck]:
    return [
        RuleCheck("sigmoid activation", spec.activation == "sigmoid", f"activation is {spec.activation}"),
        RuleCheck(
            "categorical cross-entropy loss",
            spec.loss == "categorical_crossentropy",
            f"loss is {spec.loss}",
        ),
        RuleCheck(
            "plain SGD optimizer",
            spec.optimizer == "sgd" and spec.momentum == 0,
            f"optimizer is {spec.optimizer}" + (f" with momentum {spec.momentum:g}" if spec.momentum else ""),
        ),
        RuleCheck(f">= {MIN_EPOCHS} epochs", spec.epochs >= MIN_EPOCHS, f"{spec.epochs} epochs"),
    ]


def part_rules(spec: NetworkSpec, part: str) -> list[RuleCheck]:
    h = spec.hidden_layers
    n = len(h)
    total = spec.param_counts().total
    layers = f"{n} hidden layer{'s' * (n != 1)}"
    widths = f"widths {min(h)}-{max(h)}" if n else "no layers"
    if part in PART_ONE_PARAMS:
        sign, count = PART_ONE_PARAMS[part]
        ok = total >= count if sign == ">=" else total < count
        return [
            RuleCheck("exactly 1 hidden layer", n == 1, layers),
            RuleCheck(f"{sign} {count:,} trainable parameters", ok, f"{total:,} parameters"),
        ]
    if part in PART_TWO_UNITS:
        lo, hi = PART_TWO_UNITS[part]
        return [
            RuleCheck(f">= {PART_TWO_LAYERS} hidden layers", n >= PART_TWO_LAYERS, layers),
            RuleCheck(f"every hidden layer {units_text(lo, hi)}", all(lo <= u <= hi for u in h), widths),
        ]
    if part == PART_THREE:
        return [RuleCheck(f">= {PART_THREE_LAYERS} hidden layers", n >= PART_THREE_LAYERS, layers)]
    return []


def check_rules(spec: NetworkSpec, part: str | None) -> list[RuleCheck]:
    """Every rule that applies to a spec for a part (common rules only when the part is unknown)."""
    return common_rules(spec) + (part_rules(spec, part) if part in PARTS else [])


def outside_rules(checks: list[RuleCheck]) -> list[str]:
    """The reasons a spec is 'outside the exercise rules' (empty when it meets them all)."""
    return [f"{c.rule}: {c.detail}" for c in checks if not c.ok]
