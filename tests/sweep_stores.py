"""Stores holding a sweep with known, hand-checkable results (no training): the sweep's row as
`mnist-tui sweep` writes it, and completed runs of its points with the test accuracies a test gives."""

from __future__ import annotations

from pathlib import Path

from engine.events import EpochEnd, Finished
from engine.store import Store
from engine.sweep import build_plan, point_group
from engine.sweep_file import parse_sweep_text

SIZE_AND_RATE = """name = "size and rate"
base = "part1-small"
seeds = 2
[grid]
hidden_layers = ["16", "64", "2 x 32"]
learning_rate = [0.1, 0.5]
"""  # points: 1 16/0.1  2 16/0.5  3 64/0.1  4 64/0.5  5 2x32/0.1  6 2x32/0.5
SIZES = {"train": 1000, "validation": 1333, "test": 2000}


def add_sweep(store: Store, text: str, file: str = "/sweeps/known.toml") -> tuple[int, object]:
    """The sweep described by TOML `text`, stored and queued as `mnist-tui sweep` would (no worker runs)."""
    plan = build_plan(parse_sweep_text(text, file), file, Path("/"))
    sweep_id = store.sweeps.add(
        plan.definition.name, file, plan.definition_json(), plan.sampling_seed, len(plan.points), plan.runs
    )
    for req in plan.requests(sweep_id):
        store.jobs.add(req.preset, req.part, req.spec, repeat_group=req.repeat_group, sweep_id=sweep_id)
    return sweep_id, plan


def add_point_run(
    store: Store,
    sweep_id: int,
    plan,
    index: int,
    test: float,
    val: float | None = None,
    seed: int = 0,
    extra: dict | None = None,
) -> int:
    """A completed run of point `index` (1-based) with the given accuracies; one of the point's queued jobs
    is marked done with it, as the worker would."""
    point = plan.points[index - 1]
    spec = point.spec.model_copy(update={"seed": point.spec.seed + seed})
    run_id = store.start_run(
        plan.base.id, None, spec, "sample.npz", "tensorflow", "CPU", {}, SIZES,
        repeat_group=point_group(sweep_id, index), sweep_id=sweep_id,
    )  # fmt: skip
    val = test if val is None else val
    for e in range(1, spec.epochs + 1):
        store.add_epoch(run_id, EpochEnd(e, 1.0 / e, val, 1.0 / e, val, 0.1))
    store.finish_run(
        run_id,
        Finished(
            run_id, "completed", spec.epochs,
            train_accuracy=val + 0.01, val_accuracy=val, test_accuracy=test, extra=extra or {},
        ),
    )  # fmt: skip
    job = store.db.read(
        "SELECT id FROM jobs WHERE sweep_id=? AND repeat_group=? AND state='queued' ORDER BY id LIMIT 1",
        (sweep_id, point_group(sweep_id, index)),
    )
    if job:
        store.jobs.finish(job[0][0], "completed", run_id=run_id)
    return run_id
