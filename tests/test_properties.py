"""Property-based tests: whatever a user or a file throws at the spec model, the layer notation, a preset
parser or the IDX reader, the answer is a valid value or a clean one-line error - never another exception."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import DataError, SpecError
from engine.idx import parse_idx
from engine.presets import parse_preset_text
from engine.spec import MAX_LAYERS, MAX_UNITS, NetworkSpec, format_layers, make_spec, parse_layers

FIELDS = list(NetworkSpec.model_fields)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["sigmoid", "relu", "sgd", "adam", "categorical_crossentropy", "10", "0.1", "1e400"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=5), st.dictionaries(st.text(max_size=5), scalars, max_size=3))
layer_lists = st.lists(st.one_of(st.integers(-5, MAX_UNITS + 5), scalars), max_size=MAX_LAYERS + 2)
spec_dicts = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)),
    values,
    max_size=8,
).flatmap(
    lambda d: st.fixed_dictionaries({"hidden_layers": layer_lists, "name": st.text(max_size=90)}).map(
        lambda base: {**base, **d}
    )
)
many = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_clean(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message and len(message) <= 400


@many
@given(spec_dicts)
def test_any_dict_is_a_valid_spec_or_a_clean_spec_error(fields):
    try:
        spec = make_spec(**fields)
    except SpecError as exc:
        assert_clean(str(exc))
        return
    assert isinstance(spec, NetworkSpec)
    assert 1 <= len(spec.hidden_layers) <= MAX_LAYERS
    assert all(isinstance(u, int) and 1 <= u <= MAX_UNITS for u in spec.hidden_layers)
    assert 0 < spec.learning_rate and 1 <= spec.batch_size and 1 <= spec.epochs
    assert NetworkSpec.model_validate_json(spec.model_dump_json()) == spec  # what the store keeps reloads


@many
@given(st.text(max_size=200))
def test_any_toml_text_is_a_spec_or_a_clean_spec_error(text):
    try:
        part, spec = parse_preset_text(text, "f.toml")
    except SpecError as exc:
        assert_clean(str(exc))
        assert str(exc).startswith("f.toml")
        return
    assert isinstance(spec, NetworkSpec)


@many
@given(st.text(alphabet=st.sampled_from("0123456789 x×*,;-+.abX\t"), max_size=60) | st.text(max_size=40))
def test_parse_layers_returns_ints_or_raises_value_error(text):
    try:
        units = parse_layers(text)
    except ValueError as exc:
        assert_clean(str(exc))
        return
    assert units and all(isinstance(u, int) for u in units)


@many
@given(st.lists(st.integers(1, MAX_UNITS), min_size=1, max_size=MAX_LAYERS))
def test_format_then_parse_is_the_identity(units):
    assert parse_layers(format_layers(units)) == units


@many
@given(st.binary(max_size=400))
def test_random_bytes_are_an_array_or_a_data_error(raw):
    try:
        out = parse_idx(raw, "file")
    except DataError as exc:
        assert_clean(str(exc))
        return
    assert isinstance(out, np.ndarray) and out.dtype == np.uint8


@st.composite
def idx_like(draw):
    """Mostly well-formed headers with random shapes and payloads that may or may not match."""
    ndim = draw(st.integers(0, 6))
    dims = draw(st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 6), min_size=ndim, max_size=ndim))
    dtype = draw(st.sampled_from([0x08, 0x08, 0x08, 0x09, 0x0D]))
    payload = draw(st.binary(max_size=300))
    return bytes([0, 0, dtype, ndim]) + struct.pack(f">{ndim}I", *dims) + payload


@many
@given(idx_like())
def test_idx_like_bytes_are_an_array_of_the_declared_shape_or_a_data_error(raw):
    try:
        out = parse_idx(raw, "file")
    except DataError as exc:
        assert_clean(str(exc))
        return
    ndim = raw[3]
    assert out.dtype == np.uint8
    assert out.shape == struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
