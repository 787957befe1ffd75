"""`mnist-tui cancel [RUN...] [--all]`: stop runs from any terminal, saying truly what each will do: a run
stopped partway is kept as cancelled; one that has trained every epoch is evaluating and completes; a job
still loading ends before training. --all also empties the queue."""

from __future__ import annotations

import sys

from engine.errors import MnistTuiError
from engine.paths import APP


def add_parser(sub, common) -> None:
    from tui.commands.common import positive_int

    p = sub.add_parser("cancel", parents=[common], help="stop runs (kept as cancelled) from any terminal")
    p.add_argument("runs", nargs="*", type=positive_int, metavar="RUN", help="run ids (default: what trains now)")
    p.add_argument("--all", action="store_true", help="also empty the queue")
    p.add_argument("--sweep", type=positive_int, metavar="N", help="stop sweep N: its queued runs and running ones")


def cmd_cancel(args) -> int:
    from engine.store.cancel import cancel_training, report_lines
    from tui.commands.common import open_store

    store = open_store(args)
    if args.sweep is not None:
        from tui.commands.sweep import cancel_sweep

        return cancel_sweep(store, args.sweep)
    for run_id in args.runs:  # all or nothing: an unknown id cancels nothing
        if store.get_run(run_id) is None:
            raise MnistTuiError(f"no run {run_id} in {store.path} (see mnist-tui runs --all)")
    cleared = store.jobs.clear() if args.all else 0
    report = cancel_training(store, list(args.runs) or None)
    for run_id in report.ended:
        if run_id in args.runs:
            run = store.get_run(run_id)
            print(f"{APP}: run {run_id} is not training ({run.status if run else 'deleted'})", file=sys.stderr)
    for line in report_lines(report):
        print(line)
    if cleared:
        print(f"{cleared} waiting job(s) taken off the queue")
    if not report.anything and not cleared and not args.runs:
        ended = [r for r in report.ended if r not in args.runs]
        print(f"run(s) {', '.join(map(str, ended))} just ended" if ended else "nothing is training")
    return 0
