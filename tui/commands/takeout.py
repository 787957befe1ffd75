"""`mnist-tui tensorboard RUN... [--all] --out DIR`: stored runs as TensorBoard event files with their
hyperparameters (HParams), for `tensorboard --logdir DIR` (engine/takeout/tensorboard.py writes them)."""

from __future__ import annotations

import sys

from engine.errors import MnistTuiError, SpecError
from engine.status import RunStatus
from tui.commands.common import open_store


def add_parser(sub, common) -> None:
    p = sub.add_parser(
        "tensorboard", parents=[common], help="write runs as TensorBoard event files (curves, gradients, HParams)"
    )
    p.add_argument("runs", nargs="*", type=int, metavar="RUN", help="run ids (see mnist-tui runs --all)")
    p.add_argument("--all", action="store_true", help="every stored run with at least one finished epoch")
    p.add_argument("--out", metavar="DIR", required=True, help="the folder for the event files (made if missing)")
    p.add_argument("--force", action="store_true", help="replace the event files of runs already in DIR")


def cmd_tensorboard(args) -> int:
    from tui.commands.show import find_run

    if bool(args.runs) == bool(args.all):
        raise SpecError("give run ids or --all (not both)")
    store = open_store(args)
    if args.all:
        runs = [r for r in reversed(store.runs()) if r.history]
        if not runs:
            raise MnistTuiError(f"no run with a finished epoch in {store.path}")
    else:
        runs = [find_run(store, run_id) for run_id in dict.fromkeys(args.runs)]
    try:
        from engine.takeout.tensorboard import export_runs
    except ImportError as exc:
        raise MnistTuiError(f"the tensorboard package is missing ({exc}): pip install tensorboard") from None
    written = export_runs(runs, args.out, replace=args.force)
    for w in written:
        print(f"run {w.run_id}: {w.epochs} epoch(s) -> {w.folder}")
    still = [r.run_id for r in runs if r.status == RunStatus.RUNNING]
    if still:
        print(f"run {', '.join(map(str, still))} is still training: exported as far as it got", file=sys.stderr)
    print(f"view with: tensorboard --logdir {args.out}")
    return 0
