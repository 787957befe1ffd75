"""Each part's questions answered in numbers and verdicts (no words: engine/report words them)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.answers.curves import CurveFacts, curve_facts
from engine.answers.evidence import (
    BEAT_THRESHOLD,
    ControlResult,
    Correlation,
    GradientEvidence,
    Predictions,
    control_results,
    correlation,
    gradient_evidence,
    gradient_evidence_all_runs,
)
from engine.answers.nets import Net
from engine.answers.paired import Evidence, NetConfusion
from engine.rules import PART_ONE, PART_THREE, PART_THREE_GOAL, PART_TWO
from engine.stats import Gap, Summary, gap_between, one_sided_lower

QUESTION_EPOCH = 10  # "How accurate was this model on the validation data after 10 epochs?"
GOAL = PART_THREE_GOAL
SIMILAR_EPOCHS_RATIO = 1.25  # epoch counts within 25% of each other count as "similar"


@dataclass(frozen=True)
class PartOneAnswer:
    slot: str
    net: Net | None  # None: no run, the question is unanswered
    val_at_question_epoch: Summary | None  # from the epoch-10 history rows
    train_gap: Gap | None  # final train - final validation accuracy (fractions, not points)
    test_gap: Gap | None  # final test - final validation accuracy
    curves: tuple[CurveFacts, ...] = ()  # per run
    confusion: NetConfusion | None = None


def part_one(nets: dict[str, Net], ev: Evidence) -> tuple[PartOneAnswer, ...]:
    out = []
    for slot in PART_ONE:
        net = nets.get(slot)
        if net is None:
            out.append(PartOneAnswer(slot, None, None, None, None))
            continue
        out.append(
            PartOneAnswer(
                slot,
                net,
                net.val_after(QUESTION_EPOCH),
                ev.splits(net, "train", "val"),
                ev.splits(net, "test", "val"),
                run_curves(net),
                ev.net_confusion(net),
            )
        )
    return tuple(out)


def run_curves(net: Net) -> tuple[CurveFacts, ...]:
    return tuple(f for r in net.runs if (f := curve_facts(r)))


@dataclass(frozen=True)
class WideVersusNarrow:
    """Part One's two nets side by side on test: the large (wide) one minus the small (narrow) one."""

    wide: Net
    narrow: Net
    test_gap: Gap | None


def wide_versus_narrow(nets: dict[str, Net], ev: Evidence) -> WideVersusNarrow | None:
    wide, narrow = nets.get(PART_ONE[0]), nets.get(PART_ONE[1])
    if wide is None or narrow is None:
        return None
    return WideVersusNarrow(wide, narrow, ev.nets(wide, narrow))


@dataclass(frozen=True)
class BestFigure:
    net: Net
    split: str  # "validation" or "test"
    value: float  # the mean over the net's runs
    best_single: float  # the best run's figure


@dataclass(frozen=True)
class PartTwoAnswer:
    nets: tuple[Net, ...]
    missing: tuple[str, ...]
    beat_20: bool | None  # None: no Part Two run to judge
    best: BestFigure | None  # the best mean validation/test figure of the Part Two nets
    any_run_beat_20: bool | None  # whether any single run beat 20% (the mean may not)
    predictions: tuple[Predictions, ...]
    within_gaps: tuple[tuple[Net, Net, Gap], ...]  # every pair of Part Two nets, test accuracy
    deep_first: tuple[GradientEvidence, ...]  # first epoch's probe of each Part Two net
    deep_evidence: tuple[GradientEvidence, ...]  # last epoch's probe of each Part Two net
    deep_all_runs: tuple[GradientEvidence, ...]  # last probe of every Part Two run
    shallow_evidence: tuple[GradientEvidence, ...]  # the Part One nets, for contrast
    correlation: Correlation
    controls: tuple[ControlResult, ...]
    baseline: tuple[int, float] | None = None  # the test set's most common digit and its share

    @property
    def vanishing_supported(self) -> bool | None:
        """Whether the deep nets' first layers get orders of magnitude less gradient than the shallow nets'.

        Supported when every deep run's first/last gradient ratio is at least 2 orders of magnitude larger
        than the largest shallow ratio (or 3 orders on its own when there is no Part One evidence)."""
        evidence = self.deep_all_runs or self.deep_evidence
        if not evidence:
            return None
        deep = [math.inf if e.orders is None else e.orders for e in evidence]  # a first-layer gradient of 0
        shallow = [e.orders for e in self.shallow_evidence if e.orders is not None]
        floor = (max(shallow) + 2) if shallow else 3
        return min(deep) >= floor

    @property
    def all_within_noise(self) -> bool | None:
        """Whether every pair of Part Two nets' test accuracies is within noise (None: fewer than 2 nets)."""
        if not self.within_gaps:
            return None
        return all(g.within_noise for _, _, g in self.within_gaps)


