"""Training through the store's queue: `queue` adds jobs (or lists them), `train --detach` and
`controls --detach` queue instead of training in the foreground, `watch` follows a run until it ends and
`cancel` stops runs from any terminal. The detached worker (engine/worker.py) does the training."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from engine.errors import MnistTuiError
from tui.commands.common import end_line, epoch_line

WATCH_POLL = 0.5


def add_parsers(sub, common) -> None:
    from tui.commands.common import positive_int, whole

    p = sub.add_parser("queue", parents=[common], help="queue presets for the background worker, or list the queue")
    p.add_argument("presets", nargs="*", metavar="PRESET_OR_SPEC_FILE", help="what to queue (none: list the queue)")
    p.add_argument("--all", action="store_true", help="queue every built-in preset (the whole exercise)")
    p.add_argument("--repeats", type=positive_int, default=1, metavar="N", help="train each N times (seeds s..s+N-1)")
    p.add_argument("--epochs", type=whole, help="override the spec's epochs")
    p.add_argument("--learning-rate", type=float, help="override the spec's learning rate")
    p.add_argument("--batch-size", type=whole, help="override the spec's batch size")
    p.add_argument("--seed", type=whole, help="override the spec's seed")
    p.add_argument("--subset", type=positive_int, metavar="N", help="train on the first N training examples")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("watch", parents=[common], help="follow a run (default: the one training now) until it ends")
    p.add_argument("run", nargs="?", type=positive_int, metavar="RUN", help="a run id (see mnist-tui runs)")
    p.add_argument("--json", action="store_true", help="JSON lines: one per epoch, then an end event")

    p = sub.add_parser("cancel", parents=[common], help="stop runs (kept as cancelled) from any terminal")
    p.add_argument("runs", nargs="*", type=positive_int, metavar="RUN", help="run ids (default: what trains now)")
    p.add_argument("--all", action="store_true", help="also empty the queue")


# -- queue -------------------------------------------------------------------------------------------------
def cmd_queue(args) -> int:
    from tui.commands.common import open_store
    from tui.commands.train import requests_from

    store = open_store(args)
    if not args.presets and not args.all:
        return _list_queue(store, args.json)
    requests = []
    for preset in args.presets or [None]:
        one = argparse.Namespace(**{**vars(args), "preset": preset})
        requests += requests_from(one)
    return queue_requests(args, requests, store)


def queue_requests(args, requests, store=None) -> int:
    """Add the requests as jobs and make sure a worker runs them; print their job ids."""
    from engine.worker import enqueue, ensure_worker, log_path
    from tui.commands.common import open_store

    store = store or open_store(args)
    ids = [enqueue(store, req) for req in requests]
    started = ensure_worker(store.path)
    if getattr(args, "json", False):
        print(json.dumps({"queued": ids, "worker_started": started}))
    else:
        print(f"queued {len(ids)} job(s): {', '.join(map(str, ids))}; the worker logs to {log_path()}")
        print("follow with: mnist-tui watch   (or open mnist-tui)")
    return 0


def _list_queue(store, as_json: bool) -> int:
    from rich.table import Table

    from tui.commands.common import console

    jobs = store.jobs.running() + store.jobs.waiting()
    if as_json:
        print(json.dumps([j.as_json() for j in jobs], indent=2))
        return 0
    if not jobs:
        print("the queue is empty")
        return 0
    table = Table(box=None, header_style="bold")
    for col in ("job", "state", "preset", "name", "backend", "run", "phase"):
        table.add_column(col)
    from tui.text import literal

    for j in jobs:
        table.add_row(
            str(j.job_id),
            j.state,
            literal(j.preset),
            literal(j.name),
            literal(j.backend or "any"),
            str(j.run_id or "-"),
            literal(j.phase or ""),
        )
    console().print(table)
    return 0


# -- watch -------------------------------------------------------------------------------------------------
def cmd_watch(args) -> int:
    from tui.commands.common import open_store

    store = open_store(args)
    run_id = args.run or _wait_for_a_run(store)
    if run_id is None:
        print("mnist-tui: nothing is training or queued", file=sys.stderr)
        return 1
    return follow(store, run_id, args.json)


def _wait_for_a_run(store) -> int | None:
    """The run training now; or, with jobs queued, the first one's run once the worker starts it (even if
    it has already ended by the time we look again: a short run can start and finish between two polls)."""
    seen: list[int] = []
    while True:
        running = store.running_runs()
        if running:
            return running[0].run_id
        jobs = store.jobs.running()
        if jobs and jobs[0].run_id:
            return jobs[0].run_id
        waiting = store.jobs.waiting()
        seen += [j.job_id for j in jobs + waiting if j.job_id not in seen]
        if not jobs and not waiting:
            ended = [job.run_id for job_id in seen if (job := store.jobs.get(job_id)) and job.run_id]
            return ended[0] if ended else None
        time.sleep(WATCH_POLL)


def follow(store, run_id: int, as_json: bool) -> int:
    """Print each epoch as the store gets it, a progress line on a terminal, and the end; exit 0 when the run
    completed, 1 when it failed, diverged or was interrupted, 130 when it was cancelled."""
    run = store.get_run(run_id)
    if run is None:
        raise MnistTuiError(f"no run {run_id} in {store.path} (see mnist-tui runs --all)")
    shown = 0
    tty = sys.stdout.isatty() and not as_json
    if not as_json:
        print(f"run {run.run_id}: {run.name} ({run.preset}), {run.status}", flush=True)
    while True:
        run = store.get_run(run_id)
        if run is None:
            raise MnistTuiError(f"run {run_id} was deleted while watching")
        for e in run.history[shown:]:
            if tty:
                print("\r\033[K", end="")
            if as_json:
                epoch = {k: v for k, v in asdict(e).items() if k != "gradients"}
                print(json.dumps({"event": "epoch", "run_id": run_id, **epoch}), flush=True)
            else:
                print(epoch_line(e, run.epochs_planned), flush=True)
        shown = len(run.history)
        if run.status != "running":
            break
        if tty and (live := store.live.get(run_id)) is not None and live.steps:
            print(f"\r\033[K  epoch {live.epoch}: {live.step}/{live.steps} · {live.phase}", end="", flush=True)
        time.sleep(WATCH_POLL)
    if tty:
        print("\r\033[K", end="")
    m = run.metrics
    if as_json:
        end = {"event": "end", "run_id": run_id, "status": run.status, "epochs_completed": run.epochs_completed, **m}
        end.update(seconds_per_epoch=run.seconds_per_epoch, error=run.error)
        print(json.dumps(end), flush=True)
    else:
        line = end_line(
            run_id,
            run.status,
            run.epochs_completed,
            m["train_accuracy"],
            m["val_accuracy"],
            m["test_accuracy"],
            error=run.error,
        )
        print(line, flush=True)
    return {"completed": 0, "cancelled": 130}.get(run.status, 1)


# -- cancel ------------------------------------------------------------------------------------------------
def cmd_cancel(args) -> int:
    from tui.commands.common import open_store

    store = open_store(args)
    stopped, cleared = [], 0
    if args.all:
        cleared = store.jobs.clear()
    for run_id in args.runs:
        run = store.get_run(run_id)
        if run is None:
            raise MnistTuiError(f"no run {run_id} in {store.path} (see mnist-tui runs --all)")
        if run.status != "running":
            print(f"mnist-tui: run {run_id} is not training ({run.status})", file=sys.stderr)
            continue
        store.request_cancel(run_id)
        stopped.append(run_id)
    if not args.runs:  # what trains now, and a job still loading (no run row yet) too
        stopped, _ = store.cancel_running()
    if stopped:
        print(f"stopping run(s) {', '.join(map(str, stopped))} after the current block (kept as cancelled)")
    if cleared:
        print(f"{cleared} waiting job(s) taken off the queue")
    if not stopped and not cleared and not args.runs:
        print("nothing is training")
    return 0
