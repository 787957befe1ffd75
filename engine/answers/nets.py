"""A net as the answers see it: one spec's completed runs (its repeats over seeds, or a single run), and
which runs answer the exercise.

Every figure of a net is a Summary over its runs (mean, standard deviation, n), so one run and five
repeats read the same way; the sizes of its splits come along for the sampling noise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.rules import PARTS, check_rules, outside_rules
from engine.spec import ParamCounts, count_params
from engine.stats import Summary, summarize
from engine.status import RunStatus
from engine.store import EpochRow, RunRecord

SPLITS = {"train": "train", "val": "validation", "test": "test"}  # metric prefix -> the store's size key


@dataclass(frozen=True)
class Net:
    """One spec's runs. `slot` is the exercise part it answers; None for any other net (a user's own, a
    second group of a part the user also picked, or a control)."""

    slot: str | None
    runs: tuple[RunRecord, ...]  # oldest first, at least one

    def __repr__(self) -> str:  # the runs' full histories would drown a traceback
        return f"Net(slot={self.slot!r}, name={self.name!r}, run_ids={self.run_ids})"

    # -- what it is --------------------------------------------------------------------------------
    @property
    def run(self) -> RunRecord:
        """The first run: its spec (bar the seed) and environment stand for the group's."""
        return self.runs[0]

    @property
    def run_id(self) -> int:
        return self.run.run_id

    @property
    def run_ids(self) -> list[int]:
        return [r.run_id for r in self.runs]

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def name(self) -> str:
        return self.run.name

    @property
    def part(self) -> str | None:
        return self.run.part

    @property
    def kind(self) -> str:
        return self.run.kind

    @property
    def spec_json(self) -> dict:
        return self.run.spec_json

    def hyper(self, key: str, default=None):
        return self.run.spec_json.get(key, default)

    @property
    def hidden_layers(self) -> list[int]:
        return list(self.hyper("hidden_layers", []))

    @property
    def params(self) -> ParamCounts:
        return count_params(self.hidden_layers)

    @property
    def learning_rate(self) -> float | None:
        return self.hyper("learning_rate")

    @property
    def epochs_planned(self) -> int | None:
        return self.hyper("epochs")

    @property
    def seeds(self) -> list:
        return [r.spec_json.get("seed") for r in self.runs]

    @property
    def epochs_completed(self) -> int:
        """The fewest epochs any of its runs finished (they match unless one was cut short)."""
        return min(r.epochs_completed for r in self.runs)

    @property
    def outside_rules(self) -> list[str]:
        """Why this net is outside the exercise rules (empty when it meets them)."""
        if self.run.spec is None:
            return ["spec stored by another version: rules not checked"]
        return outside_rules(check_rules(self.run.spec, self.part if self.part in PARTS else None))

    # -- what it measured --------------------------------------------------------------------------
    def accuracy(self, split: str) -> Summary | None:
        """'train', 'val' or 'test' accuracy of the final model, over the runs that have one."""
        return summarize([r.metrics.get(f"{split}_accuracy") for r in self.runs])

    def accuracies(self, split: str) -> list[float]:
        s = self.accuracy(split)
        return list(s.values) if s else []

    def split_size(self, split: str) -> int | None:
        return self.run.sizes.get(SPLITS[split])

    @property
    def train_accuracy(self) -> float | None:
        s = self.accuracy("train")
        return s.mean if s else None

    @property
    def val_accuracy(self) -> float | None:
        s = self.accuracy("val")
        return s.mean if s else None

    @property
    def test_accuracy(self) -> float | None:
        s = self.accuracy("test")
        return s.mean if s else None

    def val_after(self, epoch: int) -> Summary | None:
        """Validation accuracy after `epoch` over the runs that reached it."""
        return summarize([e.val_accuracy for r in self.runs for e in r.history if e.epoch == epoch])

    def epoch(self, n: int) -> EpochRow | None:
        return next((e for e in self.run.history if e.epoch == n), None)

    def first_epoch_above(self, threshold: float) -> list[int | None]:
        """Per run, the first epoch whose validation accuracy beat `threshold` (None: never)."""
        return [next((e.epoch for e in r.history if (e.val_accuracy or 0) > threshold), None) for r in self.runs]

    @property
    def timed_runs(self) -> list[RunRecord]:
        """The runs whose epoch seconds are their own: a stacked run's (extra["stacked"], several seeds in one
        program, engine/stacked.py) are the whole stack's, so it is left out of the seconds."""
        return [r for r in self.runs if r.history and not r.stacked]

    @property
    def first_epoch_seconds(self) -> Summary | None:
        return summarize([r.history[0].seconds for r in self.timed_runs])

    @property
    def later_epoch_seconds(self) -> Summary | None:
        """Every epoch after the first, over all runs: the first includes building the compiled graph."""
        return summarize([e.seconds for r in self.timed_runs for e in r.history[1:]])

    @property
    def predicted_counts(self) -> list[list[int] | None]:
        """Per run, how many test images the final model gave each digit (None: not recorded)."""
        out = []
        for r in self.runs:
            counts = r.extra.get("test_predicted_counts")
            ok = isinstance(counts, list) and counts and all(isinstance(c, int) for c in counts)
            out.append(counts if ok else None)
        return out


