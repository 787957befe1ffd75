"""engine.fileio.write_text: atomic for files, written through for symlinks, FIFOs and descriptors, and the
`export` command on top of it (/dev/stdout, a closed stdout)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest

from engine.errors import MnistTuiError
from engine.fileio import TargetExists, own_descriptor, write_text


def test_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path):
    target = tmp_path / "answers.md"
    target.write_text("old")
    target.chmod(0o600)
    assert write_text(target, "new ✓") == target.resolve()
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.md"]  # no temp file left


def test_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real.name)
    assert write_text(link, "new") == real.resolve()
    assert link.is_symlink() and os.readlink(link) == "real.md"
    assert real.read_text() == "new"


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.md"
    link.symlink_to("made.md")
    write_text(link, "hello")
    assert link.is_symlink() and (tmp_path / "made.md").read_text() == "hello"


def test_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_text(fifo, "through the pipe")
    reader.join(timeout=30)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_own_descriptor_paths_write_to_that_descriptor(tmp_path):
    read_end, write_end = os.pipe()
    try:
        path = f"/dev/fd/{write_end}"
        assert own_descriptor(path) == write_end
        assert own_descriptor("/dev/stdout") == 1 and own_descriptor("/proc/self/fd/2") == 2
        assert own_descriptor(tmp_path / "x") is None
        write_text(path, "via fd")
        assert os.read(read_end, 100) == b"via fd"
    finally:
        os.close(read_end)
        os.close(write_end)


def test_closed_descriptor_is_a_clear_error():
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    with pytest.raises(MnistTuiError, match=f"descriptor {write_end} is closed"):
        write_text(f"/dev/fd/{write_end}", "x")


def test_replace_false_never_overwrites(tmp_path):
    target = tmp_path / "mine.toml"
    write_text(target, "first", replace=False)
    with pytest.raises(TargetExists, match="already exists"):
        write_text(target, "second", replace=False)
    assert target.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.symlink_to(p.name), "a symbolic link loop"),
        (lambda p: None, "folder .* does not exist"),
    ],
    ids=["folder", "symlink-loop", "missing-folder"],
)
def test_unwritable_targets_are_one_line_errors_naming_the_path(tmp_path, make, needle):
    target = tmp_path / "out.md"
    make(target)
    where = target if needle != "folder .* does not exist" else tmp_path / "nope" / "out.md"
    with pytest.raises(MnistTuiError, match=needle) as err:
        write_text(where, "x")
    assert str(where) in str(err.value) and "\n" not in str(err.value)


def test_a_socket_is_refused(tmp_path):
    import socket

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(MnistTuiError, match="not a regular file, FIFO or terminal"):
            write_text(path, "x")
    finally:
        server.close()


def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, timeout=120, check=False, **kwargs
    )


def test_dev_stdout_is_this_process_stdout(capfd):
    before = os.readlink("/dev/stdout") if os.path.islink("/dev/stdout") else None
    write_text("/dev/stdout", "to the terminal\n")
    assert capfd.readouterr().out == "to the terminal\n"
    assert (os.readlink("/dev/stdout") if os.path.islink("/dev/stdout") else None) == before


def test_export_writes_through_a_symlink_and_a_fifo(tmp_path):
    """Through the CLI, so the export keeps using this helper (a link in tmp stands in for /dev/stdout: a
    writer that replaced links would, as root, replace the system's /dev/stdout)."""
    store = str(tmp_path / "runs.sqlite3")
    real, link = tmp_path / "real.md", tmp_path / "link.md"
    real.write_text("old")
    link.symlink_to(real.name)
    done = _cli("export", "--out", str(link), "--store", store)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("# MNIST exercise: answers")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = _cli("export", "--out", str(fifo), "--store", store)
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert got[0].startswith(b"# MNIST exercise: answers") and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_export_dash_with_stdout_closed_is_a_clear_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "export", "--out", "-", "--store", str(tmp_path / "runs.sqlite3")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 1
    assert done.stderr.decode() == "mnist-tui: error: --out -: standard output is closed; give a file with --out FILE\n"


def test_the_apps_own_folder_is_made_like_an_export_folder_and_then_checked(tmp_path):
    """private_folder makes each missing level private (as create_private_folders does, whatever the
    umask), makes an existing folder of the app private, and refuses a link in a folder's place."""
    import os
    import stat

    from engine.errors import MnistTuiError
    from engine.paths import private_folder

    old = os.umask(0o022)
    try:
        made = private_folder(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    for level in (tmp_path / "a", made):
        assert stat.S_IMODE(os.stat(level).st_mode) == 0o700
    (tmp_path / "open").mkdir(mode=0o755)
    os.chmod(tmp_path / "open", 0o755)
    assert stat.S_IMODE(os.stat(private_folder(tmp_path / "open")).st_mode) == 0o700
    (tmp_path / "link").symlink_to(made)
    with pytest.raises(MnistTuiError, match="not a folder"):
        private_folder(tmp_path / "link")
