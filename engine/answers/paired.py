"""Comparisons that need more than a run row: the stored test-set predictions (one byte an image) and the
test labels of the runs' data, for McNemar's paired test of two models on the same test images and for
each net's confusion matrix; and the family of every comparison the document makes, for Holm's correction.

Which test a comparison of two nets gets:
- both nets with at least 2 runs: Welch's t over their seeds (the question is about the specs, and the
  seed-to-seed spread is what a rerun would move);
- one run each: McNemar's test on the two runs' predictions when both kept them and were measured on the
  same test images (it says whether these two trained models differ on these images, and cannot rank the
  specs: the seed spread is unknown);
- otherwise (predictions missing, or one run against several): a two-proportion z test on the sampling
  noise of the means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.answers.nets import Net
from engine.confusion import confusion_matrix, decode, per_class_recall, read_test_images, stored_confusion
from engine.errors import DataError
from engine.stats import Family, Gap, Summary, gap, mcnemar, summarize
from engine.store import RunRecord, Store


@dataclass(frozen=True)
class NetConfusion:
    net: Net
    run_id: int  # the run whose matrix is shown
    matrix: list[list[int]]  # rows = true digit
    recall: tuple[Summary | None, ...]  # per digit, over the runs that have a matrix
    runs_with_matrix: int


class Evidence:
    """Reads predictions and labels once each, and registers every comparison in one Holm family."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.family = Family()
        self._predictions: dict[int, np.ndarray | None] = {}
        self._labels: dict[str, np.ndarray | None] = {}
        self._gaps: dict[tuple, Gap | None] = {}  # each comparison once in the family, however often cited
        self.labels_missing: dict[str, str] = {}  # data source -> why its labels could not be read

    # -- what is stored ----------------------------------------------------------------------------
    def predictions(self, run: RunRecord) -> np.ndarray | None:
        if run.run_id not in self._predictions:
            self._predictions[run.run_id] = decode(self.store.predictions(run.run_id)) if self.store else None
        return self._predictions[run.run_id]

    def labels(self, source: str | None) -> np.ndarray | None:
        key = source or ""
        if key not in self._labels:
            try:
                self._labels[key] = read_test_images(source).labels
            except DataError as exc:
                self._labels[key] = None
                self.labels_missing[key] = str(exc)
        return self._labels[key]

    def correct(self, run: RunRecord) -> np.ndarray | None:
        """Per test image, whether the run's final model got it right (None: predictions or labels missing)."""
        predicted = self.predictions(run)
        if predicted is None:
            return None
        labels = self.labels(run.data_source)
        if labels is None or len(labels) != len(predicted):
            return None
        return predicted == labels

    def confusion(self, run: RunRecord) -> list[list[int]] | None:
        """As the trainer stored it, else from the stored predictions and the labels of the run's data."""
        stored = stored_confusion(run.extra)
        if stored is not None:
            return stored
        predicted = self.predictions(run)
        labels = self.labels(run.data_source) if predicted is not None else None
        if labels is None or len(labels) != len(predicted):
            return None
        return confusion_matrix(labels, predicted)

    def majority_share(self, net: Net) -> tuple[int, float] | None:
        """(the most common digit of the net's test set, its share): what always answering it scores."""
        matrix = self.confusion(net.run)
        counts = [sum(row) for row in matrix] if matrix else None
        if counts is None:
            labels = self.labels(net.run.data_source)
            counts = np.bincount(labels, minlength=10).tolist() if labels is not None else None
        if not counts or not sum(counts):
            return None
        digit = max(range(len(counts)), key=lambda d: counts[d])
        return digit, counts[digit] / sum(counts)

    # -- comparisons -------------------------------------------------------------------------------
    def nets(self, a: Net, b: Net) -> Gap | None:
        """a's test accuracy minus b's, with the test the module docstring names, in the family."""
        key = ("nets", tuple(a.run_ids), tuple(b.run_ids))
        if key not in self._gaps:
            self._gaps[key] = self._nets(a, b)
        return self._gaps[key]

    def _nets(self, a: Net, b: Net) -> Gap | None:
        if not a.accuracies("test") or not b.accuracies("test"):
            return None
        if a.n == 1 and b.n == 1:  # with more runs on a side its mean is compared, not one of its runs
            paired = self.paired(a.run, b.run)
            if paired is not None:
                return self.family.add(paired)
        test = gap(a.accuracies("test"), b.accuracies("test"), a.split_size("test"), b.split_size("test"))
        return self.family.add(test)

    def paired(self, a: RunRecord, b: RunRecord) -> Gap | None:
        """McNemar on two runs measured on the same test images, or None when that cannot be shown."""
        if a.data_source != b.data_source:
            return None
        ca, cb = self.correct(a), self.correct(b)
        if ca is None or cb is None or len(ca) != len(cb):
            return None
        return mcnemar(int((ca & ~cb).sum()), int((~ca & cb).sum()), len(ca))

    def splits(self, net: Net, a: str, b: str) -> Gap | None:
        """Within one net, split a's accuracy minus split b's, paired run by run, in the family."""
        key = ("splits", tuple(net.run_ids), a, b)
        if key not in self._gaps:
            self._gaps[key] = self._splits(net, a, b)
        return self._gaps[key]

    def _splits(self, net: Net, a: str, b: str) -> Gap | None:
        pairs = [
            (r.metrics.get(f"{a}_accuracy"), r.metrics.get(f"{b}_accuracy"))
            for r in net.runs
            if r.metrics.get(f"{a}_accuracy") is not None and r.metrics.get(f"{b}_accuracy") is not None
        ]
        if not pairs:
            return None
        g = gap([p[0] for p in pairs], [p[1] for p in pairs], net.split_size(a), net.split_size(b), paired=True)
        return self.family.add(g)

    def add(self, g: Gap | None) -> Gap | None:
        return self.family.add(g)

    # -- confusion -----------------------------------------------------------------------------------
    def net_confusion(self, net: Net) -> NetConfusion | None:
        matrices = [(r.run_id, m) for r in net.runs if (m := self.confusion(r)) is not None]
        if not matrices:
            return None
        recalls = [per_class_recall(m) for _, m in matrices]
        per_digit = tuple(summarize([r[d] for r in recalls]) for d in range(10))
        return NetConfusion(net, matrices[0][0], matrices[0][1], per_digit, len(matrices))
