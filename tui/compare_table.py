"""Compare's table of runs: its columns (what each shows and what it sorts by) and the sort itself, fitted to
80 columns. Plain functions of the run records, so the screen only keeps which column and which way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.text import Text

from engine.rules import PART_TITLES
from engine.spec import ParamCounts, count_params
from engine.status import RunStatus
from engine.store import RunRecord
from tui.format import clip, list_name, lr_text, seed_text
from tui.run_summary import filter_runs

NAME_WIDTH = 15  # with the rest, 80 columns exactly
PARTS = (None, "Part One", "Part Two", "Part Three", *PART_TITLES.keys(), "own")  # p cycles through them
STATUSES = (None, *RunStatus)  # and f these, in the enum's order


def percent(x: float | None) -> str:
    """A table cell: the percentage without its sign (the column's header has it)."""
    return "-" if x is None else f"{100 * x:.2f}"


def params_of(run: RunRecord) -> ParamCounts:
    return count_params(run.spec_json.get("hidden_layers", []))


def _setup_key(run: RunRecord):
    """Sorts by learning rate, then seed (the two settings runs of one preset differ in)."""
    lr, seed = run.spec_json.get("learning_rate"), run.spec_json.get("seed")
    return None if lr is None else (lr, seed if isinstance(seed, int) else -1)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[RunRecord], object]  # what the column sorts by
    text: Callable[[RunRecord], str]  # what it shows
    numeric: bool = True  # numbers sort best-first (descending) when first chosen


# narrow columns: at 80 columns the last ones scroll into view; the run screen (enter) has everything else
COLUMNS = (
    Column("run", "run", lambda r: r.run_id, lambda r: str(r.run_id)),
    Column("name", "name", lambda r: list_name(r).lower(), lambda r: clip(list_name(r), NAME_WIDTH), numeric=False),
    # runs of one preset differ in these: repeats by seed, a control by its change (led by it in the name)
    Column("setup", "seed lr", _setup_key, lambda r: f"{seed_text(r.spec_json)} {lr_text(r.spec_json)}"),
    Column("status", "status", lambda r: r.status, lambda r: r.status, numeric=False),
    # accuracies in percent, the sign in the header: a column each, so the table fits 80 columns
    Column("val", "val%", lambda r: r.metrics["val_accuracy"], lambda r: percent(r.metrics["val_accuracy"])),
    Column("test", "test%", lambda r: r.metrics["test_accuracy"], lambda r: percent(r.metrics["test_accuracy"])),
    Column("train", "train%", lambda r: r.metrics["train_accuracy"], lambda r: percent(r.metrics["train_accuracy"])),
    Column("params", "params", lambda r: params_of(r).total, lambda r: f"{params_of(r).total:,}"),
    Column("epochs", "ep", lambda r: r.epochs_completed, lambda r: str(r.epochs_completed)),
)
COLUMN_KEYS = [c.key for c in COLUMNS]


def column(key: str) -> Column:
    return COLUMNS[COLUMN_KEYS.index(key)]


@dataclass(frozen=True)
class TableView:
    """Which runs the table shows and in what order: a key changes one field, and the table is filled again."""

    sort_key: str = "run"
    descending: bool = True
    part: str | None = None  # an exercise part, a preset id or "own" (tui/run_summary.filter_runs)
    status: str | None = None
    show_hidden: bool = False  # failed, cancelled and interrupted runs too

    def sorted_by(self, key: str, descending: bool | None = None) -> TableView:
        """By column `key`: numbers best-first (descending) unless told, text A-Z."""
        return replace(self, sort_key=key, descending=column(key).numeric if descending is None else descending)

    def next_sort(self) -> TableView:
        return self.sorted_by(COLUMN_KEYS[(COLUMN_KEYS.index(self.sort_key) + 1) % len(COLUMN_KEYS)])

    def flipped(self) -> TableView:
        return replace(self, descending=not self.descending)

    def next_part(self) -> TableView:
        return replace(self, part=PARTS[(PARTS.index(self.part) + 1) % len(PARTS)])

    def next_status(self) -> TableView:
        return replace(self, status=STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)])

    def shown(self, runs: list[RunRecord]) -> list[RunRecord]:
        """The runs the table shows, in its order."""
        return sort_runs(filter_runs(runs, self.part, self.status, self.show_hidden), self.sort_key, self.descending)

    def line(self, runs: list[RunRecord], picked: int) -> Text:
        """The line above the table: the order, the picks, the filters, what they hide."""
        line = Text.assemble(("Runs", "bold"), f" by {column(self.sort_key).label} {'↓' if self.descending else '↑'}")
        line.append(f" · {picked} picked")
        if self.part:
            line.append(f" · part {self.part}", style="bold")
        if self.status:
            line.append(f" · {self.status}", style="bold")
        every = filter_runs(runs, self.part, self.status, True)
        if hidden := len(every) - len(filter_runs(runs, self.part, self.status, self.show_hidden)):
            line.append(f" · {hidden} failed/cancelled hidden (h)", style="dim")
        if not runs:
            line.append(" · no runs yet: train one from Home (t)", style="dim")
        return line


def sort_runs(runs: list[RunRecord], key: str, descending: bool) -> list[RunRecord]:
    """Runs ordered by a column; runs with no value in it (no evaluation yet) always go last."""
    value = column(key).value
    known = [r for r in runs if value(r) is not None]
    unknown = [r for r in runs if value(r) is None]
    return sorted(known, key=value, reverse=descending) + unknown
