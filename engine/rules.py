"""The exercise's rules, checked on a spec in plain Python (no TensorFlow)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from engine.spec import NetworkSpec

PARTS = ("part1-large", "part1-small", "part2-narrow", "part2-medium", "part2-wide", "part3")
PART_TITLES = {
    "part1-large": "Part One: single hidden layer, >= 300,000 params",
    "part1-small": "Part One: single hidden layer, < 50,000 params",
    "part2-narrow": "Part Two: >= 10 hidden layers, < 10 units each",
    "part2-medium": "Part Two: >= 10 hidden layers, 10-50 units each",
    "part2-wide": "Part Two: >= 10 hidden layers, 50-100 units each",
    "part3": "Part Three: >= 3 hidden layers, > 92% on validation and test",
}
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
    if not part:
        return "Your presets"
    return {"part1": "Part One", "part2": "Part Two", "part3": "Part Three"}.get(part.split("-")[0], "Your presets")


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
    if part == "part1-large":
        return [
            RuleCheck("exactly 1 hidden layer", n == 1, layers),
            RuleCheck(">= 300,000 trainable parameters", total >= 300_000, f"{total:,} parameters"),
        ]
    if part == "part1-small":
        return [
            RuleCheck("exactly 1 hidden layer", n == 1, layers),
            RuleCheck("< 50,000 trainable parameters", total < 50_000, f"{total:,} parameters"),
        ]
    if part in ("part2-narrow", "part2-medium", "part2-wide"):
        lo, hi, label = {
            "part2-narrow": (1, 9, "< 10 units"),
            "part2-medium": (10, 50, "10-50 units"),
            "part2-wide": (50, 100, "50-100 units"),
        }[part]
        return [
            RuleCheck(">= 10 hidden layers", n >= 10, layers),
            RuleCheck(f"every hidden layer {label}", all(lo <= u <= hi for u in h), widths),
        ]
    if part == "part3":
        return [RuleCheck(">= 3 hidden layers", n >= 3, layers)]
    return []


def check_rules(spec: NetworkSpec, part: str | None) -> list[RuleCheck]:
    """Every rule that applies to a spec for a part (common rules only when the part is unknown)."""
    return common_rules(spec) + (part_rules(spec, part) if part in PARTS else [])


def outside_rules(checks: list[RuleCheck]) -> list[str]:
    """The reasons a spec is 'outside the exercise rules' (empty when it meets them all)."""
    return [f"{c.rule}: {c.detail}" for c in checks if not c.ok]
