"""ctrl+p finds every stored run ("Open run N") besides the screens and the current screen's keys."""

from __future__ import annotations

import asyncio

from known_runs import add_run
from textual.command import CommandPalette
from tui_fakes import until

from tui.screens.compare import CompareScreen
from tui.screens.run import RunScreen


async def palette_pick(pilot, query: str) -> None:
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


def test_the_palette_opens_a_run_from_home_and_from_compare(app_factory, store):
    run_id = add_run(store, "part3", [256, 128, 64], train=0.98, val=0.937, test=0.936, name="deep")

    async def scenario():
        app = app_factory()
        async with app.run_test(size=(100, 32)) as pilot:
            await palette_pick(pilot, f"open run {run_id}")
            assert isinstance(app.screen, RunScreen) and app.screen.run_id == run_id
            await pilot.press("escape", "c")
            assert isinstance(app.screen, CompareScreen)
            await palette_pick(pilot, "open run")
            assert isinstance(app.screen, RunScreen) and app.screen.run_id == run_id

    asyncio.run(scenario())
