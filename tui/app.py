"""The Textual app: screens, global keys, and the link to training through the store.

The app never trains and never imports TensorFlow. Training requests become jobs in the store's queue and a
detached worker process (engine/worker/) drains them; the app polls the store a few times a second and sets
its `live` reactive to what changed. Every screen that shows the store watches it
(`self.watch(self.app, "live", ...)`): one path, called in the poll itself, so an error in a screen's
handler ends the app with its traceback like any other handler's. So keys never wait on an epoch, quitting
leaves training running, and any TUI anywhere shows the same live run.

Built by `make_app` so tests can pass a temp store and a fake worker spawner.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from engine.errors import MnistTuiError
from engine.paths import APP
from engine.repeats import expand_repeats
from engine.run_request import RunRequest
from engine.spec import NetworkSpec
from engine.status import RunStatus
from engine.store import Store
from engine.worker.client import enqueue, ensure_worker
from tui.palette import RunCommands, key_commands, screen_commands
from tui.quitting import ExitGuard, farewell
from tui.screens.home import HomeScreen
from tui.training_snapshot import StoreWatcher, TrainingSnapshot

POLL_SECONDS = 0.4  # how often the store is read for queue, progress and results

SpawnWorker = Callable[[Path], object]


class MnistTuiApp(ExitGuard, App):
    TITLE = APP
    CSS_PATH = "app.tcss"
    # a mode rather than get_default_screen: Textual loads a screen's CSS_PATH only for modes and pushes
    MODES = {"home": HomeScreen}
    DEFAULT_MODE = "home"
    COMMANDS = App.COMMANDS | {RunCommands}  # ctrl+p finds every stored run from any screen
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Quit; training goes on in the background (Q stops it first)"),
        Binding("Q", "quit_and_stop", "Quit+stop", show=False, tooltip="Stop all training, empty the queue, quit"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key of every screen"),
        Binding("f1", "help", "Help", show=False),  # for screens where typing '?' goes into a field
        Binding("s", "stop", "Stop", tooltip="Stop training the current run (kept as cancelled); the queue goes on"),
        # while nothing trains, `stop` is disabled (and out of the footer): the same key then says so
        Binding("s", "nothing_to_stop", show=False),
    ]

    # what the store says now; set only on news (the watcher compares), so every set reaches the watchers
    live: var[TrainingSnapshot] = var(TrainingSnapshot, init=False, always_update=True)

    def __init__(
        self,
        store: Store,
        data: str | None = None,
        subset: int | None = None,
        spawn_worker: SpawnWorker = ensure_worker,
        watcher: StoreWatcher | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.store = store
        self.data = data
        self.subset = subset
        self.spawn_worker = spawn_worker
        self.clock = clock
        self.watcher = watcher or StoreWatcher(store, clock=clock)
        self.farewell: str | None = None  # printed after the terminal is restored
        self.repeats = 1  # seeds per net that t, T and A queue (R on Home sets it)

    @property
    def view(self):
        """The run the training screen follows (a RunView), or None."""
        return self.live.view

    # -- the store link ------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # What exists after the first frame lives on: no collection walks it again; and a young generation ten
        # times the default keeps collections rare while a screen is built, so a key is not kept waiting behind
        # one (bench/keys.py measures the keys' latency).
        self.call_after_refresh(gc.freeze)
        gc.set_threshold(7000, 10, 10)
        self.poll_store()
        if self.live.waiting and not self.live.worker_alive and not self.store.read_only:
            self._spawn()  # jobs left queued (a reboot, a killed worker): pick them up
        self.set_interval(POLL_SECONDS, self.poll_store)

    def poll_store(self) -> None:
        snap = self.watcher.poll()
        if snap is None:
            return
        self._tell_if_ended(self.live.view, snap.view)
        before = self._binding_state()
        self.live = snap  # each screen's watcher draws it here, in this call
        if self._binding_state() != before:  # a footer recompose costs tens of ms: only when keys change
            self.refresh_bindings()

    def _binding_state(self) -> tuple[bool, bool]:
        return (self.check_action("stop", ()) is True, self.check_action("show_training", ()) is True)

    def _tell_if_ended(self, before, after) -> None:
        """A toast when the followed run ends, wherever the user is (it may have trained elsewhere)."""
        if before is None or after is None or before.key != after.key and before.job is None:
            return
        if not before.active or after.active:
            return
        ok = after.status in (RunStatus.COMPLETED, RunStatus.CANCELLED)
        if ok and after.run is not None and after.run.sweep_id is not None:
            return  # a sweep ends dozens of runs: the sweep screen shows them, a toast each would bury it
        self.notify(
            after.result_text(),
            title=after.name,
            severity="information" if ok else "error",
            timeout=8 if ok else 20,
            markup=False,
        )

    def _spawn(self) -> None:
        try:
            self.spawn_worker(self.store.path)
        except (OSError, MnistTuiError) as exc:
            self.notify(f"could not start the training worker: {exc}", severity="error", markup=False)
            return
        self.watcher.worker_spawned()

    # -- starting and stopping training ---------------------------------------------------------------
    def request(self, preset: str, part: str | None, spec: NetworkSpec) -> RunRequest:
        return RunRequest(preset, part, spec, data=self.data, subset=self.subset)

    def requests(self, preset: str, part: str | None, spec: NetworkSpec) -> list[RunRequest]:
        """One request per seed of the repeats setting (R on Home): repeats share a group in the store."""
        return [
            RunRequest(preset, part, seeded, data=self.data, subset=self.subset, repeat_group=group)
            for seeded, group in expand_repeats(spec, self.repeats)
        ]

    def start_training(self, requests: list[RunRequest], asked: bool = False) -> None:
        """Queue runs for the worker (they run one after another) and show the training screen. Many runs
        at once, or a run that would repeat a stored one exactly, are asked about first (tui/queue_check.py)."""
        if not requests:
            return
        if not asked:
            from tui.queue_check import queue_question
            from tui.screens.dialogs import ConfirmDialog

            try:
                question = queue_question(requests, self.store.runs())
            except MnistTuiError:
                question = None
            if question:

                def answered(yes: bool | None) -> None:
                    if yes:
                        self.start_training(requests, asked=True)
                    else:
                        self.notify("Nothing queued.")

                self.push_screen(ConfirmDialog(question), answered)
                return
        try:
            ids = [enqueue(self.store, r) for r in requests]
        except MnistTuiError as exc:
            self.notify(str(exc), title="Could not queue", severity="error", markup=False)
            return
        busy = self.live.training or self.live.waiting
        self._spawn()
        if busy:
            what = requests[0].preset if len(requests) == 1 else f"{len(requests)} runs"
            self.notify(f"{what} queued behind the running training", markup=False)
        else:
            self.watcher.follow(("job", ids[0]))
        self.poll_store()
        self.action_show_training()

    def action_stop(self) -> None:
        view = self.live.view
        if view is None or not view.active:
            self.action_nothing_to_stop()
            return
        outcome = "stopping"
        try:
            if view.run is not None and view.run.status == RunStatus.RUNNING:
                outcome = self.store.cancel_run(view.run.run_id)
            elif view.job is not None:
                self.store.jobs.cancel(view.job.job_id)
        except MnistTuiError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        waiting = len(self.live.waiting)
        more = f"; {waiting} queued run{'s' * (waiting != 1)} will follow" if waiting else ""
        if outcome == "finishing":
            self.notify(f"{view.name} trained every epoch and is evaluating: it completes{more}.", markup=False)
        elif outcome == "stopping":
            self.notify(f"Stopping {view.name} after the current block (kept as cancelled){more}.", markup=False)

    def action_nothing_to_stop(self) -> None:
        self.notify("Nothing is training.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # hidden while pointless, so the footer keeps room for the keys that matter at 80 columns
        if action == "stop":
            return self.live.view is not None and self.live.view.active
        if action == "show_training":
            return self.live.view is not None or self.live.busy
        return True

    async def action_quit(self) -> None:
        self.farewell = farewell(self.live.active_runs(), len(self.live.waiting))
        self.exit()

    async def action_quit_and_stop(self) -> None:
        try:  # from the store, not the last poll: that may be a few tenths of a second old
            self.store.jobs.clear()
            runs, loading = self.store.cancel_running()
        except MnistTuiError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if runs or loading:
            self.farewell = "Stopping the training (kept as cancelled with its finished epochs); the queue is empty."
        self.exit()

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
        """The palette lists every key of the current screen (the same actions the footer shows), then every
        other screen, then Textual's own commands."""
        yield from key_commands(self, screen)
        yield from screen_commands(self, screen)
        yield from super().get_system_commands(screen)

    def open_screen(self, screen_class) -> None:
        """A screen that shows the store (Compare, Answers, Sweep), opened on this app's store."""
        self.push_screen(screen_class(self.store))

    def action_go_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()