def part_two(nets: dict[str, Net], controls: tuple[Net, ...], ev: Evidence) -> PartTwoAnswer:
    present = tuple(nets[s] for s in PART_TWO if s in nets)
    figures = []
    for n in present:
        for split, key in (("validation", "val"), ("test", "test")):
            s = n.accuracy(key)
            if s:
                figures.append(BestFigure(n, split, s.mean, s.high))
    best = max(figures, key=lambda f: f.value, default=None)
    pairs = []
    for i, a in enumerate(present):
        for b in present[i + 1 :]:
            g = ev.nets(b, a)
            if g:
                pairs.append((a, b, g))
    shallow = [nets[s] for s in PART_ONE if s in nets]
    answering = [nets[s] for s in (*PART_ONE, *PART_TWO) if s in nets]
    apart = [nets[PART_THREE]] if PART_THREE in nets else []
    return PartTwoAnswer(
        nets=present,
        missing=tuple(s for s in PART_TWO if s not in nets),
        beat_20=None if best is None else best.value > BEAT_THRESHOLD,
        best=best,
        any_run_beat_20=None if not figures else any(f.best_single > BEAT_THRESHOLD for f in figures),
        predictions=tuple(Predictions(n, tuple(n.predicted_counts)) for n in present),
        within_gaps=tuple(pairs),
        deep_first=tuple(e for n in present if (e := gradient_evidence(n, "first"))),
        deep_evidence=tuple(e for n in present if (e := gradient_evidence(n, "last"))),
        deep_all_runs=tuple(e for n in present for e in gradient_evidence_all_runs(n)),
        shallow_evidence=tuple(e for n in shallow for e in gradient_evidence_all_runs(n)),
        correlation=correlation(answering, apart),
        controls=control_results(controls, nets, ev),
        baseline=ev.majority_share(present[0]) if present else None,
    )


@dataclass(frozen=True)
class AgainstPartOne:
    """Part Three set beside one Part One net."""

    part_one: Net
    test_gap: Gap | None  # Part Three test - this net's test
    gen_gap_p3: Gap | None  # Part Three train - validation (its generalisation gap)
    gen_gap_p1: Gap | None  # this net's train - validation
    gen_gap_diff: Gap | None  # the first minus the second


@dataclass(frozen=True)
class GoalSplit:
    """One split against the 92% goal, a one-sided question."""

    split: str  # "val" or "test"
    summary: Summary
    runs_above: int  # how many runs cleared the goal
    lower_bound: float  # one-sided 95% lower bound of the mean (seeds and the images' sampling noise)

    @property
    def all_runs_above(self) -> bool:
        return self.runs_above == self.summary.n


@dataclass(frozen=True)
class Dip:
    """A run whose validation accuracy fell back under the goal after first clearing it."""

    run_id: int
    first_epoch: int  # first epoch above the goal
    low_epoch: int  # the lowest later epoch
    low: float


@dataclass(frozen=True)
class PartThreeAnswer:
    net: Net | None
    goal: tuple[GoalSplit, ...]  # validation, then test
    first_epoch_over_goal: list[int | None]  # per run, the first epoch whose validation accuracy beat 92%
    dips: tuple[Dip, ...]
    best_on_test: tuple[Net, ...]  # of every net in the answers with the best mean test accuracy
    runner_up: tuple[Net, Gap] | None  # the next best net and the best's lead over it
    part_one_best: Net | None  # the Part One net with the best test accuracy, for the comparison
    similar_epochs: bool | None
    against: tuple[AgainstPartOne, ...]
    curves: tuple[CurveFacts, ...] = ()
    confusion: NetConfusion | None = None

    @property
    def met(self) -> bool | None:
        """Every run above the goal on both splits (None: no Part Three evaluation)."""
        if len(self.goal) < 2:
            return None
        return all(g.all_runs_above for g in self.goal)


def goal_split(net: Net, split: str) -> GoalSplit | None:
    s = net.accuracy(split)
    if s is None:
        return None
    return GoalSplit(split, s, sum(v > GOAL for v in s.values), one_sided_lower(s, net.split_size(split)))


def dips(net: Net) -> tuple[Dip, ...]:
    out = []
    for r in net.runs:
        rows = [e for e in r.history if e.val_accuracy is not None]
        first = next((e for e in rows if e.val_accuracy > GOAL), None)
        later = [e for e in rows if first and e.epoch > first.epoch]
        low = min(later, key=lambda e: e.val_accuracy, default=None)
        if first and low and low.val_accuracy <= GOAL:
            out.append(Dip(r.run_id, first.epoch, low.epoch, low.val_accuracy))
    return tuple(out)


def part_three(nets: dict[str, Net], everyone: list[Net], ev: Evidence) -> PartThreeAnswer:
    net = nets.get(PART_THREE)
    tested = sorted((n for n in everyone if n.test_accuracy is not None), key=lambda n: -n.test_accuracy)
    top = tested[0].test_accuracy if tested else None
    best_on_test = tuple(n for n in tested if n.test_accuracy == top)
    rest = [n for n in tested if n.test_accuracy != top]
    runner_up = None
    if best_on_test and rest:
        g = ev.nets(best_on_test[0], rest[0])
        runner_up = (rest[0], g) if g else None
    part_one_nets = [nets[s] for s in PART_ONE if s in nets and nets[s].test_accuracy is not None]
    p1_best = max(part_one_nets, key=lambda n: n.test_accuracy, default=None)
    similar = None
    if net and p1_best and net.epochs_completed and p1_best.epochs_completed:
        lo, hi = sorted((net.epochs_completed, p1_best.epochs_completed))
        similar = hi / lo <= SIMILAR_EPOCHS_RATIO
    against = ()
    if net:
        rows = []
        for p1 in (nets[s] for s in PART_ONE if s in nets):
            g3, g1 = ev.splits(net, "train", "val"), ev.splits(p1, "train", "val")
            diff = ev.add(gap_between(g3, g1)) if g3 and g1 else None
            rows.append(AgainstPartOne(p1, ev.nets(net, p1), g3, g1, diff))
        against = tuple(rows)
    goal = tuple(g for split in ("val", "test") if net and (g := goal_split(net, split)))
    return PartThreeAnswer(
        net=net,
        goal=goal,
        first_epoch_over_goal=net.first_epoch_above(GOAL) if net else [],
        dips=dips(net) if net else (),
        best_on_test=best_on_test,
        runner_up=runner_up,
        part_one_best=p1_best,
        similar_epochs=similar,
        against=against,
        curves=run_curves(net) if net else (),
        confusion=ev.net_confusion(net) if net else None,
    )
