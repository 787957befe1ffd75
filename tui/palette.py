"""The command palette (ctrl+p): the current screen's keys, every other screen, and the stored runs ("Open
run N: name (status)" for each of the newest), so any action, screen or run is one search away."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from tui.app_access import mnist_app
from tui.text import printable

if TYPE_CHECKING:
    from tui.app import MnistTuiApp

MAX_RUNS = 50  # newest runs offered; older ones are a search away in Compare
# Footer labels are kept short so Home's keys fit 80 columns; the palette has room for the full name.
PALETTE_TITLES = {"train_part": "Train part", "train_all": "Train all", "quit_and_stop": "Stop all training and quit"}


def key_commands(app: MnistTuiApp, screen: Screen) -> Iterable[SystemCommand]:
    """Every enabled key of `screen` with a description (the same actions the footer shows), once each."""
    seen = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.system or not binding.description or binding.action in seen or not active.enabled:
            continue
        seen.add(binding.action)
        yield SystemCommand(
            PALETTE_TITLES.get(binding.action, binding.description),
            f"key: {app.get_key_display(binding)}",
            partial(active.node.run_action, binding.action),
        )


def screen_commands(app: MnistTuiApp, screen: Screen) -> Iterable[SystemCommand]:
    """Every screen but `screen` is one palette entry away, wherever you are (keys reach only its own)."""
    from tui.screens.answers import AnswersScreen
    from tui.screens.compare import CompareScreen
    from tui.screens.home import HomeScreen
    from tui.screens.sweep import SweepScreen
    from tui.screens.training import TrainingScreen

    if not isinstance(screen, HomeScreen):
        yield SystemCommand("Go to Home", "presets and recent runs", app.action_go_home)
    if not isinstance(screen, TrainingScreen):
        yield SystemCommand("Go to Training", "the run training now, the queue", app.action_show_training)
    if not isinstance(screen, CompareScreen):
        yield SystemCommand("Go to Compare", "every stored run", partial(app.open_screen, CompareScreen))
    if not isinstance(screen, AnswersScreen):
        yield SystemCommand("Go to Answers", "the exercise's answers", partial(app.open_screen, AnswersScreen))
    if not isinstance(screen, SweepScreen):
        yield SystemCommand(
            "Go to Sweep", "the newest sweep: progress, scatter, points", partial(app.open_screen, SweepScreen)
        )


class RunCommands(Provider):
    def commands(self) -> list[tuple[str, str, object]]:
        """(title, help, callback) for the newest runs."""
        store = getattr(self.app, "store", None)
        if store is None:
            return []
        try:
            runs = store.runs(limit=MAX_RUNS)
        except Exception:  # a damaged store: the palette still offers everything else
            return []
        return [
            (
                f"Open run {run.run_id}: {printable(run.name)} ({run.status})",
                "its curves, spec, epochs and gradients",
                partial(self.open_run, run.run_id),
            )
            for run in runs
        ]

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

    def open_run(self, run_id: int) -> None:
        from tui.screens.run import RunScreen

        self.app.push_screen(RunScreen(mnist_app(self).store, run_id))
