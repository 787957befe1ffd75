"""engine.report: the markdown says every answer in words with the stored numbers and their noise, claims
no more than the numbers allow, and invents nothing anywhere in the document."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from known_runs import add_repeats, add_run, fill_controls, fill_exercise

from engine.answers import build_answers
from engine.report import ANSI_ESCAPE, export_markdown, render, training_chart

DAY = date(2025, 3, 14)
PERCENT = re.compile(r"(?<![±\d.])(\d+\.\d\d)%")  # a measured-looking percentage
GAP = re.compile(r"(?<![±\d.])[+-]?(\d+\.\d\d) pp(?!\))")  # a gap in points (not a noise band or an SE)


@pytest.fixture
def md(store):
    fill_exercise(store)
    store.set_note("part2-hypothesis", "The sigmoids saturate.\nEarly layers stay random.")
    return render(build_answers(store), store_path="runs.sqlite3", today=DAY)


def section(md: str, heading: str) -> str:
    start = md.index(heading)
    nxt = md.find("\n## ", start + 1)
    return md[start : nxt if nxt > 0 else None]


def prose(md: str) -> str:
    """The document without its charts (their axis labels are not answers)."""
    return re.sub(r"```text\n.*?```", "", md, flags=re.S)


def test_header_date_store_and_sample(md):
    assert md.startswith("# MNIST exercise: answers\n")
    assert "Written on 2025-03-14" in md and "`runs.sqlite3`" in md
    assert "Missing" not in md
    data = "**Data:** `mnist-sample.npz`: 6,000 training, 1,333 validation and 2,000 test images: a sample of 9,333 "
    assert data in md
    assert "not the full MNIST" in md


def test_results_tables_have_every_net_and_hyperparameter(md):
    table = section(md, "## Results of every network")
    assert "| part1-large (run 1) | 384 | 305,290 | 304,896 | 394 | ok |" in table
    loss = "categorical_crossentropy; validation 0.167 of train"
    assert f"| part2-narrow (run 3) | sigmoid | {loss} | sgd | 0.01 | 32 | 10 | 42 |" in table
    assert f"| part3 (run 6) | sigmoid | {loss} | sgd | 0.5 | 32 | 20 | 42 |" in table
    assert "| part1-large (run 1) | 1 | 10 | 90.35 | 89.27 | 89.20 | 0.38 |" in table
    assert table.count("\n| part") == 18  # 6 nets in each of 3 tables: the cancelled run is not a result


def test_repeats_read_as_mean_sd_and_n(store):
    add_repeats(store, "part1-large", [384], [(0.95, 0.90, 0.901), (0.951, 0.901, 0.899), (0.949, 0.899, 0.90)])
    text = render(build_answers(store), today=DAY)
    assert "| part1-large (runs 1-3) | 3 | 10 | 95.00 ± 0.10 | 90.00 ± 0.10 | 90.00 ± 0.10 | 0.38 |" in text
    p1 = section(text, "## Part One")
    assert "- **Validation accuracy after 10 epochs:** 90.00% ± 0.10 (n = 3); sampling SE 0.82 pp on 1,333 images" in p1
    # beyond noise: sized; within noise: said so
    assert (
        "**Training data:** 95.00% ± 0.10 (n = 3); train minus validation (the generalisation gap): 5.00 pp higher "
        "than validation, a measurable difference (95% interval +3.30 to +6.70 pp; paired t"
    ) in p1
    assert "**Test data:** 90.00% ± 0.10 (n = 3); test minus validation: no measurable difference from validation" in p1
    assert "median 0.38 s per epoch, range 0.38-0.38 s over the 27 epochs after the first (3 runs)" in p1
    assert "the first epoch, which also builds the compiled graph, took median 0.84 s" in p1


def test_one_run_says_its_noise_is_sampling_only(md):
    p1 = section(md, "## Part One")
    assert (
        "**Training data:** 90.35% (n = 1); train minus validation (the generalisation gap): no measurable "
        "difference from validation (+1.08 pp; 95% interval -0.74 to +2.90 pp; two-proportion z, p = 0.25"
    ) in p1


def test_part_two_answers(md):
    p2 = section(md, "## Part Two")
    assert "| part2-medium (run 4) | 10 x 32 | 34,954 | 34,624 | 330 | 1 | 12.50 | 11.50 |" in p2
    assert "**No.** The best mean figure of the Part Two nets is 12.50% on validation (*part2-medium*)" in p2
    assert "None of the 3 runs beat it either." in p2
    assert "- *part2-narrow*: predicts 1 for 100% of test images in its run" in p2
    assert "- *part2-wide*: predicts 4 for 100% of test images in its run" in p2
    assert "| hidden 1 (first) | 1.00e+00 | 1.00e-09 | 1.00e+00 | 1.00e-08 | 1.00e+00 | 2.00e-08 |" in p2
    assert "| part2-narrow, epoch 1 | part2-narrow, epoch 10 |" in p2
    assert "1.0e+06x to 1.0e+07x (6.0 to 7.0 orders of magnitude) smaller than the output layer's" in p2
    assert "over all 2 runs of the one-hidden-layer nets of Part One it is 10.0x to 50.0x (1.0 to 1.7 orders" in p2
    assert "A rival explanation: these nets use a learning rate of 0.01 (Part One's nets use 0.1)" in p2
    assert "> The sigmoids saturate.\n> Early layers stay random." in p2  # the user's note, quoted


def test_hypothesis_without_controls_says_it_is_untested(md):
    p2 = section(md, "## Part Two")
    assert "**Controls:** none in these answers. `mnist-tui controls --repeats 3`" in p2
    assert "it stays untested whether the activation or the step size is to blame" in p2
    assert "follows the sigmoid" not in p2


def test_controls_name_what_rescues_the_deep_nets(store):
    fill_exercise(store)
    fill_controls(store)
    p2 = section(render(build_answers(store), today=DAY), "## Part Two")
    assert "| part2-narrow (runs 8-10) | ReLU instead of sigmoid | 3 | 85.00 ± 1.00 |" in p2
    assert "- ReLU instead of sigmoid (one change): lets 3 of 3 failed nets learn" in p2
    assert "- Learning rate 0.1 instead of 0.01 (10x) (one change): lets 0 of 3 failed nets learn" in p2
    assert (
        "For *part2-narrow*, *part2-medium* and *part2-wide*, changing only the activation let the net learn and a "
        "tenfold learning rate alone did not (tried with one larger learning rate (0.1) and 10 epochs). That fits "
        "the vanishing-gradient hypothesis, as the gradient probe does; it does not rule out step sizes or epoch "
        "counts that were not tried."
    ) in p2
    assert "follows the sigmoid, not the step size" not in p2


def test_controls_show_where_the_gradient_flows(store):
    fill_exercise(store)
    fill_controls(store, stuck=("part2-narrow",))
    p2 = section(render(build_answers(store), today=DAY), "## Part Two")
    assert "| ReLU instead of sigmoid | 3 | 85.00 ± 1.00 | +73.50 pp (+71.40 to +75.60; Holm p < 0.001) |" in p2
    assert "| 1.0 orders | yes |" in p2 and "| 7.0 orders | no |" in p2
    assert "With it, the first hidden layer's gradient ends 1.0 orders of magnitude below the output's." in p2
    assert "- ReLU instead of sigmoid (one change): lets 2 of 3 failed nets learn" in p2
    assert (
        "With ReLU, *part2-narrow*'s runs ended at 11.00%, 11.50%, 11.35% on test against the sigmoid net's 11.50%, "
        "with the gradient reaching the first layer (1.0 orders below the output's)."
    ) in p2
    assert "is not a vanishing gradient" not in p2


def test_controls_where_both_changes_rescue(store):
    fill_exercise(store)
    fill_controls(store, lr_tests=(0.6, 0.62, 0.61))
    p2 = section(render(build_answers(store), today=DAY), "## Part Two")
    assert "Both single changes rescued some nets (tried with one larger learning rate (0.1) and 10 epochs)" in p2
    assert "follows the sigmoid" not in p2


def test_a_part_two_net_above_twenty_percent_is_not_called_a_failure(store):
    fill_exercise(store)
    # other settings (learning rate) than the first part2-wide run: it replaces it rather than joining it
    add_run(store, "part2-wide", [64] * 10, train=0.57, val=0.56, test=0.5612, learning_rate=0.02, predicted=[200] * 10)
    text = render(build_answers(store), today=DAY)
    p2 = section(text, "## Part Two")
    assert "**Yes.** The best mean figure of the Part Two nets is 56.12% on test (*part2-wide*), above the 20%" in p2
    assert "*part2-wide* learned: *part2-wide* 56.12% (n = 1) on test." in p2
    assert "*part2-narrow* and *part2-medium* ended at or below 20% on test" in p2
    assert "- *part2-wide*: its most predicted digit, run by run: 0 for 10.0% of test images" in p2
    # the whole document: nothing says the deep nets all failed or all predict one digit
    assert "near chance" not in text and "Every run of them predicts a single digit" not in text


def test_every_part_two_net_learning_drops_the_failure_story(store):
    for part, width in (("part2-narrow", 8), ("part2-medium", 32), ("part2-wide", 64)):
        add_run(store, part, [width] * 10, train=0.6, val=0.6, test=0.6)
    text = render(build_answers(store), today=DAY)
    assert "**No failure to explain:** every Part Two net beat the 20% mark." in text
    assert "Hypothesis: vanishing gradients" not in text and "Verdict" not in text


def test_correlation_wording_with_p_values(md):
    p2 = section(md, "## Part Two")
    assert "The question is about the nets of Parts One and Two: *part1-large*, *part1-small*, *part2-narrow*, " in p2
    assert "*part3* (242,762 parameters, 93.65% (n = 1) on test) is kept apart" in p2
    assert (
        "n = 5 nets: Pearson r = 0.53 on log parameters (p = 0.36, 95% interval -0.66 to 0.96) and Spearman "
        "rho = 0.15 (p = 0.80)."
    ) in p2
    assert "**Inconclusive:** the data allow anything from r = -0.66 to r = 0.96" in p2
    assert "No clear correlation" not in p2
    assert "*part1-small* has 38,170 parameters and scored 90.85% on test, while *part2-wide* has 2.3 times" in p2
    assert "The two differ in depth (1 vs 10 hidden layers) and in learning rate (0.1 vs 0.01), not only in size" in p2
    assert "mattered more" not in p2  # no causal claim from one pair
    assert (
        "Within Part Two, from 7,018 to 88,330 parameters, test accuracy shows no measurable difference "
        "(largest gap -0.15 pp"
    ) in p2


def test_correlation_with_three_nets_cannot_be_clear(store):
    for part, width, acc in (("part2-narrow", 8, 0.20), ("part2-medium", 32, 0.50), ("part2-wide", 64, 0.80)):
        add_run(store, part, [width] * 10, train=acc, val=acc, test=acc)
    text = render(build_answers(store), today=DAY)
    assert "**Inconclusive with n = 3:**" in text
    assert "clear positive" not in text


def test_correlation_with_six_nets_in_order_is_clear(store):
    for part, hidden, acc in (
        ("part2-narrow", [8] * 10, 0.15),
        ("part2-medium", [32] * 10, 0.30),
        ("part1-small", [48], 0.35),
        ("part2-wide", [64] * 10, 0.45),
        ("part3", [256, 128, 64], 0.80),
        ("part1-large", [384], 0.95),
    ):
        add_run(store, part, hidden, train=acc, val=acc, test=acc)
    text = render(build_answers(store), today=DAY)
    assert (
        "**Yes, a clear positive correlation:** both coefficients agree, both p-values are below 0.05 with n = 5"
        in text
    )


def test_part_three_answers(md):
    p3 = section(md, "## Part Three")
    assert (
        "- **Validation accuracy:** 93.70% (n = 1): 1 of 1 run above 92%; one-sided 95% lower bound of the mean "
        "92.61% (the sampling noise of 1,333 images)"
    ) in p3
    assert "- **Test accuracy:** 93.65% (n = 1): 1 of 1 run above 92%; one-sided 95% lower bound" in p3
    assert "**Goal (better than 92% on validation and test):** **met**: its only run cleared 92% on both splits." in p3
    assert "first beat 92% after: epoch 19 (its run)" in p3
    assert "| part3 (run 6) | 242,762 | 0.5 | 20 | 0.38 | 93.65 | +5.07 (+3.74 to +6.40) |" in p3
    assert (
        "- Against *part1-large*: Part Three used a learning rate of 0.5 against 0.1 (5x), 20 epochs against 10, "
        "242,762 parameters against 305,290 (fewer)."
    ) in p3
    assert "Its generalisation gap is +5.07 pp against +1.08 pp: 3.99 pp wider, a measurable difference" in p3
    assert "overfitting" not in p3.split("Learning curves")[0] and "more overfitting" not in p3
    best = "**part3** (run 6) has the highest test accuracy, 93.65% (n = 1). Next is *part1-small* at 90.85% (n = 1)"
    assert best in p3
    assert "With one run of a net this is the highest figure, not a ranking" in p3
    assert "the best mean" not in p3
    assert "**No.** *part3* trained 20 epochs; *part1-small* (the best Part One net on test) trained 10." in p3
    assert "their validation accuracies were 83.70% and 90.40%" in p3


def test_part_three_within_noise_of_the_goal_is_not_settled(store):
    add_run(store, "part3", [256, 128, 64], train=0.95, val=0.921, test=0.918, epochs=20)
    p3 = section(render(build_answers(store), today=DAY), "## Part Three")
    assert (
        "**Goal (better than 92% on validation and test):** **not met**: not every run cleared it (test: 0 of 1 run"
        in p3
    )
    assert "more runs could tip it" not in p3
    assert "never" not in p3.split("Goal")[0]


def test_best_on_test_within_noise_cannot_be_ranked(store):
    add_run(store, "part1-small", [48], train=0.93, val=0.92, test=0.9300)
    add_run(store, "part3", [256, 128, 64], train=0.95, val=0.93, test=0.9310, epochs=20)
    text = render(build_answers(store), today=DAY)
    assert "With one run of a net this is the highest figure, not a ranking" in text


def test_charts_are_plain_text(md):
    charts = section(md, "## Training charts")
    assert charts.count("```text") == 18  # accuracy, loss and the train - validation gap of 6 nets
    assert "Loss (categorical cross-entropy):" in charts and "train - val +1.00 pp" in charts
    assert "train" in charts and "validation" in charts and "100" in charts
    assert "After epoch 10: train 90.27%, validation 89.27%" in charts


def test_environment_block(md):
    env = section(md, "## Environment")
    rows = ("| Python | 3.11.7 |", "| Keras | 3.15.1 |", "| Keras backend | tensorflow |", "| Device | CPU (2 cores) |")
    for row in rows:
        assert row in env


def test_no_terminal_escape_anywhere(store):
    fill_exercise(store)
    store.set_note("part1", "pasted \x1b[31mred\x1b[0m text and a lone \x1b")
    text = render(build_answers(store), today=DAY)
    assert "\x1b" not in text
    assert "pasted red text" in text


def test_chart_has_no_escape_and_fits(store):
    fill_exercise(store)
    chart = training_chart(build_answers(store).nets["part3"], width=60, height=14)
    assert not ANSI_ESCAPE.search(chart) and "\x1b" not in chart
    assert max(len(line) for line in chart.splitlines()) <= 60
    assert len(chart.splitlines()) <= 14


def test_empty_store_invents_nothing_anywhere(store):
    text = export_markdown(store, today=DAY)
    assert (
        "**Missing runs:** `part1-large`, `part1-small`, `part2-narrow`, `part2-medium`, `part2-wide`, `part3`" in text
    )
    assert "**Missing:** no completed run of `part1-large`." in text
    assert "Cannot say: no Part Two run has a final evaluation yet." in text
    assert "Cannot compare: there is no completed run of Part Three." in text
    assert "Nothing to explain yet: no Part Two run has finished." in text
    assert not PERCENT.search(text) and " pp" not in text
    for claim in ("Pearson", "orders of magnitude smaller", "Verdict", "**Yes", "**No.", "single digit", "support"):
        assert claim not in text, claim


def allowed_figures(store) -> tuple[set[str], set[float]]:
    """Every percentage the store can back: each stored accuracy (final and per epoch), each net's mean over
    its runs, the exercise's thresholds; and every gap between two of them."""
    ans = build_answers(store)
    values: set[float] = {0.20, 0.92}
    nets = [*ans.all_nets, *ans.controls]
    for net in nets:
        for split in ("train", "val", "test"):
            s = net.accuracy(split)
            if s:
                values |= set(s.values) | {s.mean}
        at10 = net.val_after(10)
        if at10:
            values |= set(at10.values) | {at10.mean}
        for r in net.runs:
            values |= {x for e in r.history for x in (e.accuracy, e.val_accuracy) if x is not None}
    # the estimates the document names as such: Part Three's one-sided lower bounds
    values |= {g.lower_bound for g in ans.part_three.goal}
    pcts = {f"{v * 100:.2f}" for v in values}
    gaps = {round(abs(a - b) * 100, 2) for a, b in itertools.combinations(values, 2)}
    return pcts, gaps


