"""ctrl+p finds every stored run ("Open run N") besides the screens and the current screen's keys."""

from __future__ import annotations

from known_runs import add_run
from textual.command import CommandList, CommandPalette
from tui_fakes import until

from tui.screens.compare import CompareScreen
from tui.screens.run import RunScreen


def highlighted(pilot) -> str:
    """The prompt of the palette's highlighted match ('' while it has none)."""
    matches = pilot.app.screen.query_one(CommandList)
    if matches.highlighted is None:
        return ""
    return str(matches.get_option_at_index(matches.highlighted).prompt)


async def palette_pick(pilot, query: str, expect: str) -> None:
    """Type query into the palette and take its first match once that match is `expect`."""
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    await until(pilot, lambda: expect in highlighted(pilot), what=f"{expect!r} highlighted")
    await pilot.press("enter")
    await pilot.pause()


async def test_the_palette_opens_a_run_from_home_and_from_compare(app_factory, store):
    run_id = add_run(store, "part3", [256, 128, 64], train=0.98, val=0.937, test=0.936, name="deep")

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await palette_pick(pilot, f"open run {run_id}", f"Open run {run_id}")
        assert isinstance(app.screen, RunScreen) and app.screen.run_id == run_id
        await pilot.press("escape", "c")
        assert isinstance(app.screen, CompareScreen)
        await palette_pick(pilot, "open run", f"Open run {run_id}")
        assert isinstance(app.screen, RunScreen) and app.screen.run_id == run_id
