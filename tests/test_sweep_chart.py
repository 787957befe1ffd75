"""The sweep's scatter as text: parameters on a log axis with round labels, a mark per run under its
point's mean, two groups in one cell shown as an overlap, the axis fitted or 0-100%, and a word when
nothing has finished."""

from __future__ import annotations

import math

from engine.line_charts import OVERLAP
from engine.sweep_chart import RUN_MARK, Group, log_ticks, params_text, scatter_chart


def canvas(chart) -> str:
    return "\n".join(chart.lines[2:])


def test_params_labels_and_log_ticks():
    assert [params_text(n) for n in (950, 25_450, 100_000, 1_200_000)] == ["950", "25.4k", "100k", "1.2M"]
    ticks = log_ticks(math.log10(12_000), math.log10(450_000), 70)
    assert [params_text(10**t) for t in ticks] == ["20k", "50k", "100k", "200k"]
    assert len(log_ticks(2.0, 7.0, 30)) <= 30 // 7  # thinned to what fits


def test_runs_and_means_of_each_group_are_drawn_and_named():
    a = Group("depth 1", [(25_450, 60.0), (25_450, 95.0)], [(25_450, 77.5)])
    b = Group("depth 3", [(59_210, 40.0)], [(59_210, 40.0)])
    chart = scatter_chart([a, b], 60, 16, title="test %")
    assert chart.lines[0].startswith("test %: o depth 1  x depth 3")
    body = canvas(chart)
    assert body.count(RUN_MARK) == 2 and "o" in body and "x" in body  # b's one run sits under its mean
    assert "100┤" in body and " 50┤" in body  # a middle label
    assert "50k" in body and OVERLAP not in body


def test_two_groups_in_one_cell_show_the_overlap_mark():
    a = Group("lr 0.1", [(25_450, 80.0)], [(25_450, 80.0)])
    b = Group("lr 0.5", [(25_450, 80.0)], [(25_450, 80.0)])
    chart = scatter_chart([a, b], 60, 16, title="test %")
    assert OVERLAP in canvas(chart) and "overlap" in " ".join(chart.lines[:2])


def test_the_axis_fits_the_data_unless_full_and_nothing_drawn_says_so():
    g = [Group("depth 1", [(25_450, 86.0), (101_770, 88.0)], [(25_450, 86.0), (101_770, 88.0)])]
    fitted, full = canvas(scatter_chart(g, 60, 16)), canvas(scatter_chart(g, 60, 16, full=True))
    assert "100┤" not in fitted and "100┤" in full
    assert "no finished run yet" in scatter_chart([], 60, 10, title="test %").lines[0]
