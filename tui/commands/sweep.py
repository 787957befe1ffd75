"""`mnist-tui sweep FILE.toml` queues every point of a sweep file (each `seeds` times) for the worker,
after validating all of them; `--dry-run` lists the points instead. Without `--detach` it then follows the
sweep, a line per finished run, until the last run ends (Ctrl+C stops following; training goes on).
`mnist-tui sweeps` lists sweeps with their progress; `runs --sweep N` and `cancel --sweep N` live with
their verbs and call in here."""

from __future__ import annotations

import json
import sys
import time

from engine.errors import MnistTuiError
from engine.percent import pct
from engine.status import RunStatus
from tui.text import literal

FOLLOW_POLL = 1.0


def add_parsers(sub, common) -> None:
    from tui.commands.common import positive_int
    from tui.commands.queue import add_worker_options

    p = sub.add_parser("sweep", parents=[common], help="queue every point of a sweep file (TOML)")
    p.add_argument("file", metavar="FILE.toml", help="the sweep: name, base, seeds and a [grid] or [random]")
    p.add_argument("--dry-run", action="store_true", help="list the points and the count; queue nothing")
    p.add_argument("--detach", action="store_true", help="queue and return at once (else follow the sweep)")
    p.add_argument("--subset", type=positive_int, metavar="N", help="train on the first N training examples")
    add_worker_options(p)  # --slots, --cluster
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("sweeps", parents=[common], help="list sweeps with their progress")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def handlers() -> dict:
    return {"sweep": cmd_sweep, "sweeps": cmd_sweeps}


# -- sweep -------------------------------------------------------------------------------------------------
def cmd_sweep(args) -> int:
    from engine.data import resolve_source
    from engine.sweep import check_data, plan_sweep
    from engine.worker.client import slots_setting

    plan = plan_sweep(args.file)
    data = check_data(resolve_source(getattr(args, "data", None)))
    slots_setting(getattr(args, "slots", None))  # a bad MNIST_TUI_SLOTS is refused before anything is queued
    if args.dry_run:
        return _dry_run(plan, args.json)
    from tui.commands.common import open_store

    store = open_store(args)
    sweep_id, jobs = queue_sweep(store, plan, data, args.subset)
    started = start_worker(store.path, getattr(args, "slots", None), getattr(args, "cluster", None))
    if args.json:
        print(json.dumps({"sweep": sweep_id, "runs": len(jobs), "jobs": jobs, "worker_started": started}))
    else:
        print(f"sweep {sweep_id}: {len(jobs)} runs queued")
        if plan.sampling_seed is not None:
            print(f"  sampling seed {plan.sampling_seed} (recorded with the sweep)")
    if args.detach or args.json:
        if not args.json:
            print(
                f"follow with: mnist-tui sweeps   (or open mnist-tui; cancel with mnist-tui cancel --sweep {sweep_id})"
            )
        return 0
    return follow_sweep(store, sweep_id)


def queue_sweep(store, plan, data: str | None, subset: int | None) -> tuple[int, list[int]]:
    """The sweep's row, then every run as a job carrying its id. Returns (sweep id, job ids)."""
    from engine.worker import client

    sweep_id = store.sweeps.add(
        plan.definition.name, plan.file, plan.definition_json(), plan.sampling_seed, len(plan.points), plan.runs
    )
    return sweep_id, [client.enqueue(store, req) for req in plan.requests(sweep_id, data, subset)]


def start_worker(store_path, slots: int | None = None, cluster: str | None = None) -> bool:
    """Start the worker unless one runs: `slots` runs at once, on a Ray `cluster` if named (each defaults to
    its MNIST_TUI_* setting). True when one was started."""
    from engine.worker import client

    return client.ensure_worker(store_path, slots=slots, cluster=cluster)


