"""NetworkSpec: the one description of a network, whether it comes from a preset file, a form or flags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.errors import SpecError, one_line
from engine.mnist import CLASSES, INPUTS, TRAIN_IMAGES, VALIDATION_FRACTION

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


def spec_field(title: str, help: str, *, short: str = "", naming: bool = False, run_only: bool = False, **kw) -> Any:
    """A NetworkSpec field with what a person reads about it: `title` (the form's label, the summary's row),
    `help` (the field's description: the form's hint), `short` (a sweep point's label, e.g. "lr"). Marks:
    `naming` fields name a net rather than set it up (shown apart, never swept); `run_only` fields change a
    run but not the compiled programs (a new value reuses a pooled model)."""
    marks = {"short": short, "naming": naming, "run_only": run_only}
    return Field(title=title, description=help, json_schema_extra=marks, **kw)


class NetworkSpec(BaseModel):
    """A fully-connected MNIST classifier: 784 inputs -> hidden_layers -> 10 softmax outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    name: str = spec_field(
        "Name", "what the net is called in lists and the answers", naming=True, run_only=True,
        min_length=1, max_length=80,
    )  # fmt: skip
    description: str = spec_field(
        "Description", "a sentence on what the net is for", naming=True, run_only=True, default="", max_length=2000
    )
    hidden_layers: list[Units] = spec_field(
        "Hidden layers", "units per layer: 512, 256  or  10 x 32", short="layers", min_length=1, max_length=MAX_LAYERS
    )
    activation: Activation = spec_field("Activation", "the hidden layers' activation", short="act", default="sigmoid")
    optimizer: Optimizer = spec_field("Optimizer", "how the weights are updated", short="opt", default="sgd")
    learning_rate: float = spec_field(
        "Learning rate", "step size, e.g. 0.01", short="lr", default=0.01, gt=0, le=1e6, allow_inf_nan=False
    )
    momentum: float = spec_field("Momentum", "0 for plain SGD, e.g. 0.9", default=0.0, ge=0, lt=1, allow_inf_nan=False)
    loss: Loss = spec_field("Loss", "what training minimizes", default="categorical_crossentropy")
    batch_size: int = spec_field(
        "Batch size", "examples per weight update", short="batch", default=32, ge=1, le=TRAIN_IMAGES, strict=True
    )
    epochs: int = spec_field(
        "Epochs", "passes over the training data", run_only=True, default=10, ge=1, le=1000, strict=True
    )
    validation_fraction: float = spec_field(
        "Validation",
        f"held-out share of training data, e.g. {Fraction(VALIDATION_FRACTION).limit_denominator(100)}",
        short="val",
        run_only=True,
        default=VALIDATION_FRACTION,
        gt=0,
        lt=1,
        allow_inf_nan=False,
    )
    seed: int = spec_field(
        "Seed", "draws the starting weights and the batch order", run_only=True, default=42, ge=0, le=2**31 - 1,
        strict=True,
    )  # fmt: skip

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


def marked(mark: str, model: type[BaseModel] | None = None) -> tuple[str, ...]:
    """The fields of `model` (NetworkSpec) whose spec_field sets `mark`."""
    fields = (model or NetworkSpec).model_fields
    return tuple(
        name for name, f in fields.items() if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get(mark)
    )


def settings_of(model: type[BaseModel] | None = None) -> tuple[str, ...]:
    """What trains the net: every field of `model` (NetworkSpec) but the naming ones, in its own order."""
    naming = marked("naming", model)
    return tuple(name for name in (model or NetworkSpec).model_fields if name not in naming)


NAMING_FIELDS = marked("naming")  # name and description: shown apart from the settings, never swept
SETTINGS = settings_of()
RUN_ONLY_FIELDS = marked("run_only")  # a new value trains the same compiled programs
SHORT_NAMES = {name: f.json_schema_extra["short"] for name, f in NetworkSpec.model_fields.items()
               if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("short")}  # fmt: skip


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
