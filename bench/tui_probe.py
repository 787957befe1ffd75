"""The TUI side of the benchmarks, one process per measurement, driving the real app (tui.app.make_app)
headless with Textual's run_test/Pilot. Training goes where it goes for a user: into the store's queue,
trained by the real detached worker process with the real KerasTrainer. Prints one JSON line.

    python -m bench.tui_probe first-frame STORE           # wall-clock time when Home is painted
    python -m bench.tui_probe train NPZ EPOCHS STORE      # part1-large queued from the app: epoch seconds, and
                                                          # the TUI process's RSS after the run
    python -m bench.tui_probe keys NPZ PRESSES STORE      # key -> new screen painted, while an epoch runs
    python -m bench.tui_probe quit NPZ STORE              # q while a run trains -> the app gone (it trains on)

Keys are posted as events (pilot.press would wait for the process to go idle, which never happens while
training); a key counts as answered when the screen it opens is mounted and has been painted.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from contextlib import closing

SIZE = (100, 32)


async def painted(app) -> None:
    """Wait until the current screen has gone through a refresh (compose, layout, paint)."""
    done = asyncio.Event()
    app.screen.call_after_refresh(done.set)
    await done.wait()


async def first_frame(store: str) -> dict:
    from tui.app import make_app

    app = make_app(store)
    async with app.run_test(size=SIZE):
        await painted(app)
        at = time.time()
        screen = type(app.screen).__name__
    return {"painted_at": at, "screen": screen}


def part1_large(epochs: int):
    from engine.presets import find_preset

    return find_preset("part1-large").spec.model_copy(update={"epochs": epochs})


async def until(condition, timeout: float = 600, every: float = 0.005) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the app never got there")
        await asyncio.sleep(every)


async def train(npz: str, epochs: int, store: str) -> dict:
    import psutil

    from tui.app import make_app

    app = make_app(store, data=npz)
    async with app.run_test(size=SIZE):
        app.start_training([app.request("part1-large", "part1-large", part1_large(epochs))])
        await until(lambda: app.view is not None and app.view.started and not app.view.active)
        run = app.store.runs(limit=1)[0]
        await asyncio.sleep(1.0)  # the idle TUI, a moment after the run
        rss = psutil.Process().memory_info().rss
        heavy = sorted(m for m in ("tensorflow", "keras", "jax") if m in sys.modules)
    if run.status != "completed":
        raise SystemExit(f"TUI run {run.status}: {run.error}")
    return {"seconds": [e.seconds for e in run.history], "screen": "TrainingScreen", "tui_rss": rss, "heavy": heavy}


async def press_and_time(app, presses: int) -> list[dict]:
    """Alternate escape (Training -> Home) and w (Home -> Training); time each until the new screen is painted."""
    from textual import events

    from tui.screens.home import HomeScreen
    from tui.screens.training import TrainingScreen

    out = []
    for i in range(presses):
        key, target = ("escape", HomeScreen) if i % 2 == 0 else ("w", TrainingScreen)
        await asyncio.sleep(0.05 + 0.037 * (i % 5))  # land at different points of the epoch
        view = app.view
        live = view.live if view else None
        mid_epoch = bool(view and view.active and live and live.steps and 0 < (live.step or 0) < live.steps)
        t0 = time.perf_counter()
        app.post_message(events.Key(key, None if key == "escape" else key))
        await until(lambda t=target: isinstance(app.screen, t) and app.screen.is_mounted, timeout=30, every=0.001)
        switched = time.perf_counter()
        await painted(app)
        now = time.perf_counter()
        out.append({"key": key, "ms": (now - t0) * 1000, "switch_ms": (switched - t0) * 1000, "mid_epoch": mid_epoch})
    return out


async def keys(npz: str, presses: int, store: str) -> dict:
    from tui.app import make_app
    from tui.screens.training import TrainingScreen

    app = make_app(store, data=npz)
    async with app.run_test(size=SIZE):
        app.start_training([app.request("part1-large", "part1-large", part1_large(100))])
        # steady state: past the first epoch (compilation), so every press lands in a running epoch
        await until(lambda: app.view is not None and len(app.view.history) >= 1)
        await until(lambda: isinstance(app.screen, TrainingScreen))
        training = await press_and_time(app, presses)
        epochs_seen = len(app.view.history)
        app.action_stop()
        await until(lambda: not app.live.busy, timeout=60)
        # the same screens, charts drawn, nothing training: what the keys cost the UI by itself
        idle = await press_and_time(app, presses)
    return {"training": training, "idle": idle, "epochs_seen": epochs_seen}


async def quit_mid_run(npz: str, store: str) -> dict:
    from textual import events

    from tui.app import make_app

    app = make_app(store, data=npz)
    async with app.run_test(size=SIZE):
        app.start_training([app.request("part1-large", "part1-large", part1_large(100))])
        await until(lambda: app.view is not None and len(app.view.history) >= 1)  # mid-run, past compiling
        t0 = time.perf_counter()
        app.post_message(events.Key("q", "q"))
        await until(lambda: not app.is_running, timeout=60, every=0.001)
        seconds = time.perf_counter() - t0
    from engine.store import Store

    with closing(Store(store)) as after:  # the worker would train on for minutes
        after.request_cancel(after.running_runs()[0].run_id)
    return {"seconds": seconds, "farewell": app.farewell}


def main() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "first-frame":
        out = asyncio.run(first_frame(args[0]))
    elif mode == "train":
        out = asyncio.run(train(args[0], int(args[1]), args[2]))
    elif mode == "keys":
        out = asyncio.run(keys(args[0], int(args[1]), args[2]))
    elif mode == "quit":
        out = asyncio.run(quit_mid_run(args[0], args[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