def _spec_key(run: RunRecord) -> str:
    """What repeats share: the spec without its seed and name."""
    spec = {k: v for k, v in run.spec_json.items() if k not in ("seed", "name", "description")}
    return json.dumps(spec, sort_keys=True)


def _settings_key(run: RunRecord) -> tuple:
    """What runs answering one question together share: the spec bar its seed and name, the data and the
    split sizes. Runs alike in all of these are repeats of one experiment, however they were queued."""
    sizes = tuple(run.sizes.get(k) for k in ("train", "validation", "test"))
    return run.kind, run.part, _spec_key(run), run.data_source, sizes


SELECTION_RULE = (
    "each part is answered by every completed run of its preset with the same settings as its latest "
    "completed run (the spec bar its seed, the data and the split sizes): repeats and later runs alike "
    "count together, and a run with other settings starts a new group that replaces the old one"
)


@dataclass(frozen=True)
class Chosen:
    nets: dict[str, Net]  # slot -> the net that answers it
    extras: tuple[Net, ...]  # other picked nets (no slot)
    controls: tuple[Net, ...]  # control nets, by part


def choose_latest(runs: list[RunRecord]) -> Chosen:
    """SELECTION_RULE: for each part (and each control change of it), the completed runs sharing the
    settings of its latest completed run."""
    done = sorted((r for r in runs if r.status == RunStatus.COMPLETED and r.part in PARTS), key=lambda r: r.run_id)
    latest: dict[tuple, RunRecord] = {}
    for run in done:  # oldest first: later runs overwrite
        slot = (run.part, _spec_key(run)) if run.kind == "control" else (run.part,)
        latest[(run.kind, *slot)] = run
    by_slot: dict[str, Net] = {}
    controls: list[Net] = []
    for (kind, part, *_), last in latest.items():
        group = tuple(r for r in done if _settings_key(r) == _settings_key(last))
        if kind == "control":
            controls.append(Net(None, group))
        else:
            by_slot[part] = Net(part, group)
    return Chosen(by_slot, (), _ordered_controls(controls))


def choose_picked(runs: list[RunRecord], run_ids: list[int]) -> Chosen:
    """Exactly the runs picked. Runs of one part and one spec (seeds aside) are one net, their repeats;
    a part's newest such net answers it, any other picked net is an extra."""
    wanted = set(run_ids)
    picked = sorted((r for r in runs if r.run_id in wanted), key=lambda r: r.run_id)
    groups: dict[tuple, list[RunRecord]] = {}
    for run in picked:
        groups.setdefault((run.kind, run.part, _spec_key(run)), []).append(run)
    by_slot: dict[str, Net] = {}
    extras: list[Net] = []
    controls: list[Net] = []
    for (kind, part, _), group in sorted(groups.items(), key=lambda kv: kv[1][-1].run_id):
        if kind == "control":
            controls.append(Net(None, tuple(group)))
        elif part in PARTS:
            if part in by_slot:
                extras.append(Net(None, by_slot[part].runs))
            by_slot[part] = Net(part, tuple(group))
        else:
            extras.append(Net(None, tuple(group)))
    return Chosen(by_slot, tuple(sorted(extras, key=lambda n: n.run_id)), _ordered_controls(controls))


def _ordered_controls(nets) -> tuple[Net, ...]:
    order = {p: i for i, p in enumerate(PARTS)}
    return tuple(sorted(nets, key=lambda n: (order.get(n.part, 99), n.run_id)))