def make_app(
    store: Store | str | os.PathLike | None = None,
    data: str | None = None,
    subset: int | None = None,
    spawn_worker: SpawnWorker | None = None,
    clock: Callable[[], float] = time.monotonic,
    slots: int | None = None,
    cluster: str | None = None,
) -> MnistTuiApp:
    """The app over a store. Without a `spawn_worker` (tests pass a fake), the real detached worker is
    started with these `slots` and `cluster`, without waiting: the app notices a worker that would not start."""
    if spawn_worker is None:
        spawn_worker = partial(ensure_worker, slots=slots, cluster=cluster, wait=False)
    from engine.data_choice import choose_data

    if not isinstance(store, Store):
        store = Store(store)
    data = choose_data(store, data)  # --data is remembered per store; without it, what the store remembers
    return MnistTuiApp(store, data=data, subset=subset, spawn_worker=spawn_worker, clock=clock)


def run_app(data=None, store=None, slots=None, cluster=None) -> int:
    from tui.crash import crash_reported
    from tui.quitting import quit_on_signals

    app = make_app(store, data=data, slots=slots, cluster=cluster)
    with crash_reported(app), quit_on_signals(app):  # a crash: one line + the log's path; SIGTERM: like q
        app.run()
    if app.farewell:
        print(app.farewell)
    return app.return_code or 0
