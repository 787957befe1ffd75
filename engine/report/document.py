"""The whole answers file: every section in order, as markdown with no terminal escape codes."""

from __future__ import annotations

from datetime import date

from engine.answers import Answers, build_answers
from engine.answers.sweep import SweepAnswer, sweep_answer
from engine.report.format import ANSI_ESCAPE
from engine.report.overview import environment_section, header, other_notes, results_section
from engine.report.part_one import part_one_section
from engine.report.part_three import part_three_section
from engine.report.part_two import part_two_section
from engine.report.sweep import sweep_section
from engine.report.training_charts import charts_section


def render(
    ans: Answers, store_path: str | None = None, today: date | None = None, sweep: SweepAnswer | None = None
) -> str:
    parts = [
        header(ans, store_path, today or date.today()),
        results_section(ans),
        part_one_section(ans),
        part_two_section(ans) + sweep_section(sweep),  # the sweep's own answer to the correlation question
        part_three_section(ans),
        charts_section(ans),
        environment_section(ans),
        other_notes(ans),
    ]
    text = "\n".join(line for section in parts for line in section)
    # a stray ESC (say, pasted into a note) would still make a terminal misbehave: none survives
    return ANSI_ESCAPE.sub("", text).replace("\x1b", "").rstrip() + "\n"


def export_markdown(store, chosen_run_ids: list[int] | None = None, today: date | None = None) -> str:
    """The answers file for a Store: the latest completed run of each part with its repeats, or exactly
    the runs picked (see engine.answers.build_answers)."""
    ans = build_answers(store, chosen_run_ids or None)
    return render(ans, store_path=str(store.path), today=today, sweep=sweep_answer(store))
