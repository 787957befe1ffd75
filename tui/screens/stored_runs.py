"""The base of the screens that show stored runs rather than one training (Compare, Sweep): each reads the
store when shown and when shown again, and again whenever the app's snapshot says a run started or ended or
the queue changed (its lineup), never with each batch."""

from __future__ import annotations

from textual.screen import Screen

from tui.training_snapshot import TrainingSnapshot


class StoredRunsScreen(Screen):
    lineup: tuple | None = None  # the app's lineup of queued and training runs at the last read

    def reload(self) -> None:
        """Read the store and draw it: each screen its own."""
        raise NotImplementedError

    def follow_store(self) -> None:
        """Called once the screen is drawn: from now on, each change of the lineup reads the store again."""
        self.watch(self.app, "live", self.live_changed, init=False)

    def live_changed(self, snap: TrainingSnapshot) -> None:
        if snap.lineup() != self.lineup:
            self.lineup = snap.lineup()
            self.reload()

    def on_screen_resume(self) -> None:
        self.reload()