@pytest.mark.parametrize("with_controls", [False, True])
def test_every_figure_in_the_document_is_backed_by_the_store(store, with_controls):
    fill_exercise(store)
    add_repeats(store, "part1-small", [48], [(0.95, 0.90, 0.901), (0.951, 0.901, 0.899), (0.949, 0.899, 0.90)])
    if with_controls:
        fill_controls(store)
    text = prose(render(build_answers(store), today=DAY))
    pcts, gaps = allowed_figures(store)
    unbacked = [m for m in PERCENT.findall(text) if m not in pcts]
    assert not unbacked, f"percentages no stored run backs: {unbacked}"
    loose = [g for g in GAP.findall(text) if not any(abs(float(g) - x) <= 0.011 for x in gaps)]
    assert not loose, f"gaps that are no difference of two stored figures: {loose}"


def test_missing_part_is_named_in_its_section(store):
    fill_exercise(store)
    store.delete_run(build_answers(store).nets["part2-wide"].run_id)
    text = render(build_answers(store), today=DAY)
    assert "**Missing runs:** `part2-wide`." in text
    p2 = section(text, "## Part Two")
    assert "**Missing:** no completed run of `part2-wide`." in p2
    assert "part2-wide" not in section(text, "## Results of every network")


def test_own_net_and_outside_rules_in_results(store):
    add_run(store, "part1-small", [400], train=0.9, val=0.89, test=0.88)
    own = add_run(store, None, [100, 100], train=0.97, val=0.96, test=0.96, name="mine")
    text = render(build_answers(store, [own]), today=DAY)
    assert f"| mine (run {own}), your own net | 100, 100 |" in section(text, "## Results of every network")
    assert "runs picked by you" in text
    assert "outside" not in section(text, "## Results of every network")  # the part1-small run was not picked
    all_runs = render(build_answers(store), today=DAY)
    assert "| outside: < 50,000 trainable parameters: 318,010 parameters |" in all_runs


def test_an_old_store_exports(tmp_path):
    """A store written by the first schema (no gradients, kinds, groups or histograms) migrates and exports."""
    import sqlite3

    from engine.spec import make_spec
    from engine.store import MIGRATIONS, Store

    path = tmp_path / "v1.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    spec = make_spec(name="old part3", hidden_layers=[9, 9, 9]).model_dump_json()
    db.execute(
        "INSERT INTO runs (preset, part, spec_json, status, started_at, train_accuracy, val_accuracy, test_accuracy,"
        " test_size, val_size) VALUES (?,?,?,?,?,?,?,?,?,?)",
        ("part3", "part3", spec, "completed", "2025-01-01", 0.95, 0.94, 0.93, 2000, 1333),
    )
    db.execute(
        "INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds) VALUES (1,1,1,1,1,1,1)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = Store(path)
    text = export_markdown(store, today=DAY)
    store.close()
    assert "### old part3 (run 1): 3 hidden layers (3 x 9)" in text
    assert "- **Test accuracy:** 93.00% (n = 1): 1 of 1 run above 92%" in text
