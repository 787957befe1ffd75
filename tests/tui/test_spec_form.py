"""The editor's form logic: text fields -> NetworkSpec with one message per bad field."""

from __future__ import annotations

import pytest

from engine.presets import find_preset
from tui.spec_form import number_text, read_form, spec_fields


@pytest.fixture
def base():
    return find_preset("part3").spec


def test_fields_round_trip_to_the_same_spec(base):
    fields = spec_fields(base)
    assert fields["hidden_layers"] == "256, 128, 64" and fields["validation_fraction"] == "1/6"
    result = read_form(fields, base)
    assert result.ok and result.spec == base


def test_every_bad_field_gets_its_own_message(base):
    fields = spec_fields(base) | {"hidden_layers": "10 x abc", "epochs": "0", "learning_rate": "fast", "seed": "1.5"}
    result = read_form(fields, base)
    assert not result.ok and result.spec is None
    assert set(result.errors) == {"hidden_layers", "epochs", "learning_rate", "seed"}
    assert "COUNT x UNITS" in result.errors["hidden_layers"]
    assert result.errors["epochs"] == "must be greater than or equal to 1"
    assert "number" in result.errors["learning_rate"] and "whole number" in result.errors["seed"]


def test_layer_errors_name_the_layer_and_count_still_shows(base):
    result = read_form(spec_fields(base) | {"hidden_layers": "512, 0"}, base)
    assert result.errors["hidden_layers"].startswith("layer 2:")
    good = read_form(spec_fields(base) | {"hidden_layers": "10 x 32", "epochs": "0"}, base)
    assert good.units == [32] * 10 and "epochs" in good.errors  # layers parse: the count is live


def test_repeat_syntax_and_fractions(base):
    result = read_form(spec_fields(base) | {"hidden_layers": "512, 3 x 64", "validation_fraction": "1/5"}, base)
    assert result.spec.hidden_layers == [512, 64, 64, 64] and result.spec.validation_fraction == 0.2


@pytest.mark.parametrize("x", [0.1, 1e-5, 1 / 6, 1 / 3, 0.123456789, 2.0])
def test_number_text_reads_back_exactly(x):
    text = number_text(x)
    num, _, den = text.partition("/")
    assert (float(num) / float(den) if den else float(text)) == x


def test_every_spec_field_has_a_title_and_help_and_a_place_in_the_form_and_summary():
    from engine.spec import NAMING_FIELDS, NetworkSpec
    from tui.run_summary import SPEC_FIELDS
    from tui.spec_form import CHOICE_FIELDS, HINTS, NOT_IN_FORM, ORDER, TEXT_FIELDS

    for name, field in NetworkSpec.model_fields.items():
        assert field.title and field.description, name
        assert name in ORDER or name in NOT_IN_FORM, name
        assert name in TEXT_FIELDS or name in CHOICE_FIELDS or name in NOT_IN_FORM, name
        assert name in dict(SPEC_FIELDS) or name in NAMING_FIELDS, name
    assert TEXT_FIELDS["learning_rate"] == "Learning rate" and HINTS["validation_fraction"].startswith("held-out")
    assert dict(SPEC_FIELDS)["batch_size"] == "batch size"


def test_a_new_field_with_a_title_shows_in_the_form_and_the_summary_unedited():
    from typing import Literal

    from engine.spec import NetworkSpec, spec_field
    from tui.run_summary import spec_rows
    from tui.spec_form import choice_fields, form_order, text_fields

    class WithDropout(NetworkSpec):
        dropout: float = spec_field("Dropout", "share of units dropped while training", default=0.0)
        init: Literal["glorot", "he"] = spec_field("Initializer", "how weights start", default="glorot")

    assert text_fields(WithDropout)["dropout"] == "Dropout"
    assert choice_fields(WithDropout)["init"] == ("Initializer", ("glorot", "he"))
    assert form_order(WithDropout)[-2:] == ("dropout", "init")
    assert ("dropout", "dropout") in spec_rows(WithDropout) and ("init", "initializer") in spec_rows(WithDropout)


def test_the_model_pool_and_sweeps_read_their_fields_from_the_spec():
    from engine.model_pool import graph_key
    from engine.spec import RUN_ONLY_FIELDS, SETTINGS
    from engine.sweep import SWEEPABLE

    assert set(RUN_ONLY_FIELDS) == {"name", "description", "seed", "epochs", "validation_fraction"}
    assert set(SETTINGS) <= set(SWEEPABLE) and "name" not in SWEEPABLE
    spec = find_preset("part3").spec
    assert graph_key(spec) == graph_key(spec.model_copy(update={"seed": 7, "epochs": 3}))
    assert graph_key(spec) != graph_key(spec.model_copy(update={"batch_size": 64}))
