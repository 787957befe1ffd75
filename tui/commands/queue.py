"""Training through the store's queue: `queue` adds jobs (or lists them), `train --detach` and
`controls --detach` queue instead of training in the foreground, `watch` follows a run until it ends and
`cancel` (tui/commands/cancel.py) stops runs from any terminal. The detached worker (engine/worker/) does
the training, up to `--slots` runs at once, on a Ray cluster with `--cluster`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from engine.errors import MnistTuiError
from engine.paths import APP
from engine.status import RunStatus
from tui.commands.common import end_line, epoch_line

WATCH_POLL = 0.5


def add_worker_options(parser) -> None:
    """--slots and --cluster, for whatever may start the worker (the TUI, queue, train/controls --detach).
    Left unset unless given (SUPPRESS), so `mnist-tui --slots 2 queue ...` is not undone by the command's own
    unset option."""
    import argparse

    from tui.commands.common import positive_int

    parser.add_argument(
        "--slots",
        type=positive_int,
        default=argparse.SUPPRESS,
        metavar="N",
        help="runs the worker trains at once (default: $MNIST_TUI_SLOTS, else one per visible GPU, 1 without)",
    )
    parser.add_argument(
        "--cluster",
        default=argparse.SUPPRESS,
        metavar="ADDRESS",
        help="train on a Ray cluster: its address (host:port) or auto (default: $MNIST_TUI_CLUSTER)",
    )


def foreground_refuses_worker_options(args) -> None:
    """`train` and `controls` without --detach train here, one run at a time: --slots and --cluster only
    mean something to the worker, so there they are refused, not ignored."""
    from engine.errors import SpecError

    given = [f"--{name}" for name in ("slots", "cluster") if getattr(args, name, None) is not None]
    if given:
        verb = "need" if len(given) > 1 else "needs"
        here = f"`{args.command}` without it trains here, one run at a time"
        raise SpecError(f"{' and '.join(given)} {verb} --detach: {here}")


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
    add_worker_options(p)

    p = sub.add_parser("watch", parents=[common], help="follow a run (default: the one training now) until it ends")
    p.add_argument(
        "run", nargs="?", type=positive_int, metavar="RUN", help="a run id (default: every run training now)"
    )
    p.add_argument("--json", action="store_true", help="JSON lines: one per epoch, then an end event")


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
    from engine.memory import check_job_fits
    from engine.worker.client import enqueue, ensure_worker, slots_setting
    from engine.worker.log import log_path
    from tui.commands.common import open_store

    store = store or open_store(args)
    slots_setting(getattr(args, "slots", None))  # a bad MNIST_TUI_SLOTS is refused before anything is queued
    for req in requests:  # every job checked before the first is committed: all are queued or none
        check_job_fits(req.spec, req.subset, req.label or req.spec.name)
    ids = [enqueue(store, req) for req in requests]
    started = ensure_worker(store.path, slots=getattr(args, "slots", None), cluster=getattr(args, "cluster", None))
    if getattr(args, "json", False):
        print(json.dumps({"queued": ids, "worker_started": started}))
    else:
        print(f"queued {len(ids)} job(s): {', '.join(map(str, ids))}; the worker logs to {log_path()}")
        print("follow with: mnist-tui watch   (or open mnist-tui)")
    return 0


def recover_queue(store) -> str | None:
    """What a reader does when it finds the queue stalled: jobs of a worker that died are marked interrupted,
    and jobs still waiting with no worker get one. Says what it did, if anything."""
    from engine.worker.client import ensure_worker, worker_running

    if store.read_only:
        return None
    said = []
    if recovered := store.jobs.recover_orphans():
        said.append(f"{recovered} job(s) of a worker that stopped marked interrupted")
    if store.jobs.head() is not None and not store.jobs.running() and not worker_running(store.path):
        ensure_worker(store.path)
        said.append("started a worker for the jobs waiting")
    return "; ".join(said) or None


def _list_queue(store, as_json: bool) -> int:
    from tui.commands.common import print_listing
    from tui.format import list_name, lr_text, seed_text
    from tui.text import literal

    if note := recover_queue(store):
        print(f"{APP}: {note}", file=sys.stderr)
    columns = ("job", "state", "preset", "name", "seed", "lr", "backend", "slot", "run", "phase")

    def row(j):
        return (
            str(j.job_id),
            j.state,
            literal(j.preset),
            literal(list_name(j)),
            seed_text(j.spec_json),
            lr_text(j.spec_json),
            literal(j.backend or "any"),
            "-" if j.slot is None else str(j.slot),
            str(j.run_id or "-"),
            literal(j.phase or ""),
        )

    jobs = store.jobs.running() + store.jobs.waiting()
    return print_listing(as_json, jobs, lambda j: j.as_json(), "the queue is empty", columns, row)


# -- watch -------------------------------------------------------------------------------------------------
def cmd_watch(args) -> int:
    from tui.commands.common import open_store

    store = open_store(args)
    if args.run:
        return follow(store, args.run, args.json)
    recover_queue(store)
    first = _wait_for_a_run(store)
    if first is None:
        print(f"{APP}: nothing is training or queued", file=sys.stderr)
        return 1
    return follow_all(store, args.json, first)


def follow_all(store, as_json: bool, first: int) -> int:
    """Every run that trains while watching, several at once with slots, until the queue is drained: each
    run's epochs and end as they come, prefixed by its run id when more than one was seen. A run that starts
    and ends between two looks is still shown: the jobs seen waiting are followed to their runs. Exit 0 when
    every run completed, else the first other run's code."""
    followers: dict[int, RunFollower] = {first: RunFollower(store, first, as_json)}
    jobs_seen: set[int] = set()
    codes: list[int] = []
    while True:
        running, waiting = store.jobs.running(), store.jobs.waiting()
        jobs_seen.update(j.job_id for j in running + waiting)
        run_ids = [r.run_id for r in store.running_runs()]
        run_ids += [job.run_id for job_id in sorted(jobs_seen) if (job := store.jobs.get(job_id)) and job.run_id]
        for run_id in run_ids:
            followers.setdefault(run_id, RunFollower(store, run_id, as_json))
        for follower in sorted(followers.values(), key=lambda f: f.run_id):
            if not follower.done and (code := follower.step(tag=len(followers) > 1)) is not None:
                codes.append(code)
        if all(f.done for f in followers.values()) and not running and not waiting:
            break
        time.sleep(WATCH_POLL)
    return next((c for c in codes if c != 0), 0)


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


