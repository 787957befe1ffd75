"""What every subcommand shares: argument types that explain a bad value in one line, the run store the
arguments name, and a console for tables."""

from __future__ import annotations

import argparse
import json
import sys

from engine.paths import APP

MAX_DIGITS = 12  # no count, size or id of this app has more digits; int() of thousands of them is refused


def positive_int(text: str) -> int:
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number (got {text!r})")
    return value


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None


def whole(text: str) -> int:
    digits = text.strip().lstrip("+-")
    if digits.isdigit() and len(digits) > MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"is far too large ({len(digits):,} digits; got {text!r})")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


def open_store(args):
    """The store the arguments name; a row it cannot read is left out with a warning on stderr."""
    from engine.store import Store

    return Store(getattr(args, "store", None), on_bad_row=warn_bad_row)


def warn_bad_row(bad) -> None:
    print(f"{APP}: warning: {bad}; left out", file=sys.stderr)


def listing(columns, right=()):
    """The house table of a command's listing (runs, queue, sweeps, a sweep's points): no box, bold
    headers, the `right` columns right-aligned."""
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left")
    return table


def print_listing(as_json: bool, items, to_json, empty: str, columns, row, right=()) -> int:
    """A command's listing: the items as one JSON list (--json), else the `empty` line when there are none,
    else the house table with a `row(item)` (its cells) for each."""
    if as_json:
        print(json.dumps([to_json(item) for item in items], indent=2))
    elif not items:
        print(empty)
    else:
        table = listing(columns, right)
        for item in items:
            table.add_row(*row(item))
        console().print(table)
    return 0


def console():
    from rich.console import Console

    # piped output is not squeezed to 80 columns: a table that folds is useless to grep
    return Console() if sys.stdout.isatty() else Console(width=200)


def silence_stdout() -> None:
    """After a broken pipe Python would complain again while flushing stdout at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def epoch_line(e, total) -> str:
    """One finished epoch (an EpochEnd event or a stored EpochRow: the same fields) as `train` prints it while
    it trains and `watch` while it reads the store."""
    from engine.percent import pct
    from tui.format import loss

    return (
        f"epoch {e.epoch:>3}/{total}  loss {loss(e.loss)}  acc {pct(e.accuracy, '-')} (epoch mean)  "
        f"val_loss {loss(e.val_loss)}  val_acc {pct(e.val_accuracy, '-')}  {e.seconds or 0:.2f}s"
    )


def end_line(run_id, status, epochs, train, val, test, seconds_per_epoch=None, error=None) -> str:
    """How a run ended, in one line: its three accuracies when it was evaluated (the final model on each whole
    split, not the epochs' running means the epoch lines print), and why when it failed."""
    from engine.errors import one_line
    from engine.percent import pct

    line = f"run {run_id} {status} after {epochs} epoch(s)"
    if test is not None:
        line += f": final model evaluated: train {pct(train, '-')}, validation {pct(val, '-')}, test {pct(test, '-')}"
    if seconds_per_epoch is not None:
        line += f", {seconds_per_epoch:.2f}s/epoch"
    if error:
        line += f" ({one_line(error)})"
    return line