def _dry_run(plan, as_json: bool) -> int:
    if as_json:
        print(
            json.dumps(
                {
                    "points": len(plan.points),
                    "seeds": plan.seeds,
                    "runs": plan.runs,
                    "sampling_seed": plan.sampling_seed,
                    **plan.definition_json(),
                },
                indent=2,
            )
        )
        return 0
    from tui.commands.common import console, listing

    table = listing(("point", "swept values", "hidden layers", "params"), right=("point", "params"))
    for p in plan.points:
        table.add_row(str(p.index), literal(p.label), p.spec.layers_text(), f"{p.spec.param_counts().total:,}")
    console().print(table)
    if plan.fixed_text:
        print(f"every point: {plan.fixed_text}")
    print(f"{len(plan.points)} points x {plan.seeds} seeds = {plan.runs} runs (dry run: nothing queued)")
    if plan.sampling_seed is not None:
        print(
            f"sampling seed {plan.sampling_seed}: add `seed = {plan.sampling_seed}` under [random] to draw these again"
        )
    return 0


def follow_sweep(store, sweep_id: int) -> int:
    """A line per run as it finishes, then the best point; 0 when every run completed."""
    from engine.sweep import point_of_group

    seen: set[int] = set()
    try:
        while True:
            sweep = store.sweeps.get(sweep_id)
            for run in sorted(store.runs(sweep=sweep_id), key=lambda r: r.run_id):
                if run.run_id in seen or run.status == RunStatus.RUNNING:
                    continue
                seen.add(run.run_id)
                point = point_of_group(run.repeat_group, sweep_id)
                print(
                    f"run {run.run_id} (point {point}, seed {run.spec_json.get('seed')}) {run.status}: "
                    f"validation {pct(run.metrics['val_accuracy'], '-')}, test {pct(run.metrics['test_accuracy'], '-')}"
                    f"   [{sweep.progress.text()}]",
                    flush=True,
                )
            if sweep.progress.finished:
                break
            time.sleep(FOLLOW_POLL)
    except KeyboardInterrupt:
        print(f"\nstopped following; the sweep goes on (mnist-tui cancel --sweep {sweep_id} stops it)", file=sys.stderr)
        return 130
    _print_best(store, sweep_id)
    prog = store.sweeps.get(sweep_id).progress
    return 0 if prog.done == prog.planned else 1


def _print_best(store, sweep_id: int) -> None:
    from engine.sweep_results import sweep_results

    results = sweep_results(store, sweep_id)
    best = results.best("test") if results else None
    if best is not None:
        s = best.summary("test")
        print(f"best point so far on test: {best.index} ({best.label}): {_mean_sd(s)} over {s.n} run(s)")


def _mean_sd(s) -> str:
    return pct(s.mean, "-") if s.sd is None else f"{pct(s.mean, '-')} ± {100 * s.sd:.2f}"


# -- sweeps ------------------------------------------------------------------------------------------------
def cmd_sweeps(args) -> int:
    from engine.sweep_results import results_of
    from tui.commands.common import open_store, print_listing

    store = open_store(args)

    def as_json(s) -> dict:
        best = results_of(s, store.runs(sweep=s.sweep_id)).best("test")
        if best is None:
            return s.as_json() | {"best": None}
        return s.as_json() | {
            "best": {"point": best.index, "label": best.label, "test_accuracy": best.mean("test"), "n": best.n}
        }

    def row(s):
        best = results_of(s, store.runs(sweep=s.sweep_id)).best("test")
        p = s.progress
        return (
            str(s.sweep_id),
            literal(s.name + (" (cancelled)" if s.cancelled else "")),
            str(s.points),
            str(s.runs),
            str(p.done),
            str(p.running),
            str(p.queued),
            str(p.failed),
            "-" if best is None else f"{pct(best.mean('test'), '-')} (point {best.index})",
            s.created_at,
        )

    columns = ("sweep", "name", "points", "runs", "done", "running", "queued", "failed", "best test", "created")
    empty = "no sweeps yet: try `mnist-tui sweep FILE.toml --dry-run`"
    return print_listing(args.json, store.sweeps.all(), as_json, empty, columns, row)


def cancel_sweep(store, sweep_id: int) -> int:
    """`cancel --sweep N`: its waiting jobs off the queue, its running runs stopped after their block."""
    if store.sweeps.get(sweep_id) is None:
        raise MnistTuiError(f"no sweep {sweep_id} in {store.path} (see mnist-tui sweeps)")
    removed, stopping = store.sweeps.cancel(sweep_id)
    print(
        f"sweep {sweep_id}: {removed} waiting run(s) taken off the queue, {stopping} running run(s) stopping "
        "after the current block (kept as cancelled)"
    )
    return 0
