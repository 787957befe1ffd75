"""NetworkSpec: the one description of a network, whether it comes from a preset file, a form or flags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.errors import SpecError, one_line

INPUTS = 784
CLASSES = 10
MAX_UNITS = 4096  # wide enough for any exercise net; an absurd width is a validation error, not an OOM
MAX_LAYERS = 64
# 64 layers of 4096 would still be a billion weights: cap the whole net too (the largest exercise net is 0.3M)
MAX_PARAMS = 20_000_000

Activation = Literal["sigmoid", "relu", "tanh", "elu", "selu", "gelu", "softplus", "linear"]
Optimizer = Literal["sgd", "adam", "rmsprop", "adagrad"]
Loss = Literal["categorical_crossentropy", "mean_squared_error"]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS, strict=True)]


def layer_sizes(hidden_layers: Sequence[int]) -> list[int]:
    """Every layer's width, input and output included: [784, *hidden, 10]."""
    return [INPUTS, *hidden_layers, CLASSES]


def shape_text(hidden_layers: Sequence[int]) -> str:
    """The net from input to output, e.g. '784 → 512 → 256 → 10' or '784 → 10 x 8 → 10'."""
    hidden = format_layers(list(hidden_layers)).split(", ") if hidden_layers else []
    return " → ".join([str(INPUTS), *hidden, str(CLASSES)])


@dataclass(frozen=True)
class ParamCounts:
    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases


def count_params(hidden_layers: Sequence[int]) -> ParamCounts:
    """Trainable parameters of 784 -> hidden... -> 10: a dense layer n -> m has n*m weights and m biases."""
    sizes = layer_sizes(hidden_layers)
    return ParamCounts(weights=sum(a * b for a, b in zip(sizes, sizes[1:], strict=False)), biases=sum(sizes[1:]))


def printable_name(v: str) -> str:
    """A name as a validator keeps it: stripped, non-empty and printable (it goes into tables, titles and
    file names), else the ValueError pydantic reports."""
    v = v.strip()
    if not v or not v.isprintable():
        raise ValueError("must be non-empty printable text")
    return v


class NetworkSpec(BaseModel):
    """A fully-connected MNIST classifier: 784 inputs -> hidden_layers -> 10 softmax outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=2000)
    hidden_layers: list[Units] = Field(min_length=1, max_length=MAX_LAYERS)
    activation: Activation = "sigmoid"
    optimizer: Optimizer = "sgd"
    learning_rate: float = Field(default=0.01, gt=0, le=1e6, allow_inf_nan=False)
    momentum: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False)
    loss: Loss = "categorical_crossentropy"
    batch_size: int = Field(default=32, ge=1, le=60_000, strict=True)
    epochs: int = Field(default=10, ge=1, le=1000, strict=True)
    validation_fraction: float = Field(default=1 / 6, gt=0, lt=1, allow_inf_nan=False)
    seed: int = Field(default=42, ge=0, le=2**31 - 1, strict=True)

    @field_validator("hidden_layers")
    @classmethod
    def _params_fit_in_memory(cls, v: list[int]) -> list[int]:
        total = count_params(v).total
        if total > MAX_PARAMS:
            raise ValueError(f"{total:,} trainable parameters is more than the {MAX_PARAMS:,} this app allows")
        return v

    @field_validator("name")
    @classmethod
    def _name_is_printable(cls, v: str) -> str:
        return printable_name(v)

    def layer_sizes(self) -> list[int]:
        """Every layer's width including input and output: [784, *hidden, 10]."""
        return layer_sizes(self.hidden_layers)

    def shape_text(self) -> str:
        return shape_text(self.hidden_layers)

    def param_counts(self) -> ParamCounts:
        return count_params(self.hidden_layers)

    def layers_text(self) -> str:
        return format_layers(self.hidden_layers)


def spec_error_message(exc: ValidationError, source: str = "spec") -> str:
    """One line naming every bad field, e.g. `spec: hidden_layers.0: must be >= 1 (got -3)`."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "spec"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (misspelt?)"
        elif err["type"] == "missing":
            msg = "is required"
        got = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and not isinstance(got, dict | list):
            msg += f" (got {_short_repr(got)})"
        parts.append(f"{loc}: {msg}")
    return one_line(f"{source}: " + "; ".join(parts))


def _short_repr(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_spec(source: str = "spec", **fields) -> NetworkSpec:
    """Validate fields into a NetworkSpec, turning pydantic's report into a one-line SpecError."""
    try:
        return NetworkSpec(**fields)
    except ValidationError as exc:
        raise SpecError(spec_error_message(exc, source)) from None


_REPEAT = re.compile(r"^\s*(\d+)\s*[x×*]\s*(\d+)\s*$", re.IGNORECASE)
MAX_DIGITS = 9  # more digits than this is never a layer width; int() of thousands of digits is slow


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"


def parse_layers(text: str) -> list[int]:
    """Parse "512, 10 x 32, 64" (comma or space separated; "N x U" repeats U units N times).

    Raises ValueError with a short reason; bounds are left to NetworkSpec so the message names the field.
    """
    text = text.strip()
    if not text:
        raise ValueError("at least one hidden layer is needed")
    units: list[int] = []
    for chunk in re.split(r"[,;]", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        m = _REPEAT.match(chunk)
        if m:
            if max(len(m.group(1)), len(m.group(2))) > MAX_DIGITS:
                raise ValueError(f"'{_short(chunk)}': number too large for a layer")
            count, width = int(m.group(1)), int(m.group(2))
            if count < 1 or count > MAX_LAYERS:
                raise ValueError(f"'{_short(chunk)}': repeat count must be 1-{MAX_LAYERS}")
            units.extend([width] * count)
            continue
        if re.search(r"\d\s*[x×*]", chunk, re.IGNORECASE):
            raise ValueError(f"'{_short(chunk)}': write a repeat as COUNT x UNITS, e.g. 10 x 32")
        for token in chunk.split():
            if not re.fullmatch(r"[+-]?\d+", token):
                raise ValueError(f"'{_short(token)}' is not a whole number of units")
            if len(token.lstrip("+-")) > MAX_DIGITS:
                raise ValueError(f"'{_short(token)}': number too large for a layer")
            units.append(int(token))
        if len(units) > MAX_LAYERS:
            break
    if not units:  # only separators, e.g. ","
        raise ValueError("at least one hidden layer is needed")
    return units


def format_layers(units: list[int]) -> str:
    """The inverse of parse_layers, compressing runs: [32]*10 -> "10 x 32"."""
    out: list[str] = []
    i = 0
    while i < len(units):
        j = i
        while j < len(units) and units[j] == units[i]:
            j += 1
        run = j - i
        out.append(f"{run} x {units[i]}" if run > 2 else ", ".join([str(units[i])] * run))
        i = j
    return ", ".join(out)
