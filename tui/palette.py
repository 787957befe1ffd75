"""Command palette (ctrl+p) entries that reach every screen from anywhere: Home, Compare, Answers, Help,
the training screen, and each stored run by number or name.

The app already lists the current screen's keys; this provider adds what lives on other screens, so a
user who knows what they want need not know where its key is.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.text import printable

MAX_RUNS = 50  # newest runs offered; older ones are a search away in Compare


class WorkbenchCommands(Provider):
    def commands(self) -> list[tuple[str, str, object]]:
        """(title, help, callback) for every screen and the newest runs."""
        app = self.app
        out: list[tuple[str, str, object]] = [
            ("Home: presets and recent runs", "go back to Home", self.go_home),
            ("Compare runs", "table, overlaid curves, side by side", self.open_compare),
            ("Answers", "the exercise's answers from the stored runs", self.open_answers),
            ("Help: every key", "every key of every screen", self.open_help),
        ]
        if hasattr(app, "action_show_training"):
            out.append(("Watch training", "the training screen", app.action_show_training))
        store = getattr(app, "store", None)
        if store is not None:
            try:
                runs = store.runs(limit=MAX_RUNS)
            except Exception:  # a damaged store: the palette still offers the screens
                runs = []
            for run in runs:
                title = f"Open run {run.run_id}: {printable(run.name)} ({run.status})"
                out.append((title, "curves, spec, epochs, gradients", partial(self.open_run, run.run_id)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

    def go_home(self) -> None:
        from tui.screens.home import HomeScreen

        while len(self.app.screen_stack) > 1 and not isinstance(self.app.screen, HomeScreen):
            self.app.pop_screen()

    def open_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(self.app.store))

    def open_answers(self) -> None:
        from tui.screens.answers import AnswersScreen

        self.app.push_screen(AnswersScreen(self.app.store))

    def open_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def open_run(self, run_id: int) -> None:
        from tui.screens.run import RunScreen

        self.app.push_screen(RunScreen(self.app.store, run_id))
