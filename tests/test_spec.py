"""NetworkSpec bounds (every error names its field, in one line) and the "10 x 32" layer notation."""

from __future__ import annotations

import pytest

from engine.errors import SpecError
from engine.spec import MAX_LAYERS, MAX_UNITS, NetworkSpec, format_layers, make_spec, parse_layers


def spec(**fields) -> NetworkSpec:
    return make_spec(**{"name": "net", "hidden_layers": [32], **fields})


def test_defaults_are_the_exercise_rules():
    s = spec()
    assert (s.activation, s.optimizer, s.loss, s.momentum) == ("sigmoid", "sgd", "categorical_crossentropy", 0.0)
    assert s.epochs >= 10
    assert s.layer_sizes() == [784, 32, 10]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"hidden_layers": [-3]}, "hidden_layers.0"),
        ({"hidden_layers": [0]}, "hidden_layers.0"),
        ({"hidden_layers": [64, "ten"]}, "hidden_layers.1"),
        ({"hidden_layers": [10.5]}, "hidden_layers.0"),
        ({"hidden_layers": []}, "hidden_layers"),
        ({"hidden_layers": [MAX_UNITS + 1]}, "hidden_layers.0"),
        ({"hidden_layers": [1_000_000_000]}, "hidden_layers.0"),
        ({"hidden_layers": [8] * (MAX_LAYERS + 1)}, "hidden_layers"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": "fast"}, "learning_rate"),
        ({"momentum": 1.0}, "momentum"),
        ({"activation": "swish2"}, "activation"),
        ({"optimizer": "sgdd"}, "optimizer"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 60_001}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"seed": -1}, "seed"),
        ({"name": "   "}, "name"),
        ({"name": "bad\x07name"}, "name"),
        ({"epoch": 10}, "epoch"),
    ],
)
def test_invalid_field_is_a_one_line_error_naming_it(fields, field):
    with pytest.raises(SpecError) as err:
        spec(**fields)
    message = str(err.value)
    assert f"{field}:" in message
    assert "\n" not in message and err.value.exit_code == 2


def test_misspelt_key_is_called_unknown():
    with pytest.raises(SpecError, match=r"epoch: unknown field \(misspelt\?\)"):
        spec(epoch=10)


def test_missing_layers_is_required():
    with pytest.raises(SpecError, match="hidden_layers: is required"):
        make_spec(name="net")


def test_message_starts_with_the_source_and_stays_short():
    with pytest.raises(SpecError) as err:
        make_spec(source="my.toml", name="n", hidden_layers=[1], description="x" * 5000, epochs="\n" * 3000)
    message = str(err.value)
    assert message.startswith("my.toml: ")
    assert "\n" not in message and len(message) < 500


def test_a_hostile_key_cannot_break_the_line():
    with pytest.raises(SpecError) as err:
        spec(**{"a\nb\x1b[2J": 1})
    assert "\n" not in str(err.value) and "\x1b" not in str(err.value)


def test_spec_is_frozen():
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        spec().epochs = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("10 x 32", [32] * 10),
        ("10x32", [32] * 10),
        ("3 × 8", [8] * 3),
        ("512, 10 x 32, 64", [512, *([32] * 10), 64]),
        ("256 128 64", [256, 128, 64]),
        ("5,,6;7", [5, 6, 7]),
        ("-3", [-3]),  # parsed; NetworkSpec then names the field
    ],
)
def test_parse_layers(text, units):
    assert parse_layers(text) == units


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least one hidden layer"),
        ("   ", "at least one hidden layer"),
        (" , ;", "at least one hidden layer"),
        ("abc", "not a whole number"),
        ("10 x", "COUNT x UNITS"),
        ("0 x 5", "repeat count"),
        (f"{MAX_LAYERS + 1} x 5", "repeat count"),
        ("1" * 5000, "too large"),
        ("10 x 99999999999", "too large"),
    ],
)
def test_parse_layers_rejects(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_layers(text)


@pytest.mark.parametrize(
    ("units", "text"),
    [([32] * 10, "10 x 32"), ([512], "512"), ([5, 5], "5, 5"), ([1, 2, 2, 2, 3], "1, 3 x 2, 3"), ([], "")],
)
def test_format_layers(units, text):
    assert format_layers(units) == text
    assert units == (parse_layers(text) if text else [])


def test_layers_text_uses_repeats():
    assert spec(hidden_layers=[8] * 10).layers_text() == "10 x 8"


def test_a_net_too_big_for_memory_is_a_validation_error_naming_hidden_layers():
    with pytest.raises(SpecError, match=r"hidden_layers: 154,288,138 trainable parameters is more than"):
        make_spec(name="huge", hidden_layers=[4096] * 10)
    assert make_spec(name="ok", hidden_layers=[4096]).hidden_layers == [4096]


@pytest.mark.parametrize("text", ["10 x abc", "3 x 4 x 5", "512, 10x"])
def test_a_malformed_repeat_names_the_whole_chunk(text):
    with pytest.raises(ValueError, match=r"write a repeat as COUNT x UNITS"):
        parse_layers(text)
