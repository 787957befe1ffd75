"""Each part's questions answered in numbers and verdicts (no words: engine/report words them)."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    split_gap,
    test_gap,
)
from engine.answers.nets import PART_ONE, PART_THREE, PART_TWO, Net
from engine.stats import Gap, Summary, binomial_se

QUESTION_EPOCH = 10  # "How accurate was this model on the validation data after 10 epochs?"
GOAL = 0.92  # Part Three: "better than 92% accuracy on validation and test data"
SIMILAR_EPOCHS_RATIO = 1.25  # epoch counts within 25% of each other count as "similar"


@dataclass(frozen=True)
class PartOneAnswer:
    slot: str
    net: Net | None  # None: no run, the question is unanswered
    val_at_question_epoch: Summary | None  # from the epoch-10 history rows
    train_gap: Gap | None  # final train - final validation accuracy (fractions, not points)
    test_gap: Gap | None  # final test - final validation accuracy


def part_one(nets: dict[str, Net]) -> tuple[PartOneAnswer, ...]:
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
                split_gap(net, "train", "val"),
                split_gap(net, "test", "val"),
            )
        )
    return tuple(out)


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


def part_two(nets: dict[str, Net], controls: tuple[Net, ...]) -> PartTwoAnswer:
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
            g = test_gap(b, a)
            if g:
                pairs.append((a, b, g))
    shallow = [nets[s] for s in PART_ONE if s in nets]
    answering = [nets[s] for s in (*PART_ONE, *PART_TWO, PART_THREE) if s in nets]
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
        shallow_evidence=tuple(e for n in shallow if (e := gradient_evidence(n, "last"))),
        correlation=correlation(answering),
        controls=control_results(controls, nets),
    )


@dataclass(frozen=True)
class AgainstPartOne:
    """Part Three set beside one Part One net."""

    part_one: Net
    test_gap: Gap | None  # Part Three test - this net's test
    overfit_p3: Gap | None  # Part Three train - validation
    overfit_p1: Gap | None  # this net's train - validation


@dataclass(frozen=True)
class PartThreeAnswer:
    net: Net | None
    val_ok: bool | None  # the mean validation accuracy is above the goal
    test_ok: bool | None
    val_margin: float | None  # mean - goal, and the noise of that mean (2 SE)
    val_margin_noise: float | None
    test_margin: float | None
    test_margin_noise: float | None
    first_epoch_over_goal: list[int | None]  # per run, the first epoch whose validation accuracy beat 92%
    best_on_test: tuple[Net, ...]  # of every net in the answers with the best mean test accuracy
    runner_up: tuple[Net, Gap] | None  # the next best net and the best's lead over it
    part_one_best: Net | None  # the Part One net with the best test accuracy, for the comparison
    similar_epochs: bool | None
    against: tuple[AgainstPartOne, ...]


def _margin(net: Net, split: str) -> tuple[float | None, float | None]:
    s = net.accuracy(split)
    if s is None:
        return None, None
    sampling = binomial_se(s.mean, net.split_size(split)) or 0.0
    seed = (s.sd / math.sqrt(s.n)) if s.sd is not None else 0.0
    return s.mean - GOAL, 2 * math.sqrt(sampling**2 + seed**2)


def part_three(nets: dict[str, Net], everyone: list[Net]) -> PartThreeAnswer:
    net = nets.get(PART_THREE)
    tested = sorted((n for n in everyone if n.test_accuracy is not None), key=lambda n: -n.test_accuracy)
    top = tested[0].test_accuracy if tested else None
    best_on_test = tuple(n for n in tested if n.test_accuracy == top)
    rest = [n for n in tested if n.test_accuracy != top]
    runner_up = None
    if best_on_test and rest:
        g = test_gap(best_on_test[0], rest[0])
        runner_up = (rest[0], g) if g else None
    part_one_nets = [nets[s] for s in PART_ONE if s in nets and nets[s].test_accuracy is not None]
    p1_best = max(part_one_nets, key=lambda n: n.test_accuracy, default=None)
    similar = None
    if net and p1_best and net.epochs_completed and p1_best.epochs_completed:
        lo, hi = sorted((net.epochs_completed, p1_best.epochs_completed))
        similar = hi / lo <= SIMILAR_EPOCHS_RATIO
    vm, vn = _margin(net, "val") if net else (None, None)
    tm, tn = _margin(net, "test") if net else (None, None)
    against = ()
    if net:
        against = tuple(
            AgainstPartOne(p1, test_gap(net, p1), split_gap(net, "train", "val"), split_gap(p1, "train", "val"))
            for p1 in (nets[s] for s in PART_ONE if s in nets)
        )
    return PartThreeAnswer(
        net=net,
        val_ok=None if vm is None else vm > 0,
        test_ok=None if tm is None else tm > 0,
        val_margin=vm,
        val_margin_noise=vn,
        test_margin=tm,
        test_margin_noise=tn,
        first_epoch_over_goal=net.first_epoch_above(GOAL) if net else [],
        best_on_test=best_on_test,
        runner_up=runner_up,
        part_one_best=p1_best,
        similar_epochs=similar,
        against=against,
    )
