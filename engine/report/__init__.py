"""Answers -> markdown: every exercise question answered in words, with the numbers behind it and their
noise, plain-text training charts, an environment block, the date and the user's notes.

The file is meant to be read in a terminal, a pager or a markdown viewer alike, so it holds no terminal
colour codes. One job per module: format.py (shared formatters), training_charts.py (chart glue), overview.py,
part_one.py, part_two.py, hypothesis.py and part_three.py (the sections), document.py (the whole),
output.py (writing the file).
"""

from engine.report.document import export_markdown, render
from engine.report.format import ANSI_ESCAPE, gap_text, mean_sd, table
from engine.report.output import write_answers
from engine.report.training_charts import CHART_HEIGHT, CHART_WIDTH, charts_section, training_chart

__all__ = [
    "ANSI_ESCAPE",
    "CHART_HEIGHT",
    "CHART_WIDTH",
    "charts_section",
    "export_markdown",
    "gap_text",
    "mean_sd",
    "render",
    "table",
    "training_chart",
    "write_answers",
]
