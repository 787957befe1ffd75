"""engine.report: the markdown says every answer in words with the stored numbers, and nothing else."""

from __future__ import annotations

import re
from datetime import date

import pytest
from known_runs import add_run, fill_exercise

from engine.answers import answers
from engine.report import ANSI_ESCAPE, export_markdown, render, training_chart

DAY = date(2025, 3, 14)
INVENTED = re.compile(r"\d+\.\d\d%")  # any measured-looking percentage


@pytest.fixture
def md(store):
    fill_exercise(store)
    store.set_note("part2-hypothesis", "The sigmoids saturate.\nEarly layers stay random.")
    return render(answers(store), store_path="runs.sqlite3", today=DAY)


def section(md: str, heading: str) -> str:
    start = md.index(heading)
    nxt = md.find("\n## ", start + 1)
    return md[start : nxt if nxt > 0 else None]


def test_header_date_and_store(md):
    assert md.startswith("# MNIST exercise: answers\n")
    assert "Written on 2025-03-14" in md and "`runs.sqlite3`" in md
    assert "Missing" not in md


def test_results_table_has_every_net(md):
    table = section(md, "## Results of every network")
    assert "| part1-large (run 1) | 384 | 305,290 | 304,896 | 394 | ok |" in table
    assert "| part1-large (run 1) | 10 | 90.35% | 89.27% | 89.20% | 0.38 |" in table
    assert "| part2-narrow (run 3) | 10 x 8 | 7,018 |" in table
    assert "| part3 (run 6) | 256, 128, 64 | 242,762 |" in table
    assert "| part3 (run 6) | 20 | 98.77% | 93.70% | 93.65% | 0.38 |" in table
    assert table.count("\n| part") == 12  # 6 nets in each table: the cancelled run is not a result


def test_own_net_and_outside_rules_in_results(store):
    add_run(store, "part1-small", [400], train=0.9, val=0.89, test=0.88)
    own = add_run(store, None, [100, 100], train=0.97, val=0.96, test=0.96, name="mine")
    table = section(render(answers(store, [own]), today=DAY), "## Results of every network")
    assert "| outside: < 50,000 trainable parameters: 318,010 parameters |" in table
    assert f"| mine (run {own}, your own net) | 100, 100 |" in table


def test_part_one_answers(md):
    p1 = section(md, "## Part One")
    assert "- **Total trainable parameters:** 305,290" in p1
    assert "  - **Weights:** 304,896" in p1 and "  - **Biases:** 394" in p1
    assert "- **Validation accuracy after 10 epochs:** 89.27%" in p1
    assert "**Training data:** 90.35%, 1.08 percentage points higher than validation" in p1
    assert "**Test data:** 89.20%, 0.07 percentage points lower than validation" in p1
    assert "**Test data:** 90.85%, 0.45 percentage points higher than validation" in p1
    assert "about 0.38 s (mean of epochs 2-10); the first epoch took 0.84 s" in p1
    assert "CPU (2 cores) with the tensorflow backend" in p1


def test_part_one_fewer_epochs_says_so(store):
    add_run(store, "part1-small", [48], train=0.9, val=0.8812, test=0.87, epochs=8)
    text = render(answers(store), today=DAY)
    assert "not measured: this run trained only 8 epochs (after epoch 8: 88.12%)" in text


def test_part_two_answers(md):
    p2 = section(md, "## Part Two")
    assert "| part2-medium (run 4) | 10 x 32 | 34,954 | 34,624 | 330 | 12.50% | 11.50% |" in p2
    assert "**No.** The best figure of the Part Two nets is 12.50% on validation (*part2-medium*)" in p2
    assert "below the 20% mark" in p2
    assert "| hidden 1 (first) | 1.00e-09 | 1.00e-08 | 2.00e-08 |" in p2
    assert "| output | 1.00e-02 | 1.00e-02 | 2.00e-02 |" in p2
    assert "1.0e+07x (7.0 orders of magnitude)" in p2
    assert "- *part1-large*: 50.0x (1.7 orders of magnitude)\n- *part1-small*: 10.0x (1.0 orders of magnitude)" in p2
    assert (
        "**Verdict:** the measurements support the hypothesis. In the deep nets the first hidden layer's gradient "
        "is 1.0e+06x to 1.0e+07x (6.0 to 7.0 orders of magnitude) smaller than the output layer's, against "
        "10.0x to 50.0x (1.0 to 1.7 orders of magnitude) in the shallow nets"
    ) in p2
    assert "> The sigmoids saturate.\n> Early layers stay random." in p2  # the user's note, quoted


