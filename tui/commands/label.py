"""`mnist-tui label RUN TEXT`: name a run (shown instead of its spec's name); an empty TEXT clears it.
--note writes the run's note instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.commands.show import find_run

if TYPE_CHECKING:
    from engine.store import Store


def add_arguments(parser) -> None:
    parser.add_argument("run", type=int, metavar="RUN", help="a run id (see mnist-tui runs)")
    parser.add_argument("text", metavar="TEXT", help="the label ('' clears it)")
    parser.add_argument("--note", action="store_true", help="set the run's note instead of its label")


def run(args, store: Store, console) -> int:
    record = find_run(store, args.run)
    text = args.text.strip()
    if args.note:
        store.set_run_note(record.run_id, text)
    else:
        store.set_label(record.run_id, text)
    what = "note" if args.note else "label"
    print(f"run {record.run_id}: {what} {'cleared' if not text else 'set'}")
    return 0
