"""Runs of one network shape trained together: the seeds of `train --repeats K` (and a sweep point's seeds)
as K networks of one compiled program (engine/stacked_trainer.py), each still its own run in the store.

Why: for these small nets most of a step is overhead, not arithmetic, so K networks in one program cost
far less than K runs one after another (bench/stack.py measures it). `MNIST_TUI_STACK=0` turns it off:
the runs then train one after another, as before, bit for bit as a single run; `1` stacks every net's seeds;
by default only small nets stack, on one batch order (stacking_enabled, shared_order). A group of one is
always trained as a single run.

Entry points: `stack_groups(requests)` cuts a list of requests into groups that can share a program
(consecutive, same shape, same epochs, same data), and `run_stacked(store, requests, listeners, cancel)`
trains one group: a run row per request, each with its own events, epochs, gradients, final evaluation,
repeat_group and sweep id, recorded by engine/runner.py's RunRecorder as a single run is. Cancel (the
event, or without per-run `cancels` any of the runs' cancel flags in the store) stops all of them; with
`cancels` (the queue worker's jobs, engine/worker/stack_jobs.py) a run cancelled alone stops alone; a
network that diverges ends as diverged while the others go on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import ExitStack

from engine.data import describe_source, load_splits
from engine.events import Event, Finished, Phase
from engine.model_pool import graph_key
from engine.paths import STACK_ENV
from engine.progress_reporter import ProgressReporter
from engine.run_request import RunRequest
from engine.runner import Listener, Loader, RunRecorder, _one_line, as_told, start_run_of
from engine.spec import NetworkSpec
from engine.status import RunStatus
from engine.store import Store
from engine.watchers import run_monitor

MAX_STACK = 16  # networks per program: more is split into several (memory grows with K, speed-up does not)


# Weights (multiply-adds per image) up to which the seeds of one net stack by default. bench/stack.py, 8 seeds
# on 60k images, 10 epochs, shared order against one after another, wall time on a quiet 2-core box:
# part2-narrow (6,928 weights) 0.29x, part1-small (38,112) 0.46x, part2-wide (87,680) 0.62x on TensorFlow and
# 0.68x on JAX; part1-large (304,896) 1.21x on TensorFlow: eight of its kernels leave the caches one kernel
# stays in, and its step is bound by memory traffic (bench/README.md). The line is drawn above the largest net
# measured to gain; nothing between 87k and 305k was measured.
AUTO_STACK_WEIGHTS = 100_000


def stacking_enabled(spec: NetworkSpec | None = None) -> bool:
    """Whether the seeds of `spec`'s network train as one stacked program. MNIST_TUI_STACK=1 (or shared):
    always; 0: never (one after another, each bit for bit its own run); unset (or auto): when the network is
    small, at most AUTO_STACK_WEIGHTS weights, where per-step overhead, which stacking shares, is most of the
    cost (on one shared batch order: shared_order). A stacked run's epoch seconds are the whole stack's
    (extra["stacked"] says how many networks)."""
    value = os.environ.get(STACK_ENV, "auto").strip().lower()
    if value in ("", "auto"):
        return spec is not None and spec.param_counts().weights <= AUTO_STACK_WEIGHTS
    return value not in ("0", "off", "no", "false")


def shared_order() -> bool:
    """Whether the stacked seeds share one batch order: MNIST_TUI_STACK=shared, and by default (unset or
    auto), where bench/stack.py measured it fastest (part2-narrow, CPU seconds against one after another:
    0.38x on TensorFlow against 0.51x with own orders, 0.61x against 0.67x on JAX). The seeds then differ in
    initial weights only: each run records shared_order and the answers say so. MNIST_TUI_STACK=1: each
    seed keeps its own order (numbers within float rounding of its run alone)."""
    return os.environ.get(STACK_ENV, "auto").strip().lower() in ("", "auto", "shared")


def stack_key(req: RunRequest) -> tuple:
    """What runs of one program must share: the compiled graph, the epochs and the data (so the shapes)."""
    return graph_key(req.spec), req.spec.epochs, req.spec.validation_fraction, req.data, req.subset


def stack_groups(requests: list[RunRequest], limit: int = MAX_STACK) -> list[list[RunRequest]]:
    """Consecutive requests that can train as one program, in order; each alone where stacking is off."""
    groups: list[list[RunRequest]] = []
    for req in requests:
        joins = groups and len(groups[-1]) < limit and stack_key(groups[-1][0]) == stack_key(req)
        if joins and stacking_enabled(req.spec):
            groups[-1].append(req)
        else:
            groups.append([req])
    return groups


def run_stacked(
    store: Store,
    requests: list[RunRequest],
    listeners: list[Listener],
    cancel: threading.Event | None = None,
    loader: Loader = load_splits,
    slot: int | None = None,
    cancels: list[threading.Event] | None = None,
) -> list[Finished]:
    """Train a group from stack_groups; one Finished per request, in order, each stored as its own run
    (engine/runner.py's RunRecorder each). Events go to each request's own listener, with its run id. A
    DataError raises before any run row exists; after that every run ends in a stored Finished.
    cancels: one event per request (a queued job's own cancel): that run alone ends as cancelled at the next
    epoch's end while the others train on; without them a run's cancel flag in the store stops them all."""
    if len({stack_key(req) for req in requests}) != 1:
        raise ValueError("run_stacked: the requests differ in shape, epochs or data")
    cancel = cancel or threading.Event()

    def to_all(ev: Event) -> None:
        for listener in listeners:
            listener(ev)

    first = requests[0]
    to_all(Phase(f"loading MNIST from {describe_source(first.data)}"))
    splits = loader(first.data, first.spec.validation_fraction, first.subset)
    _prepare(to_all)
    if cancel.is_set() or (
        cancels and all(c.is_set() for c in cancels)
    ):  # cancelled while loading: nothing trained, so no run to keep
        results = [Finished(None, RunStatus.CANCELLED, 0) for _ in requests]
        for listener, result in zip(listeners, results, strict=True):
            listener(result)
        return results
    records = [
        RunRecorder(
            store,
            start_run_of(store, req, splits.source, splits.sizes(), slot=slot),
            listener,
            ProgressReporter(store, slot=slot),
        )
        for req, listener in zip(requests, listeners, strict=True)
    ]
    with ExitStack() as monitors:
        for i, record in enumerate(records):
            monitors.enter_context(run_monitor(store, record.run_id, cancels[i] if cancels else cancel))
        try:
            from engine.stacked_trainer import train_stacked

            specs, trained = [req.spec for req in requests], []
            results = train_stacked(
                specs, splits, records, cancel, shared_order=shared_order(), trained=trained, cancels=cancels
            )
        except BaseException as exc:  # KeyboardInterrupt included: no run row may stay 'running'
            status = RunStatus.CANCELLED if isinstance(exc, KeyboardInterrupt) else RunStatus.FAILED
            ended = [r.finish(Finished(r.run_id, status, r.epochs_completed(), error=_one_line(exc))) for r in records]
            if isinstance(exc, KeyboardInterrupt):
                raise
            return ended
    out = []
    trained = trained or [None] * len(results)  # a failed fit leaves it empty
    for req, record, result, weights in zip(requests, records, results, trained, strict=True):
        result = as_told(store, record.run_id, result)
        if result.status == RunStatus.COMPLETED:  # its model beside the store, as a single run's
            from engine.takeout.keras_model import keep_trained_model

            keep_trained_model(store, _Trained(weights), req.spec, record.run_id)
        out.append(record.finish(result))
    return out


class _Trained:
    """What keep_trained_model reads from a trainer: one stacked network's final weights."""

    def __init__(self, weights: list | None):
        self.trained_weights = weights


def _prepare(emit: Callable[[Event], None]) -> None:
    from engine.trainer import KerasTrainer

    KerasTrainer(probe_gradients=False, reuse_models=False).prepare(emit)
