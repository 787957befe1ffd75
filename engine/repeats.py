"""One spec trained over several seeds: the repeats that let the answers measure noise.

A single run cannot say whether a gap between two nets is real or just the seed's luck; the same spec
trained with seeds seed, seed+1, ... can. Repeats share a `repeat_group` id in the store, so the answers
put them together. The CLI's `train --repeats`, `controls --repeats` and the queue all expand through here.
"""

from __future__ import annotations

import uuid

from engine.errors import SpecError
from engine.spec import NetworkSpec, make_spec

MAX_REPEATS = 50  # more seeds than this is a typo, not an experiment
MAX_SEED = 2**31 - 1


def new_group_id(spec: NetworkSpec) -> str:
    """A repeat-group id that is unique across stores and still says what it groups."""
    return f"{spec.name}:{uuid.uuid4().hex[:12]}"


def expand_repeats(spec: NetworkSpec, repeats: int) -> list[tuple[NetworkSpec, str | None]]:
    """`repeats` copies of `spec` with seeds seed, seed+1, ..., each with the group id they share
    (None when repeats is 1: a single run is no group). Raises SpecError for a count out of range or
    a seed that would pass the largest allowed seed."""
    if not 1 <= repeats <= MAX_REPEATS:
        raise SpecError(f"--repeats must be 1-{MAX_REPEATS} (got {repeats})")
    if repeats == 1:
        return [(spec, None)]
    if spec.seed + repeats - 1 > MAX_SEED:
        raise SpecError(f"seed {spec.seed} + {repeats - 1} repeats passes the largest seed, {MAX_SEED}")
    group = new_group_id(spec)
    fields = spec.model_dump()
    return [(make_spec(source=spec.name, **{**fields, "seed": spec.seed + i}), group) for i in range(repeats)]
