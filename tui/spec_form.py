"""The editor's form as plain data: field texts <-> NetworkSpec, with one error message per field.

Kept apart from the screen so the validation rules are testable without a terminal. Every value goes
through the engine's pydantic model; this module only turns text into numbers and pydantic's report
into per-field messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import get_args

from pydantic import ValidationError

from engine.rules import PART_TITLES, PARTS
from engine.spec import Activation, Loss, NetworkSpec, Optimizer, format_layers, parse_layers

TEXT_FIELDS = {
    "name": "Name",
    "hidden_layers": "Hidden layers",
    "learning_rate": "Learning rate",
    "momentum": "Momentum",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "validation_fraction": "Validation",
    "seed": "Seed",
}
CHOICE_FIELDS = {
    "activation": ("Activation", get_args(Activation)),
    "optimizer": ("Optimizer", get_args(Optimizer)),
    "loss": ("Loss", get_args(Loss)),
}
INT_FIELDS = ("batch_size", "epochs", "seed")
FLOAT_FIELDS = ("learning_rate", "momentum", "validation_fraction")
# the order of the form, top to bottom
ORDER = (
    "name",
    "part",
    "hidden_layers",
    "activation",
    "optimizer",
    "learning_rate",
    "momentum",
    "loss",
    "batch_size",
    "epochs",
    "validation_fraction",
    "seed",
)
NO_PART = "none"
PART_CHOICES = [(PART_TITLES[p], p) for p in PARTS] + [("No exercise part (common rules only)", NO_PART)]
HINTS = {
    "hidden_layers": "units per layer: 512, 256  or  10 x 32",
    "validation_fraction": "held-out share of training data, e.g. 1/6",
}


@dataclass
class FormResult:
    spec: NetworkSpec | None
    errors: dict[str, str] = field(default_factory=dict)
    units: list[int] | None = None  # the parsed layers, for a live count even when another field is bad

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


def number_text(x: float) -> str:
    """Short text that reads back as the same float: 0.1, 1e-05, and 1/6 rather than 0.16666666666666666."""
    short = f"{x:g}"
    if float(short) == x:
        return short
    frac = Fraction(x).limit_denominator(1000)
    return f"{frac.numerator}/{frac.denominator}" if float(frac) == x else repr(x)


def spec_fields(spec: NetworkSpec) -> dict[str, str]:
    """The text each form field starts with."""
    out = {"name": spec.name, "hidden_layers": format_layers(spec.hidden_layers)}
    for name in INT_FIELDS:
        out[name] = str(getattr(spec, name))
    for name in FLOAT_FIELDS:
        out[name] = number_text(getattr(spec, name))
    for name in CHOICE_FIELDS:
        out[name] = getattr(spec, name)
    return out


def _parse_number(text: str, whole: bool) -> int | float:
    text = text.strip()
    if whole:
        try:
            return int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError("must be a number, e.g. 0.01 or 1/6") from None


def _message(err: dict) -> str:
    msg = err["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    loc = err["loc"]
    if loc[0] == "hidden_layers" and len(loc) > 1 and isinstance(loc[1], int):
        msg = f"layer {loc[1] + 1}: {msg}"
    return msg


def read_form(values: dict[str, str], base: NetworkSpec) -> FormResult:
    """Validate the form's texts. A field that fails to parse keeps `base`'s value for the pydantic pass,
    so every other field still gets its own message."""
    errors: dict[str, str] = {}
    data = base.model_dump()
    units = None
    for name, text in values.items():
        try:
            if name == "hidden_layers":
                units = parse_layers(text)
                data[name] = units
            elif name in INT_FIELDS or name in FLOAT_FIELDS:
                data[name] = _parse_number(text, name in INT_FIELDS)
            else:
                data[name] = text
        except ValueError as exc:
            errors[name] = str(exc)
    try:
        spec = NetworkSpec(**data)
    except ValidationError as exc:
        for err in exc.errors():
            errors.setdefault(str(err["loc"][0]), _message(err))
        spec = None
    if units is not None and not all(1 <= u for u in units):
        units = None
    return FormResult(spec if not errors else None, errors, units)
