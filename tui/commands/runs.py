"""`mnist-tui runs`: stored runs newest first, filtered by part and status. The table leaves failed,
cancelled and interrupted runs out unless --all (or --status asks for them); --json lists every run, as
scripts reading it expect, unless a filter is given."""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING

from engine.percent import pct
from engine.status import RunStatus
from tui.text import literal

if TYPE_CHECKING:
    from engine.store import Store

STATES = ", ".join(RunStatus)


def add_run_parsers(sub, common) -> None:
    """runs, show, rm, label and model: registered together by tui/cli.py."""
    from tui.commands import label, model, rm, show
    from tui.commands.common import positive_int

    add_arguments(sub.add_parser("runs", parents=[common], help="list stored runs and their results"), positive_int)
    show.add_arguments(sub.add_parser("show", parents=[common], help="one run in full: spec, curves, epochs"))
    rm.add_arguments(sub.add_parser("rm", parents=[common], help="delete runs (asks unless --yes)"))
    label.add_arguments(sub.add_parser("label", parents=[common], help="label a run (or --note sets its note)"))
    model.add_arguments(sub.add_parser("model", parents=[common], help="write a completed run's trained .keras model"))


def run_handlers() -> dict:
    """The handler of each verb add_run_parsers registers: args -> exit status."""
    from tui.commands import label, model, rm, show

    verbs = {"runs": run, "show": show.run, "rm": rm.run, "label": label.run, "model": model.run}
    return {name: partial(_with_store, verb) for name, verb in verbs.items()}


def _with_store(verb, args) -> int:
    from tui.commands.common import console, open_store

    return verb(args, open_store(args), console())


def add_arguments(parser, positive_int) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output (with per-epoch history)")
    parser.add_argument("--limit", type=positive_int, help="only the N newest runs")
    parser.add_argument(
        "--part", metavar="PART", help="only runs of a part (1, 2, 3, 'Part One'), a preset (part2-wide) or 'own'"
    )
    parser.add_argument(
        "--status",
        choices=[s.value for s in RunStatus],
        metavar="STATUS",
        help=f"only runs with this status: {STATES}",
    )
    parser.add_argument("--all", action="store_true", help="include failed, cancelled and interrupted runs")
    parser.add_argument(
        "--sweep", type=positive_int, metavar="N", help="only the runs of sweep N (see mnist-tui sweeps)"
    )


def run(args, store: Store, console) -> int:
    from tui.run_summary import filter_runs

    if args.sweep is not None and store.sweeps.get(args.sweep) is None:
        from engine.errors import MnistTuiError

        raise MnistTuiError(f"no sweep {args.sweep} in {store.path} (see mnist-tui sweeps)")
    everything = store.runs(sweep=args.sweep)
    part = None
    if args.part is not None:  # a part, or a preset of any run or of the user's: else exit 2, not "no runs"
        from engine.part_filter import resolve_part
        from engine.presets import all_presets

        part = resolve_part(args.part, {p.id for p in all_presets()} | {r.preset for r in everything})
    records = filter_runs(everything, part, args.status, args.all or args.json)
    hidden = len(filter_runs(everything, part, args.status, True)) - len(records)
    if args.limit:
        records = records[: args.limit]
    if args.json:
        print(json.dumps([r.as_json() for r in records], indent=2))
        return 0
    note = f" ({hidden} failed/cancelled hidden: --all shows them)" if hidden else ""
    if not records:
        print(("no runs match" if everything else "no runs yet: try `mnist-tui train part1-small`") + note)
        return 0
    from tui.commands.common import listing

    table = listing(("run", "name", "part", "status", "epochs", "train", "val", "test", "s/epoch", "started"))
    for r in records:
        epochs = f"{r.epochs_completed}/{r.spec_json.get('epochs', '?')}"
        spe = f"{r.seconds_per_epoch:.2f}" if r.seconds_per_epoch else "-"
        table.add_row(
            str(r.run_id),
            literal(r.name),
            r.part or "own",
            r.status,
            epochs,
            pct(r.metrics["train_accuracy"], "-"),
            pct(r.metrics["val_accuracy"], "-"),
            pct(r.metrics["test_accuracy"], "-"),
            spe,
            r.started_at,
        )
    console.print(table)
    if note:
        print(note.strip(" ()"))
    return 0
