"""Before one key queues runs: the question to ask, if any. A key that queues more than a few jobs (a part
with several seeds, the controls) asks first with the count; so does a run that would repeat a stored one
exactly (same spec, seed and data: the same numbers again). No Textual here: the app asks."""

from __future__ import annotations

from collections import Counter

from engine.data import KERAS_CACHE, resolve_source
from engine.runner import RunRequest
from engine.status import RunStatus

MANY_JOBS = 6  # the whole exercise, once: more than this asks first
RUN_ONLY = ("name", "description")  # what does not change a run's numbers


def _key(spec_json: dict) -> str:
    import json

    return json.dumps({k: v for k, v in spec_json.items() if k not in RUN_ONLY}, sort_keys=True)


def _same_data(request: RunRequest, data_source: str | None) -> bool:
    wanted = resolve_source(request.data)
    if wanted is None:  # Keras's MNIST, read from its cache or downloaded
        return data_source in (None, str(KERAS_CACHE), "keras.datasets.mnist")
    return data_source == wanted


def exact_repeats(requests: list[RunRequest], runs) -> dict[int, int]:
    """request index -> the id of a completed run it would repeat exactly (same spec and seed, same data,
    the whole training set unless both used the same subset)."""
    by_spec: dict[str, list] = {}
    for run in runs:
        if run.status == RunStatus.COMPLETED:
            by_spec.setdefault(_key(run.spec_json), []).append(run)
    found = {}
    for i, req in enumerate(requests):
        for run in by_spec.get(_key(req.spec.model_dump(mode="json")), []):
            same_size = req.subset is None or (run.sizes or {}).get("train") == req.subset
            if _same_data(req, run.data_source) and same_size and run.kind == req.kind:
                found[i] = run.run_id
                break
    return found


def queue_question(requests: list[RunRequest], runs) -> str | None:
    """The question before queueing these, or None to queue at once."""
    repeats = exact_repeats(requests, runs)
    lines = []
    if len(requests) > MANY_JOBS:
        counts = Counter(r.preset for r in requests)
        what = ", ".join(f"{preset} ×{n}" if n > 1 else preset for preset, n in counts.items())
        lines.append(f"Queue {len(requests)} runs ({what})? They train one after another.")
    if repeats:
        ids = ", ".join(str(run_id) for run_id in sorted(set(repeats.values())))
        if len(requests) == 1:
            lines.append(
                f"Run {ids} already trained this spec with seed {requests[0].spec.seed} on the same data:"
                " training it again gives the same numbers (R on Home sets more seeds)."
            )
        else:
            lines.append(
                f"{len(repeats)} of them repeat stored runs exactly (run {ids}: same spec, seed and data),"
                " so they would give the same numbers again."
            )
        lines.append("Queue anyway?" if len(requests) <= MANY_JOBS else "")
    return "\n".join(line for line in lines if line) or None
