"""The Run screen at 80x24: a finished run's confusion matrix with per-class recall, and the test digits it
got wrong drawn with half blocks, true and predicted label under each, a page at a time ([ and ])."""

from __future__ import annotations

import numpy as np
from known_runs import add_run
from rich.console import Console
from textual.app import App
from textual.widgets import Static
from tui_fakes import until

from engine.confusion import confusion_matrix
from engine.store import Store
from tui.screens.run import RunScreen
from tui.widgets.run_predictions import WrongDigits, digit_art


class Host(App):
    def __init__(self, store: Store, run_id: int) -> None:
        super().__init__()
        self.store, self.run_id = store, run_id

    def on_mount(self) -> None:
        self.push_screen(RunScreen(self.store, self.run_id))


def rendered(widget: Static, width: int = 200) -> str:
    console = Console(width=width, record=True)
    console.print(widget.content)
    return console.export_text()


def labels_of(sample_npz) -> np.ndarray:
    with np.load(sample_npz) as data:
        return data["y_test"]


async def until_read(pilot, screen) -> None:
    confusion = screen.query_one("#run-confusion", Static)
    await until(pilot, lambda: "read once" not in rendered(confusion), what="the predictions read")


def finished_run(store, sample_npz, wrong: int = 7, **kw) -> tuple[int, np.ndarray, np.ndarray]:
    labels = labels_of(sample_npz)
    predicted = labels.copy()
    predicted[:wrong] = (labels[:wrong] + 1) % 10
    run = add_run(
        store,
        "part1-small",
        [48],
        train=0.99,
        val=0.99,
        test=1 - wrong / len(labels),
        data_source=str(sample_npz),
        predictions=predicted,
        sizes={"train": 5000, "validation": 1000, "test": len(labels)},
        **kw,
    )
    return run, labels, predicted


async def test_confusion_matrix_and_wrong_digits_at_80x24(store, sample_npz):
    run, labels, predicted = finished_run(store, sample_npz)

    app = Host(store, run)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until_read(pilot, screen)
        confusion = rendered(screen.query_one("#run-confusion", Static))
        assert "1,000 test images, 993 right (99.30%); rows: true digit, columns: predicted" in confusion
        matrix = confusion_matrix(labels, predicted)
        row7 = confusion.splitlines()[2 + 7]
        assert row7.split()[:11] == ["7", *map(str, matrix[7])]
        recall = matrix[7][7] / sum(matrix[7])
        assert row7.split()[-1] == f"{recall:.1%}"
        wrong = screen.query_one("#run-wrong", WrongDigits)
        text = rendered(wrong)
        assert "7 of 1,000 test images wrong; 1-2 shown (page 1/4, [ and ] turn)" in text
        assert f"#0 true {labels[0]} → {predicted[0]}" in text and f"#1 true {labels[1]} → {predicted[1]}" in text
        assert any(ch in text for ch in "▀▄█")
        # readable at 80x24: two digits side by side inside the panel, and the panel fits the screen
        assert max(len(line) for line in rendered(wrong, 80).splitlines()) <= wrong.content_region.width
        assert wrong.outer_size.height <= 24 - 2 and wrong.outer_size.width <= 80
        await pilot.press("right_square_bracket")
        assert "3-4 shown (page 2/4" in rendered(wrong) and f"#2 true {labels[2]}" in rendered(wrong)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert "7-7 shown (page 4/4" in rendered(wrong)  # wraps round to the last page
        wrong.scroll_visible(animate=False)
        await pilot.pause()
        assert screen.query_one("#run-body").scroll_y > 0  # the body scrolls to it


async def test_without_the_test_images_it_says_so_and_keeps_the_stored_matrix(store, tmp_path, sample_npz):
    labels = labels_of(sample_npz)
    matrix = confusion_matrix(labels, labels)
    run = add_run(
        store,
        "part1-small",
        [48],
        train=0.99,
        val=0.99,
        test=1.0,
        data_source=str(tmp_path / "gone.npz"),
        predictions=labels,
        confusion=matrix,
    )

    app = Host(store, run)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until_read(pilot, screen)
        assert "1,000 test images, 1,000 right" in rendered(screen.query_one("#run-confusion", Static))
        text = rendered(screen.query_one("#run-wrong", WrongDigits))
        assert "No digits to show: the test images cannot be found:" in text and "gone.npz" in text


async def test_a_run_without_predictions_says_why(store):
    run = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9)

    app = Host(store, run)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until_read(pilot, screen)
        assert "No confusion matrix: this run kept no test predictions" in rendered(
            screen.query_one("#run-confusion", Static)
        )


def test_half_blocks_draw_two_pixel_rows_a_line():
    image = np.zeros((28, 28), np.uint8)
    image[0, 0] = image[1, 1] = image[2, 2] = image[3, 2] = 255
    art = digit_art(image)
    assert len(art) == 14 and all(len(line) == 28 for line in art)
    assert art[0][:2] == "▀▄" and art[1][2] == "█" and art[2].strip() == ""
