"""The editor's form as plain data: field texts <-> NetworkSpec, with one error message per field.

Kept apart from the screen so the validation rules are testable without a terminal. Every value goes
through the engine's pydantic model; this module only turns text into numbers and pydantic's report
into per-field messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from engine.rules import PART_TITLES, PARTS
from engine.spec import NetworkSpec, format_layers, parse_layers

NOT_IN_FORM = ("description",)  # free text of many lines: kept from the preset, edited in its file
PART = "part"  # the rules the form is checked against: not a spec field, chosen just below the name


def form_fields(model: type[BaseModel] = NetworkSpec) -> tuple[str, ...]:
    return tuple(name for name in model.model_fields if name not in NOT_IN_FORM)


def choice_fields(model: type[BaseModel] = NetworkSpec) -> dict[str, tuple[str, tuple[str, ...]]]:
    """A Literal field is a choice: name -> (its title, the choices)."""
    fields = model.model_fields
    return {n: (fields[n].title or n, get_args(fields[n].annotation)) for n in form_fields(model)
            if get_origin(fields[n].annotation) is Literal}  # fmt: skip


def text_fields(model: type[BaseModel] = NetworkSpec) -> dict[str, str]:
    """Every other field is typed in: name -> its title."""
    choices = choice_fields(model)
    return {n: model.model_fields[n].title or n for n in form_fields(model) if n not in choices}


def form_order(model: type[BaseModel] = NetworkSpec) -> tuple[str, ...]:
    """The form top to bottom: the name, the part whose rules apply, then the fields in the model's order."""
    first, *rest = form_fields(model)
    return (first, PART, *rest)


FORM_FIELDS = form_fields()
CHOICE_FIELDS = choice_fields()
TEXT_FIELDS = text_fields()
INT_FIELDS = tuple(name for name in TEXT_FIELDS if NetworkSpec.model_fields[name].annotation is int)
FLOAT_FIELDS = tuple(name for name in TEXT_FIELDS if NetworkSpec.model_fields[name].annotation is float)
ORDER = form_order()
HINTS = {name: NetworkSpec.model_fields[name].description or "" for name in TEXT_FIELDS}  # the fields' help
NO_PART = "none"
PART_CHOICES = [(PART_TITLES[p], p) for p in PARTS] + [("No exercise part (common rules only)", NO_PART)]


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
    out = {}
    for name in FORM_FIELDS:
        value = getattr(spec, name)
        if name == "hidden_layers":
            out[name] = format_layers(value)
        elif name in FLOAT_FIELDS:
            out[name] = number_text(value)
        else:
            out[name] = str(value)
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
