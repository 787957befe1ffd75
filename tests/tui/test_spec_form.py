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
