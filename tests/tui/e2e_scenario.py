"""The end-to-end scenario of test_e2e.py, run in a fresh interpreter so that 'the TUI never imports
TensorFlow' is a fact about a process, not about whatever pytest imported before.

Queue two presets from a TUI, quit while the first trains, open a new TUI, see the second run live and
complete. Training happens in the real detached worker (a separate process) with the real Keras trainer.
Prints one JSON object with what it saw.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tui_fakes import text_of, until

from engine.presets import find_preset
from engine.runner import RunRequest
from tui.app import make_app


def requests(data: str) -> list[RunRequest]:
    out = []
    # the second run is long enough (seconds) for the new TUI to find it still training. Its own epochs must
    # make it so: its programs are compiled while the first run trains (engine/warm_up.py), and 20 epochs of
    # 500 images then ended before the new TUI had looked (seen on JAX)
    for preset_id, epochs in (("part1-small", 2), ("part2-narrow", 100)):
        p = find_preset(preset_id)
        out.append(RunRequest(p.id, p.part, p.spec.model_copy(update={"epochs": epochs}), data=data, subset=500))
    return out


async def first_tui(store: str, data: str, seen: dict) -> None:
    app = make_app(store, data=data)
    async with app.run_test(size=(100, 32)) as pilot:
        app.start_training(requests(data))
        await until(pilot, lambda: app.view is not None and app.view.started, 120, what="the first run to start")
        seen["first_run_live"] = app.view.preset
        await pilot.press("q")
    seen["farewell"] = app.farewell


async def second_tui(store: str, data: str, seen: dict) -> None:
    app = make_app(store, data=data)
    async with app.run_test(size=(100, 32)) as pilot:
        await until(
            pilot, lambda: app.view is not None and app.view.preset == "part2-narrow", 120, what="the second run"
        )
        await until(pilot, lambda: app.view.started, 120, what="the second run's row")
        seen["second_live"] = app.view.active
        app.action_show_training()
        await until(pilot, lambda: not app.view.active, 120, what="the second run to end")
        detail = app.screen.query_one("#detail")
        await until(pilot, lambda: "completed" in text_of(detail), 30, what="the screen to say how the run ended")
        seen["epoch_label"] = text_of(app.screen.query_one("#epoch"))
        seen["detail"] = text_of(detail)


def main(store: str, data: str) -> None:
    seen: dict = {}
    asyncio.run(first_tui(store, data, seen))
    asyncio.run(second_tui(store, data, seen))
    seen["heavy_modules"] = sorted(m for m in ("tensorflow", "keras", "jax") if m in sys.modules)
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
