"""Messages and names that stay readable whatever they are given: a command with its standard output
closed says so in one line, a value typed a page long is quoted cut (80 characters and an ellipsis), a
TOML file saved with a byte-order mark reads like any other, names are cut and padded in terminal cells
(CJK takes two, accents none), and bidirectional controls are shown escaped like escape codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import ROOT
from known_runs import add_run
from rich.cells import cell_len

from engine.presets import find_preset, user_presets_dir
from engine.store import Store
from tui.cli import main
from tui.format import clip
from tui.text import fit, literal, pad, printable

CLOSED = "standard output is closed, so there is nowhere to show it (redirect it to a file)"


# -- closed standard output ------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["runs"], ["runs", "--json"], ["show", "1"], ["presets"], ["watch"], ["queue"]])
def test_a_closed_stdout_is_one_clear_line(command, tmp_path):
    store = Store(tmp_path / "runs.sqlite3")
    add_run(store, "part1-small", [32], train=0.9, val=0.9, test=0.9)
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", *command, "--store", str(tmp_path / "runs.sqlite3")],
        preexec_fn=lambda: os.close(1),
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == f"mnist-tui: error: {CLOSED}\n"


# -- long values cut -------------------------------------------------------------------------------------
def error_line(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own errors end the parse
        code = exc.code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return code, err.strip()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["show", "9" * 5000], "argument RUN: invalid int value: '" + "9" * 79 + "…'"),
        (["train", "part1-small", "--epochs", "9" * 5000], "argument --epochs: is far too large (5,000 digits; got '"),
        (["queue", "part1-small", "--subset", "1" * 300], "argument --subset: is far too large (300 digits; got '"),
        (["train", "x" * 300], "unknown preset '" + "x" * 79 + "…' (known: part1-large"),
        (["runs", "--limit", "-" + "1" * 300], "argument --limit: is far too large (300 digits"),
    ],
)
def test_a_page_long_value_is_quoted_cut(args, says, capsys):
    code, line = error_line(capsys, *args)
    assert code == 2 and says in line and len(line) < 400, line
    assert "9" * 81 not in line and "x" * 81 not in line and "1" * 81 not in line


# -- a byte-order mark -----------------------------------------------------------------------------------
def test_a_toml_file_with_a_byte_order_mark_is_read(tmp_path, capsys):
    body = 'name = "with bom"\nhidden_layers = [16]\nepochs = 2\n'
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert find_preset(str(path)).spec.name == "with bom"
    user_presets_dir().mkdir(parents=True)
    (user_presets_dir() / "mine.toml").write_bytes(b"\xef\xbb\xbf" + body.encode())
    capsys.readouterr()
    assert main(["presets"]) == 0
    out, err = capsys.readouterr()
    assert " mine " in out and err == ""  # not skipped as broken


# -- cells, not characters -------------------------------------------------------------------------------
CJK = "深度学习网络模型第一部分大型网络"  # 16 characters, 32 cells
ACCENTED = "re\u0301seau\u0301" * 5  # combining acute accents: 40 characters, 35 cells


@pytest.mark.parametrize("width", [1, 5, 10, 16, 19, 40])
@pytest.mark.parametrize("name", [CJK, ACCENTED, "plain-name-" * 4])
def test_names_are_cut_and_padded_in_terminal_cells(name, width):
    cut = fit(name, width)
    assert cell_len(cut) <= width and cell_len(pad(name, width)) == width
    assert clip(name, width) == cut
    if cell_len(name) > width:
        assert cut.endswith("…") and name.startswith(cut[:-1])
    else:
        assert cut == name


def test_a_cut_keeps_accents_with_their_letter():
    assert fit("e\u0301" * 10, 4) == "e\u0301" * 3 + "…"


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c"])
def test_bidirectional_controls_are_shown_escaped(char):
    shown = printable(f"evil{char}gpj.exe")
    assert char not in shown and f"\\u{ord(char):04x}" in shown
    assert literal(f"run{char}1").plain == f"run\\u{ord(char):04x}1"


def test_the_runs_table_shows_a_right_to_left_override_escaped(tmp_path, capsys):
    store = Store(tmp_path / "runs.sqlite3")
    run_id = add_run(store, "part1-small", [32], train=0.9, val=0.9, test=0.9)
    store.set_label(run_id, "report\u202eexe.txt")
    store.close()
    capsys.readouterr()
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "report\\u202eexe.txt" in out


def test_preset_rows_line_up_in_cells_whatever_the_script():
    from engine.spec import make_spec
    from tui.widgets.preset_list import header_text, row_text

    preset = find_preset("part1-small")
    wide = type(preset)(preset.id, preset.part, make_spec(name=CJK, hidden_layers=[32]), None, False)

    def params_end(text: str, params: str) -> int:  # the cell column where the params field ends
        return cell_len(text[: text.index(params) + len(params)])

    header = params_end(header_text().plain, "params")
    assert params_end(row_text(wide).plain, f"{wide.params.total:,}") == header
    assert params_end(row_text(preset).plain, f"{preset.params.total:,}") == header
