"""How the TUI ends: a crash prints its reason and the log's path, a termination signal quits like `q` and
gives the terminal back, and keys typed right after `q` cannot crash the closing app."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static
from tui_fakes import until

from tui.app import MnistTuiApp
from tui.crash import TuiCrashed, crash_reported, reason
from tui.quitting import ExitGuard, quit_on_signals

ROOT = Path(__file__).resolve().parents[2]


class Composed(Screen):
    """Like the editor: on_mount needs what compose made."""

    def compose(self) -> ComposeResult:
        yield Static("body", id="body")

    def on_mount(self) -> None:
        self.query_one("#body")


class Plain(App):
    BINDINGS = [Binding("q", "quit"), Binding("e", "open")]

    def action_open(self) -> None:
        self.push_screen(Composed())


class Guarded(ExitGuard, Plain):
    pass


async def _q_then(app: App, *keys: str) -> None:
    async with app.run_test() as pilot:
        for key in ("q", *keys):  # queued together, as a fast typist's keys arrive
            app.post_message(events.Key(key, key))
        await until(pilot, lambda: app.return_code is not None, what="the app to exit")
        await pilot.pause()  # the keys after q reach the app before it closes


async def test_a_key_right_after_q_crashes_an_unguarded_app():
    """The canary for the Textual bug ExitGuard works around (a screen pushed on a closing app crashes it).
    Should it fail, Textual handles keys after exit() itself: drop ExitGuard (tui/quitting.py) from
    MnistTuiApp and delete this test and test_exit_guard_drops_keys_after_q."""
    app = Plain()
    try:
        await _q_then(app, "e")
    except Exception as err:  # noqa: BLE001 - whatever Textual raises, the message names the missing node
        assert "No nodes match '#body'" in str(err), err
    else:
        pytest.fail(
            f"Textual {version('textual')} no longer crashes on a key right after q: ExitGuard is not needed "
            "any more; drop it from MnistTuiApp (tui/quitting.py) and delete this canary and its guard's test"
        )
    assert app.return_code == 1


async def test_exit_guard_drops_keys_after_q():
    app = Guarded()
    await _q_then(app, "e")
    assert app.exiting and app.return_code == 0


@pytest.mark.parametrize("key", ["e", "c", "a", "t"])
async def test_q_then_another_key_quits_cleanly(app_factory, key):
    assert issubclass(MnistTuiApp, ExitGuard)
    app = app_factory()
    await _q_then(app, key)
    assert not app.return_code


# -- crash path ------------------------------------------------------------------------------------------


class Crashing(App):
    def on_mount(self) -> None:
        raise RuntimeError("boom [/] with markup-like text")


def test_a_crash_raises_one_line_naming_the_reason_and_the_log(tmp_path):
    log = tmp_path / "tui.log"
    app = Crashing()
    with pytest.raises(TuiCrashed) as err, crash_reported(app, log):
        app.run(headless=True, size=(40, 10))
    message = str(err.value)
    assert message == f"the TUI stopped on an error: RuntimeError: boom [/] with markup-like text (traceback in {log})"
    assert "Traceback" in log.read_text() and "raise RuntimeError" in log.read_text()


def test_a_clean_exit_reports_nothing(tmp_path):
    class Quits(App):
        def on_mount(self) -> None:
            self.exit()

    app = Quits()
    with crash_reported(app, tmp_path / "tui.log"):
        app.run(headless=True, size=(40, 10))
    assert app.return_code == 0


def test_reason_reads_the_last_exception_line():
    report = "Traceback (most recent call last)\n  ...\nKeyError: 'x'\n"
    assert reason(report) == "KeyError: 'x'"
    assert reason("...\ntextual.css.query.NoMatches: No nodes match '#form'\n") == "NoMatches: No nodes match '#form'"


# -- signals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGQUIT"])
def test_a_signal_runs_the_quit_action(signame):
    quits: list[str] = []

    class Signalled(App):
        def on_mount(self) -> None:
            self.set_timer(0.05, lambda: os.kill(os.getpid(), getattr(signal, signame)))

        async def action_quit(self) -> None:
            quits.append(signame)
            self.exit()

    app = Signalled()
    before = signal.getsignal(signal.SIGTERM)
    with quit_on_signals(app):
        app.run(headless=True, size=(40, 10))
    assert quits == [signame] and app.return_code == 0
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def _run_in_pty(code: str, env: dict, send=None, hang_up: bool = False) -> tuple[int, bytes]:
    """Run python -c code in a pseudo-terminal; once the app has drawn, call send(pid), or close the terminal
    (hang_up: the kernel sends SIGHUP and writes fail); return the exit status and the output."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the program
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-c", code], env)
    out, sent, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        if not sent and (send is not None or hang_up) and b"Presets" in out:
            sent = True
            if hang_up:
                os.close(fd)
                break
            send(pid)
    else:
        os.kill(pid, signal.SIGKILL)
    for _ in range(600):  # the child's own exit, at most a minute
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not hang_up:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out


@pytest.fixture
def tui_env(tmp_path):
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "MNIST_TUI_STORE": str(tmp_path / "runs.sqlite3"),
        "MNIST_TUI_CONFIG": str(tmp_path / "config"),
    }


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_the_real_tui_gives_the_terminal_back_on_a_signal(tui_env, signame):
    code = "import sys; from tui.cli import main; sys.exit(main([]))"
    status, out = _run_in_pty(code, tui_env, send=lambda pid: os.kill(pid, getattr(signal, signame)))
    assert status == 0
    after = out[out.rindex(b"\x1b[?1049h") :]  # from entering the alternate screen on
    assert b"\x1b[?1049l" in after and b"\x1b[?1000l" in after  # left it, mouse tracking off


def test_the_real_tui_ends_quietly_when_its_terminal_goes_away(tui_env):
    status, _ = _run_in_pty("import sys; from tui.cli import main; sys.exit(main([]))", tui_env, hang_up=True)
    assert status == 0


def test_the_real_tui_prints_a_crash_on_the_terminal(tui_env, tmp_path):
    code = (
        "import sys\n"
        "from tui.screens.home import HomeScreen\n"
        "def broken(self): raise ValueError('home is broken')\n"
        "HomeScreen.on_mount = broken\n"
        "from tui.cli import main\n"
        "sys.exit(main([]))\n"
    )
    status, out = _run_in_pty(code, tui_env)
    assert status == 1
    text = out[out.rindex(b"\x1b[?1049l") :].decode(errors="replace")
    log = tmp_path / "state" / "mnist-tui" / "tui.log"
    assert f"mnist-tui: error: the TUI stopped on an error: ValueError: home is broken (traceback in {log})" in text
    assert "home is broken" in log.read_text()
