"""A sweep file turned into points, each a validated NetworkSpec, and the points into jobs on the queue.

Every point is built and validated before anything is stored, so a sweep with one bad point queues
nothing and says which point it was. A point changes only the fields the file sweeps; everything else
comes from the base preset. `width` and `depth` are shorthands for a uniform `hidden_layers`
(depth x width), and `hidden_layers` takes the editor's text ("3 x 64, 32").

A random sweep draws from numpy's generator seeded with the file's `seed`, or with one drawn here and
recorded with the sweep, so the same points can be drawn again. Drawn floats keep 4 significant digits
(a learning rate of 0.03748 reads better than 0.037482913 and trains the same).
"""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import DataError, SpecError, one_line
from engine.presets import Preset, find_preset, load_preset_file
from engine.repeats import MAX_SEED
from engine.run_request import RunRequest
from engine.spec import MAX_LAYERS, SETTINGS, SHORT_NAMES, NetworkSpec, format_layers, make_spec, parse_layers
from engine.sweep_file import IntUniform, LogUniform, SweepFile, Uniform, load_sweep_file

MAX_SWEEP_RUNS = 2000  # points x seeds; more is a typo in a grid, not an afternoon's experiment
SHORTHANDS = ("width", "depth")
SWEEPABLE = SETTINGS + SHORTHANDS  # not the naming fields: a point's name is made from its values
SIGNIFICANT = 4


@dataclass(frozen=True)
class Point:
    """One setting of the swept fields: `values` as the file gave them, `spec` the network it trains."""

    index: int  # 1-based, in the order the points were expanded (and queued)
    values: dict[str, Any]  # the swept fields (those set to one value for every point are in the spec only)
    spec: NetworkSpec

    @property
    def label(self) -> str:
        return point_label(self.values)


@dataclass(frozen=True)
class SweepPlan:
    definition: SweepFile
    file: str | None  # the sweep file, absolute
    base: Preset
    points: tuple[Point, ...]
    sampling_seed: int | None  # random sweeps only

    @property
    def kind(self) -> str:
        return "grid" if self.definition.grid is not None else "random"

    @property
    def seeds(self) -> int:
        return self.definition.seeds

    @property
    def runs(self) -> int:
        return len(self.points) * self.seeds

    @property
    def swept(self) -> list[str]:
        return [k for k in self.definition.fields if k not in self.definition.fixed]

    @property
    def fixed_text(self) -> str:
        """'epochs 5 · batch 64': what every point sets alike ('' when nothing)."""
        return point_label(self.definition.fixed)

    def requests(self, sweep_id: int, data: str | None = None, subset: int | None = None) -> list[RunRequest]:
        """Every point `seeds` times (seeds s, s+1, ...), point after point; a point's runs share a group.
        A sweep's runs answer no exercise part (part None): they are the sweep's, kept apart."""
        out = []
        for point in self.points:
            group = point_group(sweep_id, point.index)
            fields = point.spec.model_dump()
            for i in range(self.seeds):
                spec = point.spec if i == 0 else NetworkSpec(**{**fields, "seed": point.spec.seed + i})
                out.append(RunRequest(self.base.id, None, spec, data, subset, repeat_group=group, sweep_id=sweep_id))
        return out

    def definition_json(self) -> dict:
        """What the store keeps of the sweep: the file as read, the base, and every point."""
        return {
            "kind": self.kind,
            "file": self.file,
            "definition": self.definition.model_dump(mode="json"),
            "base": self.base.id,
            "base_spec": self.base.spec.model_dump(mode="json"),
            "seeds": self.seeds,
            "swept": self.swept,
            "fixed": self.definition.fixed,
            "points": [
                {"index": p.index, "label": p.label, "values": p.values, "spec": p.spec.model_dump(mode="json")}
                for p in self.points
            ],
        }


def point_group(sweep_id: int, index: int) -> str:
    """The repeat group of a point's runs: how a run is traced back to its point."""
    return f"sweep {sweep_id} point {index}"


def point_of_group(group: str | None, sweep_id: int) -> int | None:
    prefix = f"sweep {sweep_id} point "
    if group and group.startswith(prefix) and group[len(prefix) :].isdigit():
        return int(group[len(prefix) :])
    return None


def point_label(values: dict[str, Any]) -> str:
    """'layers 3 x 64 · lr 0.1': short enough for a table row at 80 columns."""
    return " · ".join(f"{SHORT_NAMES.get(k, k)} {value_text(k, v)}" for k, v in values.items())


