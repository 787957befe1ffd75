"""engine.line_charts: the rules every chart follows (fixed accuracy axis, loss from 0, exact rows, labels never
on adjacent rows, overlaps shown, legend outside the plot, x pinned to the planned epochs)."""

from __future__ import annotations

import re

import pytest

from engine.chart_axes import choose_axis
from engine.line_charts import NO_EPOCH_YET, OVERLAP, Series, line_chart

FLAT = [11.3, 11.2, 11.3, 11.35, 11.3]


def plot_rows(chart) -> list[str]:
    """The canvas rows: between the frame's top and bottom lines."""
    lines = chart.plain().splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top + 1 : bottom]


def labelled(rows: list[str]) -> dict[int, float]:
    out = {}
    for i, row in enumerate(rows):
        m = re.match(r"\s*([0-9.e+-]+)┤", row)
        if m:
            out[i] = float(m.group(1))
    return out


def series_rows(rows: list[str], marker: str) -> set[int]:
    return {i for i, row in enumerate(rows) if marker in row.split("┤" if "┤" in row else "│", 1)[-1]}


@pytest.mark.parametrize("width,height", [(80, 12), (40, 10), (100, 16), (60, 18), (76, 22), (38, 14)])
def test_a_flat_11_percent_curve_is_flat_low_and_on_a_fixed_0_to_100_axis(width, height):
    chart = line_chart([Series("val", range(1, 6), FLAT, "o")], width, height, epochs=10)
    rows = plot_rows(chart)
    labels = labelled(rows)
    assert labels[0] == 100 and labels[len(rows) - 1] == 0  # the axis is 0-100 whatever the data
    drawn = series_rows(rows, "o")
    assert len(drawn) == 1  # flat: one row
    row = drawn.pop()
    value = 100 * (len(rows) - 1 - row) / (len(rows) - 1)  # every row is an exact value
    assert abs(value - 11.3) <= 100 / (len(rows) - 1) / 2 + 1e-9  # the nearest row to 11.3%
    assert value < 25


@pytest.mark.parametrize("height", range(8, 40))
def test_labelled_rows_are_never_adjacent_and_rows_are_exact(height):
    rows = plot_rows(line_chart([Series("val", [1, 2], [50, 60])], 80, height, epochs=10))
    labels = sorted(labelled(rows))
    assert all(b - a >= 2 for a, b in zip(labels, labels[1:], strict=False))
    step = 100 / (len(rows) - 1)
    for index, value in labelled(rows).items():  # a label sits exactly on its row's value
        assert value == pytest.approx(100 - index * step)


def test_the_80x24_compare_case_has_no_labels_on_consecutive_rows():
    rows = plot_rows(line_chart([Series("a", [1, 2], [11.3, 11.3]), Series("b", [1, 2], [90, 91])], 76, 11, 10))
    labels = sorted(labelled(rows))
    assert len(labels) >= 2 and all(b - a >= 2 for a, b in zip(labels, labels[1:], strict=False))


def test_identical_curves_both_stay_visible_as_an_overlap_and_the_legend_says_so():
    same = [Series("train", [1, 2, 3], [50, 60, 70], "*"), Series("validation", [1, 2, 3], [50, 60, 70], "o")]
    chart = line_chart(same, 60, 14, epochs=3)
    body = "\n".join(plot_rows(chart))
    assert OVERLAP in body and "*" not in body and "o" not in body  # neither hides the other: both marked
    legend = chart.plain().splitlines()[0]
    assert "* train 70.0%" in legend and "o validation 70.0%" in legend and "overlap" in legend


def test_distinct_curves_keep_their_own_markers_and_colours():
    two = [Series("train", [1, 2, 3], [10, 50, 90], "*", "cyan"), Series("val", [1, 2, 3], [90, 50, 10], "o", "red")]
    chart = line_chart(two, 60, 20, epochs=3)
    body = "\n".join(plot_rows(chart))
    assert "*" in body and "o" in body
    styles = {span.style for span in chart.text().spans}
    assert "cyan" in styles and "red" in styles


def test_the_legend_is_above_the_plot_never_inside_it():
    chart = line_chart([Series("validation", [1, 2], [99, 100], "o")], 60, 12, epochs=2)
    lines = chart.plain().splitlines()
    assert "validation 100.0%" in lines[0]
    assert all("validation" not in row for row in plot_rows(chart))


def test_loss_starts_at_zero_and_tops_above_the_largest_value():
    chart = line_chart([Series("loss", [1, 2, 3], [2.3, 1.5, 0.9])], 60, 16, epochs=3, kind="loss")
    labels = labelled(plot_rows(chart))
    assert min(labels.values()) == 0 and max(labels.values()) >= 2.3


def test_the_x_axis_spans_the_planned_epochs_not_the_finished_ones():
    chart = line_chart([Series("val", [1, 2], [10, 20])], 80, 12, epochs=10)
    assert chart.plain().splitlines()[-1].split()[-1] == "10"


def test_no_data_yet_says_waiting_and_still_draws_the_axes():
    chart = line_chart([Series("train", [], []), Series("validation", [], [])], 60, 12, epochs=10)
    assert chart.plain().splitlines()[0].strip() == NO_EPOCH_YET
    assert labelled(plot_rows(chart))[0] == 100


def test_zoom_fits_the_data_instead():
    chart = line_chart([Series("val", range(1, 6), FLAT)], 60, 16, epochs=5, zoom=True)
    labels = labelled(plot_rows(chart)).values()
    assert max(labels) < 20 and min(labels) > 5


def test_missing_values_are_left_out_not_drawn_as_zero():
    chart = line_chart([Series("val", [1, 2, 3], [None, float("nan"), 80.0], "o")], 60, 14, epochs=3)
    rows = plot_rows(chart)
    assert series_rows(rows, "o") == {min(series_rows(rows, "o"))}  # only the 80% point


def test_choose_axis_keeps_fixed_ends():
    axis = choose_axis(0, 100, 12, fixed=True)
    assert axis.low == 0 and axis.high == 100 and axis.intervals <= 11
