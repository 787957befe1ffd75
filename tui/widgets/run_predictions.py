"""What a finished run got right and wrong on the test set, for the Run screen: the confusion matrix with
per-class recall, and the digits it got wrong drawn in the terminal with half-block characters (two pixel
rows per text row, so a 28x28 image is 28 columns by 14 rows), each with its true and predicted label, a
page at a time. Everything is read from the store and the run's data file with numpy; no colour is needed
to read either (NO_COLOR terminals see the same shapes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from engine.confusion import per_class_recall

DIGIT_WIDTH = 28  # columns one drawn digit takes
GAP = 2  # columns between two digits
INK = 96  # a pixel at or above this (0-255) is drawn


def confusion_table(matrix: list[list[int]]) -> Table:
    """Rows are the true digit, columns the predicted one; the last column is each digit's recall."""
    table = Table(box=None, padding=(0, 0, 0, 1), show_edge=False, header_style="bold")
    table.add_column("true", justify="right")
    for d in range(10):
        table.add_column(str(d), justify="right")
    table.add_column("recall", justify="right")
    recalls = per_class_recall(matrix)
    for d, row in enumerate(matrix):
        cells = [Text(str(c), style="bold" if p == d else ("" if c else "dim")) for p, c in enumerate(row)]
        recall = recalls[d]
        table.add_row(Text(str(d), style="bold"), *cells, "n/a" if recall is None else f"{recall:.1%}")
    return table


def confusion_renderable(matrix: list[list[int]]) -> Group:
    total = sum(map(sum, matrix))
    right = sum(matrix[d][d] for d in range(10))
    head = Text(f"{total:,} test images, {right:,} right ({right / total:.2%}); rows: true digit, columns: predicted")
    return Group(head, confusion_table(matrix))


def digit_art(image: np.ndarray) -> list[str]:
    """One 28x28 image as 14 lines of half blocks: the upper half of a cell is one pixel row, the lower the next."""
    ink = np.asarray(image) >= INK
    if ink.shape[0] % 2:
        ink = np.vstack([ink, np.zeros((1, ink.shape[1]), bool)])
    lines = []
    for top, bottom in zip(ink[0::2], ink[1::2], strict=True):
        lines.append(
            "".join("█" if t and b else "▀" if t else "▄" if b else " " for t, b in zip(top, bottom, strict=True))
        )
    return lines


@dataclass(frozen=True)
class WrongSet:
    """The test images a run got wrong: their indices, images, true and predicted digits."""

    images: np.ndarray  # (N, 28, 28) uint8, the whole test set
    labels: np.ndarray
    predicted: np.ndarray
    wrong: np.ndarray  # indices of the images it got wrong

    @classmethod
    def of(cls, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray) -> WrongSet:
        return cls(images, labels, predicted, np.flatnonzero(np.asarray(labels) != np.asarray(predicted)))


class WrongDigits(Static):
    """A page of wrong digits side by side, as many as the width holds; `page` moves through them."""

    DEFAULT_CSS = """
    WrongDigits { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.wrong: WrongSet | None = None
        self.page = 0
        self.message = "the run's test predictions are read once it has finished"

    def per_page(self) -> int:
        width = self.content_region.width or (self.app.size.width - 4 if self.is_attached else 76)
        return max(1, (width + GAP) // (DIGIT_WIDTH + GAP))

    @property
    def pages(self) -> int:
        if self.wrong is None or not len(self.wrong.wrong):
            return 1
        return -(-len(self.wrong.wrong) // self.per_page())

    def show(self, wrong: WrongSet | None, message: str = "") -> None:
        self.wrong, self.page, self.message = wrong, 0, message
        self.redraw()

    def turn(self, step: int) -> None:
        if self.wrong is not None and len(self.wrong.wrong):
            self.page = (self.page + step) % self.pages
            self.redraw()

    def redraw(self) -> None:
        if self.wrong is None:
            self.update(Text(self.message))
            return
        w = self.wrong
        if not len(w.wrong):
            self.update(Text(f"It got every one of the {len(w.labels):,} test images right."))
            return
        per = self.per_page()
        shown = w.wrong[self.page * per : (self.page + 1) * per]
        first, last = self.page * per + 1, self.page * per + len(shown)
        head = Text(
            f"{len(w.wrong):,} of {len(w.labels):,} test images wrong; {first}-{last} shown "
            f"(page {self.page + 1}/{self.pages}, [ and ] turn)"
        )
        arts = [digit_art(w.images[i]) for i in shown]
        captions = [f"#{i} true {w.labels[i]} → {w.predicted[i]}".ljust(DIGIT_WIDTH)[:DIGIT_WIDTH] for i in shown]
        gap = " " * GAP
        lines = [gap.join(captions)] + [gap.join(a[r] for a in arts) for r in range(len(arts[0]))]
        self.update(Group(head, Text("\n".join(line.rstrip() for line in lines))))
