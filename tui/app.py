"""The Textual app: screens, global keys, the command palette and the training worker.

Built by `make_app` so tests can pass a fake trainer, a data loader and a temp store; `run_app` is what
`mnist-tui` without a subcommand calls. Nothing here imports TensorFlow: the trainer imports Keras inside
the worker thread, so the first frame never waits for it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from engine.data import load_splits
from engine.runner import Loader, RunRequest
from engine.spec import NetworkSpec
from engine.store import Store
from engine.trainer import KerasTrainer, Trainer
from tui import messages as m
from tui.run_view import RunView
from tui.screens.home import HomeScreen
from tui.worker import TrainingQueue, drain

QUIT_WAIT_SECONDS = 15  # how long `q` waits for a stopped run to be stored as cancelled


class MnistTuiApp(App):
    TITLE = "mnist-tui"
    CSS_PATH = "app.tcss"
    # a mode rather than get_default_screen: Textual loads a screen's CSS_PATH only for modes and pushes
    MODES = {"home": HomeScreen}
    DEFAULT_MODE = "home"
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Quit (a running training is stopped and kept as cancelled)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key of every screen"),
        Binding("f1", "help", "Help", show=False),  # for screens where typing '?' goes into a field
        Binding("s", "stop", "Stop", tooltip="Stop training after the current batch and drop the queue"),
    ]

    def __init__(
        self,
        store: Store,
        trainer: Trainer | None = None,
        data: str | None = None,
        loader: Loader | None = None,
        subset: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.store = store
        self.trainer = trainer or KerasTrainer()
        self.data = data
        self.loader = loader or load_splits
        self.subset = subset
        self.clock = clock
        self.queue = TrainingQueue()
        self.view: RunView | None = None  # the run training now, or the last one
        self.last_error: str | None = None  # why the last run could not start (no data...)
        self._quitting = False

    # -- starting and stopping training ---------------------------------------------------------------
    def request(self, preset: str, part: str | None, spec: NetworkSpec) -> RunRequest:
        return RunRequest(preset, part, spec, data=self.data, subset=self.subset)

    def start_training(self, requests: list[RunRequest]) -> None:
        """Queue runs (they run one after another) and show the training screen."""
        if not requests:
            return
        if self.queue.add(requests):
            self._train()
        elif len(requests) == 1:
            self.notify(f"{requests[0].preset} queued behind the running training")
        else:
            self.notify(f"{len(requests)} runs queued behind the running training")
        self.refresh_bindings()
        self._tell_screens(None)
        self.action_show_training()

    @work(thread=True, exclusive=True, exit_on_error=False, group="training", name="training")
    def _train(self) -> None:
        drain(self.queue, self.store, self.trainer, self._post, self.loader)

    def _post(self, message) -> None:
        try:
            self.post_message(message)
        except RuntimeError:  # the event loop has closed (quitting): nobody is left to tell
            pass

    def action_stop(self) -> None:
        if not self.queue.busy:
            self.notify("Nothing is training.")
            return
        dropped = self.queue.stop()
        more = f"; {dropped} queued run{'s' * (dropped != 1)} dropped" if dropped else ""
        self.notify(f"Stopping after the current batch (the run is kept as cancelled){more}.")
        self._tell_screens(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # hidden while pointless, so the footer keeps room for the keys that matter at 80 columns
        if action == "stop":
            return self.queue.busy
        if action == "show_training":
            return self.view is not None
        return True

    async def action_quit(self) -> None:
        if self.queue.busy and not self._quitting:
            self._quitting = True  # a second q quits at once
            self.queue.stop()
            self.notify("Stopping training before quitting; the run is kept as cancelled…")
            self.set_timer(QUIT_WAIT_SECONDS, self.exit)
            return
        self.exit()

    def on_unmount(self) -> None:
        self.queue.stop()  # whatever closed the app, let the worker thread end (its run stored as cancelled)

    # -- worker messages -> the run view -> the screens ------------------------------------------------
    @property
    def tearing_down(self) -> bool:
        """Exiting: a run's last messages can still arrive while the screens are being removed."""
        return self._exit or self._closing or not self._screen_stacks.get(self._current_mode)

    def on_run_began(self, message: m.RunBegan) -> None:
        self.view = RunView(message.request)
        self.last_error = None
        self.refresh_bindings()
        self._tell_screens(message)

    def on_run_phase(self, message: m.RunPhase) -> None:
        if self.view:
            self.view.phase = message.text
            self.view.phases.append(message.text)
        self._tell_screens(message)

    def on_run_started(self, message: m.RunStarted) -> None:
        if self.view:
            self.view.started, self.view.started_at = message.started, self.clock()
            self.view.phase = "training"
        self._tell_screens(message)

    def on_run_progress(self, message: m.RunProgress) -> None:
        if self.view:
            self.view.progress = message.progress
        self._tell_screens(message)

    def on_run_epoch(self, message: m.RunEpoch) -> None:
        if self.view:
            self.view.history.append(message.epoch)
        self._tell_screens(message)

    def on_run_finished(self, message: m.RunFinished) -> None:
        if self.view:
            self.view.finished = message.result
            self.view.phase = message.result.status
        if self.tearing_down:
            return
        r = message.result
        severity = "information" if r.status in ("completed", "cancelled") else "error"
        self.notify(self.view.result_text() if self.view else r.status, title=message.request.preset, severity=severity)
        self._tell_screens(message)

    def on_run_error(self, message: m.RunError) -> None:
        if self.view:
            self.view.error = message.text
        self.last_error = message.text
        if self.tearing_down:
            return
        self.notify(message.text, title="Training could not start", severity="error", timeout=20)
        self._tell_screens(message)

    def on_queue_idle(self, message: m.QueueIdle) -> None:
        if self.tearing_down:
            return
        self.refresh_bindings()
        self._tell_screens(message)
        if self._quitting:
            self.exit()

    def _tell_screens(self, message) -> None:
        """Every screen in the stack that shows training hears of the change (None: the queue changed)."""
        if self.tearing_down:
            return
        for screen in self.screen_stack:
            handler = getattr(screen, "run_changed", None)
            if handler is not None and screen.is_mounted and not screen._closing:
                handler(message)

    # -- navigation -----------------------------------------------------------------------------------
    def action_show_training(self) -> None:
        from tui.screens.training import TrainingScreen

        if isinstance(self.screen, TrainingScreen):
            return
        # one training screen for the app's life: showing it again is a repaint, not a new compose
        if not self.is_screen_installed("training"):
            self.install_screen(TrainingScreen(), name="training")
        self.push_screen("training")

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists every key of the current screen (the same actions the footer shows)."""
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.system or not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                PALETTE_TITLES.get(binding.action, binding.description),
                f"key: {self.get_key_display(binding)}",
                partial(active.node.run_action, binding.action),
            )
        yield from super().get_system_commands(screen)


# Footer labels are kept short so Home's keys fit 80 columns; the palette has room for the full name.
PALETTE_TITLES = {"train_part": "Train part", "train_all": "Train all"}


def make_app(
    store: Store | str | os.PathLike | None = None,
    trainer: Trainer | None = None,
    data: str | None = None,
    loader: Loader | None = None,
    subset: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> MnistTuiApp:
    if not isinstance(store, Store):
        store = Store(store)
    return MnistTuiApp(store, trainer=trainer, data=data, loader=loader, subset=subset, clock=clock)


def run_app(data=None, store=None) -> int:
    from tui.crash import crash_reported
    from tui.quitting import quit_on_signals

    app = make_app(store, data=data)
    with crash_reported(app), quit_on_signals(app):  # a crash: one line + the log's path; SIGTERM: like q
        app.run()
    return app.return_code or 0
