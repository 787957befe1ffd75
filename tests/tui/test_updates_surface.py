"""Every screen that shows the store is told of a change by one path, the app's `live` reactive, whose
watchers run inside the app's poll. An error in a screen's handler of it therefore ends the app with its
traceback, as an error in any Textual handler does. Through textual.signal, whose publish logs a
subscriber's error and carries on, this test fails: the screen would stop updating and nobody see why."""

from __future__ import annotations

import pytest
from tui_fakes import app_without_worker, until

from engine.events import EpochEnd
from engine.spec import make_spec
from tui.screens.compare import CompareScreen
from tui.screens.home import HomeScreen
from tui.screens.run import RunScreen
from tui.screens.sweep import SweepScreen
from tui.screens.training import TrainingScreen


class Boom(Exception):
    pass


def open_home(app, run_id: int) -> None:
    pass  # the app starts on it


def open_training(app, run_id: int) -> None:
    app.action_show_training()


def open_run(app, run_id: int) -> None:
    app.push_screen(RunScreen(app.store, run_id))


def open_compare(app, run_id: int) -> None:
    app.push_screen(CompareScreen(app.store))


def open_sweep(app, run_id: int) -> None:
    app.push_screen(SweepScreen(app.store))


SCREENS = [
    (HomeScreen, open_home),
    (TrainingScreen, open_training),
    (RunScreen, open_run),
    (CompareScreen, open_compare),
    (SweepScreen, open_sweep),
]


@pytest.mark.parametrize(("screen_class", "open_screen"), SCREENS, ids=lambda x: getattr(x, "__name__", ""))
async def test_an_error_in_a_screens_update_handler_ends_the_app(store, monkeypatch, screen_class, open_screen):
    def broken(self, snap) -> None:
        if any(run.history for run in snap.running_runs):  # the change the test makes below
            raise Boom(f"{type(self).__name__} could not draw the update")

    monkeypatch.setattr(screen_class, "live_changed", broken)
    run_id = store.start_run("part1-small", "part1-small", make_spec(name="live", hidden_layers=[8], epochs=3))
    app = app_without_worker(store)
    with pytest.raises(Boom, match=f"{screen_class.__name__} could not draw"):
        async with app.run_test(size=(80, 24)) as pilot:
            open_screen(app, run_id)
            # mounted: its on_mount has run, so it watches the app's snapshot before the store changes
            await until(pilot, lambda: isinstance(app.screen, screen_class) and app.screen.is_mounted, what="it")
            store.add_epoch(run_id, EpochEnd(1, 0.5, 0.8, 0.6, 0.75, 1.0, None))  # the next poll sees it
            await until(pilot, lambda: app.return_code is not None, what="the app to end")
    assert app.return_code == 1
