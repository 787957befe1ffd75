"""A sweep file: TOML naming a base network, how many seeds each point trains, and either a grid of lists
(every combination) or random ranges (a number of samples drawn from a recorded seed).

Validated by pydantic like every other input, so a misspelt section or a range written the wrong way round
is one line naming it before anything is expanded. The fields a point may set are checked against the
network spec when the points are built (engine/sweep.py), where the values are known.

    name = "width and depth"
    base = "part1-small"          # a preset id or a spec file (relative to this file)
    seeds = 3
    [grid]
    hidden_layers = ["32", "128", "3 x 64"]
    learning_rate = [0.1, 0.5]

    [random]                      # instead of [grid]
    samples = 20
    seed = 7                      # optional: drawn and recorded when left out
    learning_rate = {log_uniform = [0.01, 1.0]}
    width = {int_uniform = [8, 1024]}
    depth = [1, 2, 3, 10]
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.errors import SpecError, os_reason
from engine.repeats import MAX_REPEATS
from engine.spec import printable_name, spec_error_message

MAX_SWEEP_BYTES = 64 * 1024
MAX_SAMPLES = 2000

Value = str | bool | int | float | list[int]  # smart union: a TOML 1 stays an int, 1.0 a float, true a bool


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _ordered(self):
        low, high = next(iter(self.model_dump().values()))
        if not low < high:
            raise ValueError(f"the range must go from low to high (got [{low}, {high}])")
        return self


class LogUniform(_Range):
    """Uniform in the logarithm: as likely between 0.01 and 0.1 as between 0.1 and 1."""

    log_uniform: tuple[Annotated[float, Field(gt=0, allow_inf_nan=False)], Annotated[float, Field(allow_inf_nan=False)]]


class Uniform(_Range):
    uniform: tuple[Annotated[float, Field(allow_inf_nan=False)], Annotated[float, Field(allow_inf_nan=False)]]


class IntUniform(_Range):
    """Every whole number from low to high (both included) equally likely."""

    int_uniform: tuple[int, int]


Range = LogUniform | IntUniform | Uniform
SPREADS: dict[str, type[_Range]] = {"log_uniform": LogUniform, "int_uniform": IntUniform, "uniform": Uniform}
Choices = Annotated[list[Value], Field(min_length=1)]
RANGE_HELP = "a list to choose from, or {log_uniform = [a, b]}, {int_uniform = [a, b]} or {uniform = [a, b]}"


def _spread(key: str, given: Any) -> Any:
    """One field's range read by its one key, so an error names that kind of range and nothing else."""
    if isinstance(given, list):
        if not given:
            raise ValueError(f"{key}: the list of choices is empty")
        return given
    if not isinstance(given, dict) or len(given) != 1 or next(iter(given)) not in SPREADS:
        raise ValueError(f"{key}: give {RANGE_HELP}")
    try:
        return SPREADS[next(iter(given))](**given)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"{key}: {err['msg'].removeprefix('Value error, ')}") from None


class RandomSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    samples: int = Field(ge=1, le=MAX_SAMPLES, strict=True)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, strict=True)
    ranges: dict[str, Range | Choices] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _collect_ranges(cls, data: Any) -> Any:
        """Every key but samples and seed is a field to draw: gathered under `ranges` so each is typed."""
        if isinstance(data, dict) and "ranges" not in data:
            data = dict(data)
            data["ranges"] = {k: _spread(k, data.pop(k)) for k in list(data) if k not in ("samples", "seed")}
        return data


class SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    base: str = Field(min_length=1, max_length=4096)
    seeds: int = Field(default=1, ge=1, le=MAX_REPEATS, strict=True)
    grid: dict[str, Choices] | None = None
    random: RandomSection | None = None

    @field_validator("name")
    @classmethod
    def _printable(cls, v: str) -> str:
        return printable_name(v)

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.grid is None) == (self.random is None):
            raise ValueError("give either a [grid] or a [random] section (exactly one)")
        if self.grid is not None and not self.grid:
            raise ValueError("[grid] lists no field to sweep")
        return self

    @property
    def fixed(self) -> dict[str, Any]:
        """Fields given one value (`epochs = [5]`): set for every point rather than swept."""
        return {k: v[0] for k, v in self.fields.items() if isinstance(v, list) and len(v) == 1}

    @property
    def fields(self) -> dict[str, Any]:
        """The swept fields and how each is given, in file order."""
        return dict(self.grid) if self.grid is not None else dict(self.random.ranges)


def parse_sweep_text(text: str, source: str) -> SweepFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: not valid TOML ({exc})") from None
    try:
        return SweepFile(**data)
    except ValidationError as exc:
        raise SpecError(spec_error_message(exc, source)) from None


def load_sweep_file(path: str | os.PathLike) -> SweepFile:
    """Read and validate a sweep file: a regular UTF-8 file of at most MAX_SWEEP_BYTES, parsed as data."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise SpecError(f"{path}: is a directory, not a sweep file")
    if path.exists() and not path.is_file():  # a FIFO would block
        raise SpecError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > MAX_SWEEP_BYTES:
                raise SpecError(f"{path}: too large for a sweep file (over {MAX_SWEEP_BYTES // 1024} KiB)")
            raw = fh.read(MAX_SWEEP_BYTES + 1)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such sweep file") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start}); sweep files are UTF-8 TOML") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({os_reason(exc)})") from None
    return parse_sweep_text(text, str(path))
