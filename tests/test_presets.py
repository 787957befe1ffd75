"""Presets: one per exercise part, inside its own rules, exact counts equal to Keras's; user presets."""

from __future__ import annotations

import json

import pytest

from engine.errors import MnistTuiError, SpecError
from engine.presets import (
    all_presets,
    builtin_presets,
    find_preset,
    load_preset_file,
    save_user_preset,
    user_preset_id,
    user_presets,
    user_presets_dir,
)
from engine.rules import PARTS
from engine.spec import make_spec
from tui.cli import main

JSON_KEYS = {
    "id",
    "part",
    "hidden_layers",
    "activation",
    "optimizer",
    "learning_rate",
    "batch_size",
    "epochs",
    "trainable_params",
    "weights",
    "biases",
    "rules",
}
EXPECTED_PARAMS = {
    "part1-large": (301_056 + 3_840, 384 + 10),
    "part1-small": (37_632 + 480, 48 + 10),
    "part2-narrow": (784 * 8 + 9 * 64 + 80, 90),
    "part2-medium": (784 * 32 + 9 * 1024 + 320, 330),
    "part2-wide": (784 * 64 + 9 * 4096 + 640, 650),
    "part3": (784 * 256 + 256 * 128 + 128 * 64 + 640, 458),
}


def presets_json(capsys) -> list[dict]:
    assert main(["presets", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_one_builtin_preset_per_part_in_order():
    assert [p.part for p in builtin_presets()] == list(PARTS)
    assert [p.id for p in builtin_presets()] == list(PARTS)


def test_presets_json_keys_and_exact_counts(capsys):
    data = presets_json(capsys)
    assert {d["part"] for d in data} == set(PARTS)
    for d in data:
        assert JSON_KEYS <= set(d), JSON_KEYS - set(d)
        weights, biases = EXPECTED_PARAMS[d["part"]]
        assert (d["weights"], d["biases"], d["trainable_params"]) == (weights, biases, weights + biases)
        assert all(set(r) == {"rule", "ok", "detail"} for r in d["rules"])


def test_every_preset_meets_its_own_parts_rules(capsys):
    for d in presets_json(capsys):
        failing = [r for r in d["rules"] if not r["ok"]]
        assert not failing, (d["id"], failing)
        assert (d["activation"], d["optimizer"]) == ("sigmoid", "sgd")
        assert d["epochs"] >= 10 and d["learning_rate"] > 0
        assert len(d["rules"]) >= 5  # the 4 common rules and at least one of the part's


def test_presets_table_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for part in PARTS:
        assert part in out
    assert "305,290" in out


@pytest.mark.slow
def test_counts_equal_what_keras_builds():
    from engine.model import build_model, dense_layers

    for preset in builtin_presets():
        model = build_model(preset.spec)
        counts = preset.spec.param_counts()
        assert model.count_params() == counts.total, preset.id
        kernels = [w for w in model.trainable_weights if len(w.shape) == 2]
        biases = [w for w in model.trainable_weights if len(w.shape) == 1]
        assert len(kernels) + len(biases) == len(model.trainable_weights)
        assert sum(int(w.numpy().size) for w in kernels) == counts.weights, preset.id
        assert sum(int(w.numpy().size) for w in biases) == counts.biases, preset.id
        assert [layer.units for layer in dense_layers(model)] == [*preset.spec.hidden_layers, 10]


def test_find_preset_by_id_and_by_file(tmp_path):
    assert find_preset("part3").part == "part3"
    path = tmp_path / "mine.toml"
    path.write_text('name = "Mine"\nhidden_layers = [20, 20, 20]\n')
    preset = find_preset(str(path))
    assert (preset.id, preset.part, preset.spec.hidden_layers) == ("mine", None, [20, 20, 20])


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(SpecError, match="unknown preset 'nope'.*part1-large"):
        find_preset("nope")


def test_user_preset_round_trip_and_listing():
    spec = make_spec(name="My deep net", hidden_layers=[30] * 12, learning_rate=0.2)
    saved = save_user_preset(spec, part="part2-medium")
    assert saved.path.parent == user_presets_dir() and saved.id == "my-deep-net"
    again = load_preset_file(saved.path)
    assert again.spec == spec and again.part == "part2-medium"
    assert "my-deep-net" in [p.id for p in all_presets()]
    assert find_preset("my-deep-net").spec == spec
    # grouped as Home lists it: a user's preset is theirs, whatever part its rules are checked against
    assert again.group == "Your presets" and find_preset("part2-medium").group == "Part Two"


def test_user_preset_cannot_shadow_a_builtin():
    saved = save_user_preset(make_spec(name="part3", hidden_layers=[5]))
    assert saved.id == "part3-custom" == user_preset_id("part3")  # the id the editor trains an unsaved copy as
    assert find_preset("part3").builtin
    assert user_preset_id("anything", "my-own-id") == "my-own-id"


def test_broken_user_preset_is_reported_and_skipped(capsys):
    folder = user_presets_dir()
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text("hidden_layers = [")
    (folder / "good.toml").write_text('name = "ok"\nhidden_layers = [5]\n')
    problems: list[str] = []
    assert [p.id for p in user_presets(problems)] == ["good"]
    assert len(problems) == 1 and "broken.toml" in problems[0]
    assert main(["presets", "--json"]) == 0
    captured = capsys.readouterr()
    assert "good" in {d["id"] for d in json.loads(captured.out)}
    assert "skipped a user preset" in captured.err and "broken.toml" in captured.err


def test_saving_into_an_unusable_config_dir_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MNIST_TUI_CONFIG", str(blocker))
    with pytest.raises(MnistTuiError, match="cannot create the presets folder"):
        save_user_preset(make_spec(name="x", hidden_layers=[5]))
