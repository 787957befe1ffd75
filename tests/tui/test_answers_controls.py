"""The Answers screen's `c` key queues the controls: each Part Two net with one change, 3 seeds each, as
control runs (outside the rules), through the app's own queue."""

from __future__ import annotations

from textual.app import App

from engine.runner import RunRequest
from engine.store import Store
from tui.screens.answers import AnswersScreen


class Host(App):
    """Stands in for the app's queue: records what the screen asks to train."""

    def __init__(self, store: Store, out) -> None:
        super().__init__()
        self.store, self.out = store, out
        self.queued: list[RunRequest] = []

    def on_mount(self) -> None:
        self.push_screen(AnswersScreen(self.store, out_path=self.out))

    def request(self, preset, part, spec) -> RunRequest:
        return RunRequest(preset, part, spec, data="data.npz", subset=500)

    def start_training(self, requests) -> None:
        self.queued.extend(requests)


async def test_c_queues_every_control_with_its_repeats(store, tmp_path):
    app = Host(store, tmp_path / "answers.md")
    async with app.run_test(size=(100, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        await pilot.pause()
    queued = app.queued
    assert len(queued) == 3 * 2 * 3  # three Part Two nets, two changes, three seeds
    assert all(r.kind == "control" and r.data == "data.npz" and r.subset == 500 for r in queued)
    narrow = [r for r in queued if r.preset == "part2-narrow"]
    assert [r.spec.seed for r in narrow] == [42, 43, 44, 42, 43, 44]
    assert [r.spec.activation for r in narrow[:3]] == ["relu"] * 3
    assert len({r.repeat_group for r in narrow}) == 2
    assert narrow[3].label == "Part Two, narrow [control: learning rate 0.1 instead of 0.01 (10x)]"