class RunFollower:
    """One run as `watch` follows it: each call of `step` prints the epochs the store got since the last
    call, and the run's end once it ended (then returns its exit code: 0 completed, 130 cancelled, else 1)."""

    def __init__(self, store, run_id: int, as_json: bool):
        self.store, self.run_id, self.as_json = store, run_id, as_json
        self.shown = 0
        self.done = False
        self.announced = False

    def step(self, tag: bool = False, tty: bool = False) -> int | None:
        run = self.store.get_run(self.run_id)
        if run is None:
            raise MnistTuiError(f"run {self.run_id} was deleted while watching")
        prefix = f"[run {self.run_id}] " if tag and not self.as_json else ""
        if not self.announced and not self.as_json:
            where = f" on slot {run.slot}" if run.slot is not None else ""
            print(f"run {run.run_id}: {run.name} ({run.preset}){where}, {run.status}", flush=True)
        self.announced = True
        for e in run.history[self.shown :]:
            if tty:
                print("\r\033[K", end="")
            if self.as_json:
                epoch = {k: v for k, v in asdict(e).items() if k != "gradients"}
                print(json.dumps({"event": "epoch", "run_id": self.run_id, **epoch}), flush=True)
            else:
                print(prefix + epoch_line(e, run.epochs_planned), flush=True)
        self.shown = len(run.history)
        if run.status == RunStatus.RUNNING:
            if tty and (live := self.store.progress.get(self.run_id)) is not None and live.steps:
                print(f"\r\033[K  epoch {live.epoch}: {live.step}/{live.steps} · {live.phase}", end="", flush=True)
            return None
        if tty:
            print("\r\033[K", end="")
        self._end(run, prefix)
        self.done = True
        return {RunStatus.COMPLETED: 0, RunStatus.CANCELLED: 130}.get(run.status, 1)

    def _end(self, run, prefix: str) -> None:
        m = run.metrics
        if self.as_json:
            end = {"event": "end", "run_id": run.run_id, "status": run.status, "epochs_completed": run.epochs_completed}
            end.update(m, seconds_per_epoch=run.seconds_per_epoch, error=run.error)
            print(json.dumps(end), flush=True)
            return
        line = end_line(
            run.run_id,
            run.status,
            run.epochs_completed,
            m["train_accuracy"],
            m["val_accuracy"],
            m["test_accuracy"],
            error=run.error,
        )
        print(prefix + line, flush=True)


def follow(store, run_id: int, as_json: bool) -> int:
    """Print each epoch as the store gets it, a progress line on a terminal, and the end; exit 0 when the run
    completed, 1 when it failed, diverged or was interrupted, 130 when it was cancelled."""
    if store.get_run(run_id) is None:
        raise MnistTuiError(f"no run {run_id} in {store.path} (see mnist-tui runs --all)")
    follower = RunFollower(store, run_id, as_json)
    tty = sys.stdout.isatty() and not as_json
    while (code := follower.step(tty=tty)) is None:
        time.sleep(WATCH_POLL)
    return code
