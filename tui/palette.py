"""Command palette (ctrl+p) entries for the stored runs: "Open run N: name (status)" for each of the newest
runs, so a run is one search away (the app itself lists the screens and the current screen's keys)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.app_access import mnist_app
from tui.text import printable

MAX_RUNS = 50  # newest runs offered; older ones are a search away in Compare


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
