"""`mnist-tui rm RUN...`: delete runs and their epochs. Asks first unless --yes; never a running run."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from engine.errors import MnistTuiError
from engine.status import RunStatus
from tui.commands.show import find_run

if TYPE_CHECKING:
    from engine.store import Store


def add_arguments(parser) -> None:
    parser.add_argument("runs", type=int, nargs="+", metavar="RUN", help="run ids (see mnist-tui runs --all)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask")


def run(args, store: Store, console) -> int:
    records = [find_run(store, run_id) for run_id in dict.fromkeys(args.runs)]  # all or nothing
    running = [r.run_id for r in records if r.status == RunStatus.RUNNING]
    if running:
        raise MnistTuiError(f"run {', '.join(map(str, running))} is training: stop it before deleting")
    names = ", ".join(f"{r.run_id} ({r.name})" for r in records)
    if not args.yes:
        if not sys.stdin.isatty():
            raise MnistTuiError(f"would delete run {names}: add --yes to confirm when not at a terminal")
        answer = input(f"Delete run {names} and their epochs? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    for r in records:
        store.delete_run(r.run_id)
    print(f"deleted run {names}")
    return 0
