"""All the answers from a store: which runs, each part, the environment and the user's notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.answers.nets import SELECTION_RULE, Net, choose_latest, choose_picked
from engine.answers.paired import Evidence
from engine.answers.parts import (
    PartOneAnswer,
    PartThreeAnswer,
    PartTwoAnswer,
    WideVersusNarrow,
    part_one,
    part_three,
    part_two,
    wide_versus_narrow,
)
from engine.mnist import TEST_IMAGES, TRAIN_IMAGES, is_sample
from engine.rules import PART_TITLES, PARTS
from engine.stats import Family
from engine.status import RunStatus
from engine.store import RunRecord, Store


@dataclass(frozen=True)
class Note:
    """A free-text answer the user writes (Answers screen) and the export prints under its part."""

    key: str  # as stored
    heading: str  # in the export
    tab: str  # the Answers screen's short tab title


PART_ONE_NOTES = Note("part1", "Your notes on Part One", "Part One")
HYPOTHESIS_NOTES = Note("part2-hypothesis", "Your hypothesis for Part Two", "Part Two hypothesis")
CORRELATION_NOTES = Note("part2-correlation", "Your notes on parameters and accuracy", "Params vs accuracy")
PART_THREE_NOTES = Note("part3", "Your notes on Part Three", "Part Three")
NOTES = (PART_ONE_NOTES, HYPOTHESIS_NOTES, CORRELATION_NOTES, PART_THREE_NOTES)
NOTE_KEYS = {note.key: note.heading for note in NOTES}


@dataclass(frozen=True)
class Answers:
    nets: dict[str, Net]  # slot -> the net that answers it
    missing: tuple[str, ...]  # slots with no run
    extras: tuple[Net, ...]  # other picked nets (a user's own, a second group of a part)
    controls: tuple[Net, ...]  # control nets: outside the rules, never an answer
    part_one: tuple[PartOneAnswer, ...]
    part_two: PartTwoAnswer
    part_three: PartThreeAnswer
    environment: list[tuple[str, str]]
    picked: bool  # built from runs the user picked, not the latest of each part
    notes: dict[str, str] = field(default_factory=dict)
    wide_vs_narrow: WideVersusNarrow | None = None
    family: Family | None = None  # every comparison made, for Holm's correction
    unpicked: dict[str, tuple[int, ...]] = field(default_factory=dict)  # slot -> completed runs not picked
    labels_missing: dict[str, str] = field(default_factory=dict)  # data source -> why its labels are unread

    @property
    def rule(self) -> str:
        """Which runs answer, in words."""
        if self.picked:
            return "exactly the runs picked in Compare; runs of one part with the same spec bar the seed are one net"
        return SELECTION_RULE

    @property
    def all_nets(self) -> list[Net]:
        """Every net that is an exercise result (slots in part order, then extras); controls apart."""
        return [self.nets[s] for s in PARTS if s in self.nets] + list(self.extras)

    @property
    def sample_note(self) -> str | None:
        """'a sample of N images, not the full MNIST' when any net trained or tested on less than all of it."""
        nets = self.all_nets + list(self.controls)
        sizes = {tuple(r.sizes.get(k) for k in ("train", "validation", "test")) for n in nets for r in n.runs}
        notes = []
        for train, val, test in sorted(sizes, key=str):
            if train is None or test is None:
                continue
            fit = train + (val or 0)
            if is_sample(train, val or 0, test):
                notes.append(
                    f"{train:,} training, {val or 0:,} validation and {test:,} test images: a sample of "
                    f"{fit + test:,} images, not the full MNIST ({TRAIN_IMAGES:,} training and "
                    f"{TEST_IMAGES:,} test images)"
                )
        return "; ".join(notes) or None


def build_answers(store: Store, run_ids: list[int] | None = None) -> Answers:
    """The exercise's answers from a store.

    run_ids None: each part is answered by its latest completed exercise run together with that run's
    repeats (the runs sharing its repeat group), and the controls are the latest control group of each
    Part Two net and change.
    run_ids given: exactly those runs and no other. Picked runs of one part and one spec (seeds aside) are
    one net, their mean ± sd over the runs; a part's newest such net answers it and any other picked net
    (a user's own, another spec of the same part) is listed beside them as an extra; picked control runs
    are the controls. A part none of the picked runs answers is missing.
    """
    runs = store.runs()
    chosen = choose_picked(runs, run_ids) if run_ids is not None else choose_latest(runs)
    nets = chosen.nets
    everyone = [nets[s] for s in PARTS if s in nets] + list(chosen.extras)
    ev = Evidence(store)
    missing = tuple(s for s in PARTS if s not in nets)
    unpicked = {}
    if run_ids is not None:
        for slot in missing:
            done = (r for r in runs if r.part == slot and r.status == RunStatus.COMPLETED and r.kind != "control")
            ids = tuple(sorted(r.run_id for r in done))
            if ids:
                unpicked[slot] = ids
    p1 = part_one(nets, ev)
    versus = wide_versus_narrow(nets, ev)
    p2 = part_two(nets, chosen.controls, ev)
    p3 = part_three(nets, everyone, ev)
    return Answers(
        nets=nets,
        missing=missing,
        extras=chosen.extras,
        controls=chosen.controls,
        part_one=p1,
        part_two=p2,
        part_three=p3,
        environment=environment(everyone + list(chosen.controls)),
        picked=run_ids is not None,
        notes=store.get_notes(),
        wide_vs_narrow=versus,
        family=ev.family,
        unpicked=unpicked,
        labels_missing=dict(ev.labels_missing),
    )


def answers(store: Store, chosen_run_ids: list[int] | None = None) -> Answers:
    """build_answers under its older name; an empty pick means the default choice, as it always did."""
    return build_answers(store, chosen_run_ids or None)


def slot_title(slot: str) -> str:
    return PART_TITLES.get(slot, slot)


# -- environment ------------------------------------------------------------------------------------
def environment(nets: list[Net]) -> list[tuple[str, str]]:
    """(label, value) rows; a value that differs between runs lists each with its runs."""
    runs = [r for n in nets for r in n.runs]

    def collect(get) -> str:
        seen: dict[str, list[int]] = {}
        for r in runs:
            value = get(r)
            seen.setdefault("unknown" if value in (None, "") else str(value), []).append(r.run_id)
        if len(seen) == 1:
            return next(iter(seen))
        return "; ".join(f"{v} (run{'s' * (len(ids) > 1)} {_id_list(ids)})" for v, ids in seen.items())

    if not runs:
        return []
    rows = [
        ("Python", collect(lambda r: r.versions.get("python"))),
        ("Keras", collect(lambda r: r.versions.get("keras"))),
        ("TensorFlow", collect(lambda r: r.versions.get("tensorflow"))),
        ("Keras backend", collect(lambda r: r.backend or r.versions.get("backend"))),
        ("Device", collect(lambda r: r.device or r.versions.get("device"))),
        ("Platform", collect(lambda r: r.versions.get("platform"))),
        ("Data", collect(lambda r: r.data_source)),
        ("Examples (train / validation / test)", collect(_sizes)),
    ]
    backends = {r.backend for r in runs} - {None, "tensorflow"}
    for lib in sorted(backends):  # e.g. JAX's version when runs used that backend
        rows.insert(3, (lib.upper() if lib == "jax" else lib, collect(lambda r, lib=lib: r.versions.get(lib))))
    return rows


def _id_list(ids: list[int]) -> str:
    """'1, 2, 3, 7' -> '1-3, 7': a store of repeats lists many runs."""
    ids = sorted(ids)
    out, start = [], ids[0]
    for a, b in zip(ids, [*ids[1:], None], strict=True):
        if b != a + 1:
            out.append(str(start) if start == a else f"{start}-{a}")
            start = b
    return ", ".join(out)


def _sizes(run: RunRecord) -> str | None:
    s = run.sizes
    if not any(s.values()):
        return None
    return " / ".join(f"{s[k]:,}" if s.get(k) is not None else "?" for k in ("train", "validation", "test"))