def test_correlation_wording(md):
    p2 = section(md, "## Part Two")
    assert "Pearson r = 0.57 and Spearman rho = 0.15" in p2
    assert "**No clear correlation.** *part1-small* has 38,170 parameters and scored 90.85% on test, while " in p2
    assert "*part2-wide* has 2.3 times as many (88,330) and scored 11.35%" in p2


def test_part_three_answers(md):
    p3 = section(md, "## Part Three")
    assert "- **Validation accuracy:** 93.70%: above the 92% goal" in p3
    assert "- **Test accuracy:** 93.65%: above the 92% goal" in p3
    assert "**Goal (better than 92% on validation and test):** met." in p3
    assert "first beat 92% after epoch 19" in p3
    assert "**part3** (run 6), with 93.65% on test. The best Part One net, *part1-small* (run 2), reached 90.85%." in p3
    assert "**No.** *part3* trained 20 epochs; *part1-small* (the best Part One net on test) trained 10." in p3
    assert "their validation accuracies were 83.70% and 90.40%" in p3


def test_twenty_percent_yes(store):
    add_run(store, "part2-wide", [64] * 10, train=0.3, val=0.2101, test=0.19)
    text = render(answers(store), today=DAY)
    assert "**Yes.** The best figure of the Part Two nets is 21.01% on validation (*part2-wide*), above the 20%" in text


def test_a_tie_across_all_part_two_nets_says_so(store):
    for part, width in (("part2-narrow", 8), ("part2-medium", 32), ("part2-wide", 64)):
        add_run(store, part, [width] * 10, train=0.1143, val=0.1118, test=0.1150)
    text = render(answers(store), today=DAY)
    assert "The best figure of the Part Two nets is 11.50% on test (all 3 nets), below the 20% mark" in text


def test_charts_are_plain_text(md):
    charts = section(md, "## Training charts")
    assert charts.count("```text") == 6
    assert "epoch" in charts and "train" in charts and "validation" in charts
    assert "After epoch 10: train 90.27%, validation 89.27%" in charts


def test_environment_block(md):
    env = section(md, "## Environment")
    for row in (
        "| Python | 3.11.7 |",
        "| Keras | 3.15.1 |",
        "| TensorFlow | 2.21.0 |",
        "| Keras backend | tensorflow |",
        "| Device | CPU (2 cores) |",
        "| Seeds | 42 |",
    ):
        assert row in env


def test_no_terminal_escape_anywhere(store):
    fill_exercise(store)
    store.set_note("part1", "pasted \x1b[31mred\x1b[0m text and a lone \x1b")
    text = render(answers(store), today=DAY)
    assert "\x1b" not in text
    assert "pasted red text" in text


def test_chart_has_no_escape_and_fits(store):
    fill_exercise(store)
    chart = training_chart(answers(store).nets["part3"], width=60, height=14)
    assert not ANSI_ESCAPE.search(chart) and "\x1b" not in chart
    assert max(len(line) for line in chart.splitlines()) <= 60
    assert len(chart.splitlines()) <= 14


def test_empty_store_says_missing_and_invents_nothing(store):
    text = export_markdown(store, today=DAY)
    assert (
        "**Missing runs:** `part1-large`, `part1-small`, `part2-narrow`, `part2-medium`, `part2-wide`, `part3`" in text
    )
    assert "**Missing:** no completed run of `part1-large` yet. Train it: `mnist-tui train part1-large`." in text
    assert "Cannot say: no Part Two run has a final evaluation yet." in text
    assert "Cannot compare: there is no completed run of Part Three." in text
    assert not INVENTED.search(text)
    assert "Pearson" not in text and "orders of magnitude smaller" not in text.split("Hypothesis")[0]


def test_missing_part_is_named_in_its_section(store):
    fill_exercise(store)
    store.delete_run(answers(store).nets["part2-wide"].run_id)
    text = render(answers(store), today=DAY)
    assert "**Missing runs:** `part2-wide`." in text
    p2 = section(text, "## Part Two")
    assert "**Missing:** no completed run of `part2-wide` yet." in p2
    assert "part2-wide" not in section(text, "## Results of every network")
