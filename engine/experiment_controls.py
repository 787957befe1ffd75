"""Controls: the Part Two nets again with ONE thing changed, to test why the deep sigmoid nets fail.

A control is outside the exercise rules on purpose (stored with kind "control") and never answers an
exercise question; the answers read it only to say which change lets a deep net learn.

The two changes separate the two explanations a reader of the results would offer:
- "relu": the activation alone. If the sigmoid's slope (at most 0.25 per layer) starves the early layers
  of gradient, ReLU (slope 1 where active) should let the same net, at the same learning rate, learn.
- "lr-x10": the learning rate alone, ten times higher. The Part Two presets use 0.01 where Part One uses
  0.1, so "the deep nets just took steps too small" is a rival explanation; this tests it directly.
Initialisation (He vs Glorot) is left out: it changes the same per-layer gain as the activation does,
so it would not separate these two, and batch normalisation changes the parameter count.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from engine.errors import SpecError
from engine.rules import PART_TWO

if TYPE_CHECKING:
    from engine.spec import NetworkSpec

LR_FACTOR = 10
CONTROL_KEYS = ("relu", "lr-x10")
DEFAULT_PRESETS = PART_TWO  # the nets whose failure the controls test
DEFAULT_REPEATS = 3  # seeds per control when a screen queues them: enough to measure the seed noise


@dataclass(frozen=True)
class Control:
    key: str  # one of CONTROL_KEYS
    change: str  # the one change, in words: "ReLU instead of sigmoid"
    spec: NetworkSpec

    @property
    def label(self) -> str:
        """The run's label in the store and on screen."""
        return f"{self.spec.name} [control: {self.change}]"


def control_specs(spec: NetworkSpec, keys: tuple[str, ...] = CONTROL_KEYS) -> list[Control]:
    """The control specs for a net, one change each, in the order of `keys`."""
    out = []
    fields = spec.model_dump()
    for key in keys:
        if key == "relu":
            if spec.activation == "relu":
                raise SpecError(f"{spec.name}: already uses ReLU; the ReLU control needs a net of another activation")
            changed = {"activation": "relu"}
        elif key == "lr-x10":
            changed = {"learning_rate": spec.learning_rate * LR_FACTOR}
        else:
            raise SpecError(f"unknown control {key!r} (known: {', '.join(CONTROL_KEYS)})")
        from engine.spec import make_spec

        control_spec = make_spec(source=f"{spec.name} control {key}", **{**fields, **changed})
        change = describe_change(spec, control_spec) or key
        # its own description, not its parent's: what it is and why it is outside the rules
        description = f"Control of {spec.name}: {change}, one change on purpose, outside the exercise rules."
        control_spec = control_spec.model_copy(update={"description": description})
        out.append(Control(key, change, control_spec))
    return out


def changed_fields(base: NetworkSpec, other: NetworkSpec) -> dict[str, tuple]:
    """field -> (base value, other value) for every field that differs, names and seeds aside (a control
    may differ in those without being another change)."""
    from engine.spec import NAMING_FIELDS

    ignored = (*NAMING_FIELDS, "seed")
    a, b = base.model_dump(), other.model_dump()
    return {k: (a[k], b.get(k)) for k in a if k not in ignored and a[k] != b.get(k)}


def describe_change(base: NetworkSpec, other: NetworkSpec) -> str | None:
    """The one change from `base` to `other` in words ("ReLU instead of sigmoid", "learning rate 0.1
    instead of 0.01 (10x)"); None when they differ in no field or in more than one."""
    diff = changed_fields(base, other)
    if len(diff) != 1:
        return None
    field, (old, new) = next(iter(diff.items()))
    if field == "activation":
        return f"{_activation_name(new)} instead of {_activation_name(old)}"
    if field == "learning_rate":
        return f"learning rate {new:g} instead of {old:g} ({new / old:g}x)"
    return f"{field.replace('_', ' ')} {new} instead of {old}"


def short_change(base: NetworkSpec, other: NetworkSpec) -> str | None:
    """describe_change in a few characters for a table cell: "ReLU", "lr×10"; None when not one change."""
    diff = changed_fields(base, other)
    if len(diff) != 1:
        return None
    field, (old, new) = next(iter(diff.items()))
    if field == "activation":
        return _activation_name(new)
    if field == "learning_rate" and old:
        return f"lr×{new / old:g}"
    return field.replace("_", " ")


def control_tag(preset: str, spec: NetworkSpec | None) -> str:
    """What a control run changed from its preset, short ("ReLU", "lr×10"), for lists; "ctl" when unknown."""
    base = _preset_spec(preset)
    if spec is None or base is None:
        return "ctl"
    return short_change(base, spec) or "ctl"


@lru_cache(maxsize=64)
def _preset_spec(preset: str) -> NetworkSpec | None:
    """A preset's spec, read once per process (lists call this for every row)."""
    from engine.presets import find_preset

    try:
        return find_preset(preset).spec
    except Exception:  # a preset no longer there, or a file that no longer parses
        return None


def _activation_name(name: str) -> str:
    return {"relu": "ReLU", "elu": "ELU", "selu": "SELU", "gelu": "GELU"}.get(name, name)