def value_text(key: str, value: Any) -> str:
    if key == "hidden_layers" and isinstance(value, list):
        return format_layers(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- planning ----------------------------------------------------------------------------------------------
def plan_sweep(path: str | os.PathLike, sampling_seed: int | None = None) -> SweepPlan:
    """Read a sweep file and build every point; SpecError (exit 2) naming the first bad point, if any."""
    path = Path(path).expanduser().resolve()
    definition = load_sweep_file(path)
    return build_plan(definition, str(path), path.parent, sampling_seed)


def build_plan(
    definition: SweepFile, file: str | None, folder: Path | None = None, sampling_seed: int | None = None
) -> SweepPlan:
    source = file or "sweep"
    section = "grid" if definition.grid is not None else "random"
    for key in definition.fields:
        if key not in SWEEPABLE:
            known = ", ".join(SWEEPABLE)
            raise SpecError(f"{source}: {section}.{key}: not a network setting (misspelt? one of: {known})")
    if "hidden_layers" in definition.fields and any(k in definition.fields for k in SHORTHANDS):
        raise SpecError(f"{source}: {section}: give hidden_layers or width/depth, not both")
    base = _base(definition.base, folder, source)
    if definition.grid is not None:
        count = math.prod(len(v) for v in definition.grid.values())
        _check_size(count, definition.seeds, source)
        values = _grid(definition.grid)
        seed = None
    else:
        _check_size(definition.random.samples, definition.seeds, source)
        seed = definition.random.seed if definition.random.seed is not None else sampling_seed
        if seed is None:
            seed = secrets.randbelow(2**31)
        values = _random(definition.random.ranges, definition.random.samples, seed)
    points, bad = [], []
    for index, every in enumerate(values, start=1):
        vals = {k: v for k, v in every.items() if k not in definition.fixed}
        try:
            spec = point_spec(base.spec, every, definition)
            if spec.seed + definition.seeds - 1 > MAX_SEED:
                raise SpecError(f"seed {spec.seed} + {definition.seeds - 1} more seeds passes the largest, {MAX_SEED}")
            points.append(Point(index, vals, spec))
        except SpecError as exc:
            bad.append((index, point_label(vals) or point_label(every), exc))
    if bad:
        index, label, exc = bad[0]
        more = f" (and {len(bad) - 1} more bad point{'s' * (len(bad) > 2)})" if len(bad) > 1 else ""
        raise SpecError(one_line(f"{source}: point {index} of {len(values)} ({label}): {exc}{more}; nothing queued"))
    return SweepPlan(definition, file, base, tuple(points), seed)


def _base(ref: str, folder: Path | None, source: str) -> Preset:
    """A preset id, or a spec file (a relative path is read beside the sweep file)."""
    if folder is not None and not os.path.isabs(ref) and (folder / ref).is_file():
        return load_preset_file(folder / ref)
    try:
        return find_preset(ref)
    except SpecError as exc:
        raise SpecError(f"{source}: base: {exc}") from None


def _check_size(points: int, seeds: int, source: str) -> None:
    if points * seeds > MAX_SWEEP_RUNS:
        raise SpecError(
            f"{source}: {points:,} points x {seeds} seeds is {points * seeds:,} runs, more than the "
            f"{MAX_SWEEP_RUNS:,} a sweep may queue"
        )


def _grid(grid: dict[str, list]) -> list[dict[str, Any]]:
    points: list[dict[str, Any]] = [{}]
    for key, choices in grid.items():  # the first field changes slowest, as in the file
        points = [{**p, key: v} for p in points for v in choices]
    return points


def _random(ranges: dict[str, Any], samples: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [{key: _draw(rng, key, spread) for key, spread in ranges.items()} for _ in range(samples)]


def _draw(rng: np.random.Generator, key: str, spread) -> Any:
    if isinstance(spread, list):
        return spread[int(rng.integers(len(spread)))]
    if isinstance(spread, IntUniform):
        low, high = spread.int_uniform
        return int(rng.integers(low, high + 1))
    if isinstance(spread, LogUniform):
        low, high = spread.log_uniform
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    elif isinstance(spread, Uniform):
        low, high = spread.uniform
        value = float(rng.uniform(low, high))
    else:  # pragma: no cover - the file model admits no other kind
        raise TypeError(spread)
    if _whole(key):
        return round(value)
    return float(f"{value:.{SIGNIFICANT}g}")


def _whole(key: str) -> bool:
    field = NetworkSpec.model_fields.get(key)
    return key in SHORTHANDS or (field is not None and field.annotation is int)


# -- one point -----------------------------------------------------------------------------------------------
def point_spec(base: NetworkSpec, values: dict[str, Any], definition: SweepFile) -> NetworkSpec:
    """The base spec with the point's values, validated; its name says the sweep and the point."""
    fields = base.model_dump()
    for key, value in values.items():
        if key == "hidden_layers":
            fields[key] = layers(value)
        elif key not in SHORTHANDS:
            fields[key] = value
    if any(k in values for k in SHORTHANDS):
        width = values.get("width", base.hidden_layers[0])
        depth = values.get("depth", len(base.hidden_layers))
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_LAYERS:
            raise SpecError(f"depth: must be a whole number of layers, 1-{MAX_LAYERS} (got {depth!r})")
        fields["hidden_layers"] = [width] * depth
    swept = {k: v for k, v in values.items() if k not in definition.fixed}
    fields["name"] = f"{definition.name}: {point_label(swept) or 'every point alike'}"[:80].strip()
    try:
        return make_spec(source="spec", **fields)
    except SpecError as exc:
        raise SpecError(str(exc).removeprefix("spec: ")) from None


def layers(value: Any) -> Any:
    """The editor's text ("3 x 64") or a TOML list or a single width; anything else is left for the spec
    to reject by name."""
    if isinstance(value, str):
        try:
            return parse_layers(value)
        except ValueError as exc:
            raise SpecError(f"hidden_layers: {exc}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    return value


def check_data(data: str | None) -> str | None:
    """--data as an absolute path that exists (checked before anything is queued), or None."""
    if not data:
        return None
    path = Path(data).expanduser().resolve()
    if not path.exists():
        raise DataError(f"{data}: no such data file or folder; nothing queued")
    return str(path)
