"""Hostile files and names: presets never silently overwritten or hidden, readable ids from any script,
sizes checked from headers before a byte of data is read, symlink loops named, markup-like names printed
literally, and a non-UTF-8 stdout."""

from __future__ import annotations

import gzip
import io
import os
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import pytest
from known_runs import add_run
from numpy.lib import format as npy_format

from engine.data import load_npz, load_raw
from engine.errors import DataError, MnistTuiError, SpecError
from engine.idx import read_idx
from engine.presets import PresetExists, all_presets, find_preset, save_user_preset, slugify, user_presets_dir
from engine.spec import make_spec
from tui.cli import main

# -- presets -------------------------------------------------------------------------------------------


def test_saving_a_copy_twice_never_overwrites_the_first():
    first = save_user_preset(make_spec(name="part1-large", hidden_layers=[384], epochs=3))
    assert first.id == "part1-large-custom"
    with pytest.raises(PresetExists, match="already have a preset 'part1-large-custom'.*nothing was overwritten"):
        save_user_preset(make_spec(name="part1-large", hidden_layers=[10]))
    assert find_preset("part1-large-custom").spec.epochs == 3  # the first file is untouched
    again = save_user_preset(make_spec(name="part1-large", hidden_layers=[10]), preset_id=first.id, replace=True)
    assert again.id == first.id and find_preset(first.id).spec.hidden_layers == [10]  # its own, on purpose


def test_a_user_file_named_like_a_builtin_is_reported(capsys):
    folder = user_presets_dir()
    folder.mkdir(parents=True)
    (folder / "part3.toml").write_text('name = "mine"\nhidden_layers = [5]\n')
    problems: list[str] = []
    presets = all_presets(problems)
    assert [p for p in presets if p.id == "part3"][0].builtin
    assert len(problems) == 1 and "part3.toml" in problems[0] and "built-in" in problems[0]
    assert main(["presets"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "part3.toml: named like the built-in preset 'part3'" in err


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Сеть глубокая", "set-glubokaia"), ("深度网络", "shen-du-wang-luo"), ("Ærø net", "aero-net"), ("🔥", "preset")],
)
def test_non_latin_names_keep_a_readable_id(name, slug):
    assert slugify(name) == slug


def test_unwritable_config_dir_is_an_engine_error(tmp_path, monkeypatch):
    folder = tmp_path / "config" / "presets"
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere: make the folder unusable another way
            folder.chmod(0o700)
            (folder / "net.toml").mkdir()
            name = "net"
        else:
            name = "anything"
        with pytest.raises(MnistTuiError, match="cannot save preset") as err:
            save_user_preset(make_spec(name=name, hidden_layers=[5]))
        assert "\n" not in str(err.value)
    finally:
        folder.chmod(0o700)


def test_symlink_loop_as_a_spec_file_is_named(tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop.name)
    with pytest.raises(SpecError, match=r"loop.toml: cannot read \(a symbolic link loop\)"):
        find_preset(str(loop))


# -- sizes before reading ------------------------------------------------------------------------------


def test_a_huge_sparse_idx_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    with open(path, "wb") as fh:
        fh.write(b"\x00\x00\x08\x03" + struct.pack(">3I", 60000, 28, 28))
        fh.truncate(3_900_000_000)  # sparse: 3.9 GB that take no disk
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="holds 3899999984 data bytes but its header declares 60000x28x28"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_gzipped_idx_is_decompressed_no_further_than_its_header(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"\x00\x00\x08\x03" + struct.pack(">3I", 2**31, 2**16, 28))
        fh.write(bytes(1_000_000))
    with pytest.raises(DataError, match="too large for an MNIST file"):
        read_idx(path)


def _npy(shape, data=b"", descr="|u1") -> bytes:
    out = io.BytesIO()
    npy_format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False, "shape": shape})
    return out.getvalue() + data


def test_an_npz_header_declaring_terabytes_is_a_data_error_not_memory_error(tmp_path):
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", _npy((10**12, 28, 28)))
        archive.writestr("y_train.npy", _npy((10,), bytes(10)))
        archive.writestr("x_test.npy", _npy((1, 28, 28), bytes(784)))
        archive.writestr("y_test.npy", _npy((1,), bytes(1)))
    with pytest.raises(DataError, match=r"huge.npz\[x_train\]: header declares shape \(1000000000000, 28, 28\)"):
        load_npz(path)


def test_an_npz_header_length_of_gigabytes_is_refused_before_reading_it(tmp_path):
    path = tmp_path / "header.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 3_000_000_000) + b"{'descr'")
        for key in ("y_train", "x_test", "y_test"):
            archive.writestr(f"{key}.npy", _npy((1,), bytes(1)))
    with pytest.raises(DataError, match=r"header.npz\[x_train\]: .npy header of 3,000,000,000 bytes"):
        load_npz(path)


def test_symlink_loop_and_dangling_link_as_data_are_named(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop.name)
    with pytest.raises(DataError, match=r"loop: cannot read \(a symbolic link loop\)"):
        load_raw(loop)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere.npz")
    with pytest.raises(DataError, match="dangling: a broken symbolic link"):
        load_raw(dangling)


# -- CLI output ----------------------------------------------------------------------------------------


def test_cli_tables_print_markup_like_ids_literally(store, capsys):
    store.start_run("[red]x[/", None, make_spec(name="[red]x[/", hidden_layers=[5]))  # id and name alike
    folder = user_presets_dir()
    folder.mkdir(parents=True)
    (folder / "[red]y.toml").write_text('name = "[bold]n[/"\nhidden_layers = [5]\n')
    assert main(["presets"]) == 0
    assert "[red]y" in capsys.readouterr().out
    assert main(["runs", "--store", str(store.path)]) == 0
    assert "[red]x[/" in capsys.readouterr().out


def test_non_utf8_stdout_does_not_break_runs_or_export(store, tmp_path):
    add_run(store, "part1-large", [384], train=0.9, val=0.9, test=0.9, name="Сеть → ✓")
    store.start_run("сеть", None, make_spec(name="Сеть", hidden_layers=[5]))
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}
    for args in (["runs"], ["export", "--out", "-"]):
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", *args, "--store", str(store.path)],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
        assert b"Traceback" not in done.stderr and done.stdout
    assert "Сеть → ✓".encode() in done.stdout  # export: the UTF-8 bytes the file would hold
