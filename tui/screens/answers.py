"""Answers: the export (`mnist-tui export`) rendered as markdown before it is written, with the notes for
the free-text answers editable underneath and saved to the run store.

The markdown is built in a worker thread (it reads every run and draws a chart per net), so keys keep
answering while it renders.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static, TabbedContent, TabPane, TextArea

from engine.answers import NOTE_KEYS, NOTES
from engine.errors import MnistTuiError
from engine.store import Store
from tui.app_access import mnist_app
from tui.keys import BACK
from tui.text import literal, notify_literal
from tui.widgets.footer import KeyFooter

DEFAULT_OUT = "answers.md"
NOTE_TABS = {note.key: note.tab for note in NOTES}  # short tab titles for the notes


class AnswersScreen(Screen):
    CSS_PATH = "answers.tcss"
    AUTO_FOCUS = "#answers-scroll"
    BINDINGS = [
        BACK,
        Binding("w", "write", "Write file"),
        Binding("ctrl+s", "save_notes", "Save notes", priority=True),
        Binding("n", "edit_notes", "Write notes"),
        Binding(
            "c",
            "queue_controls",
            "Run controls",
            tooltip="Queue the Part Two nets again with one change each (ReLU; 10x learning rate), 3 seeds each",
        ),
        Binding("r", "refresh", "Refresh", show=False),
    ]

    def __init__(
        self, store: Store, run_ids: list[int] | None = None, out_path: str | Path | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.run_ids = run_ids  # runs picked in Compare; None: each part's runs with its latest settings
        self.out_path = Path(out_path or DEFAULT_OUT).expanduser().absolute()  # say exactly where `w` writes
        self.markdown_text = ""  # the text shown, exactly what `w` writes
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        scope = (
            f"runs {', '.join(map(str, self.run_ids))} as picked"
            if self.run_ids
            else "runs of each part with its latest settings"
        )
        yield Static(literal(f"Answers from the {scope}  ·  w writes {self.out_path}"), id="answers-status")
        with VerticalScroll(id="answers-scroll"):
            yield Markdown("*Reading the runs…*", id="answers-md")
        with Vertical(id="notes-pane"):
            with TabbedContent(id="notes"):
                for key, title in NOTE_TABS.items():
                    with TabPane(title, id=f"tab-{key}"):
                        yield TextArea(id=f"note-{key}", soft_wrap=True, tab_behavior="focus")
        yield KeyFooter()  # compact below 100 columns, so no key is cut at 80

    def on_mount(self) -> None:
        pane = self.query_one("#notes-pane")
        pane.border_title = "Your notes: ctrl+s saves them into the answers, esc closes"
        saved = self.store.get_notes()
        for key in NOTE_KEYS:
            self.query_one(f"#note-{key}", TextArea).load_text(saved.get(key, ""))
        self.action_refresh()

    # -- rendering ----------------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.render_answers()

    @work(thread=True, exclusive=True, group="answers")
    def render_answers(self) -> None:
        from engine.report import export_markdown

        try:
            text = export_markdown(self.store, self.run_ids)
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")  # thread-safe, like notify
            return
        self.app.call_from_thread(self.show_markdown, text)

    async def show_markdown(self, text: str) -> None:
        self.markdown_text = text
        await self.query_one(Markdown).update(text)

    # -- notes --------------------------------------------------------------------------------------------
    def unsaved_notes(self) -> dict[str, str]:
        saved = self.store.get_notes()
        current = {key: self.query_one(f"#note-{key}", TextArea).text for key in NOTE_KEYS}
        return {k: v for k, v in current.items() if v != saved.get(k, "")}

    def save_notes(self) -> int:
        """Store every changed note; returns how many were saved."""
        changed = self.unsaved_notes()
        for key, text in changed.items():
            self.store.set_note(key, text)
        return len(changed)

    def action_save_notes(self) -> None:
        try:
            count = self.save_notes()
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
            return
        self.notify(f"{count} note{'s' * (count != 1)} saved" if count else "Notes unchanged")
        if count:
            self.render_answers()

    def action_edit_notes(self) -> None:
        """Open the notes under the answers (hidden otherwise: a small terminal needs the room to read)."""
        self.query_one("#notes-pane").add_class("-open")
        tabs = self.query_one(TabbedContent)
        self.query_one(f"#note-{tabs.active.removeprefix('tab-')}", TextArea).focus()

    # -- controls -----------------------------------------------------------------------------------------
    def action_queue_controls(self) -> None:
        """Queue the controls for the worker: outside the exercise rules, read by the hypothesis answer."""
        from dataclasses import replace

        from engine.experiment_controls import DEFAULT_PRESETS, DEFAULT_REPEATS, control_specs
        from engine.presets import find_preset
        from engine.repeats import expand_repeats

        requests = []
        try:
            for preset_id in DEFAULT_PRESETS:
                preset = find_preset(preset_id)
                for control in control_specs(preset.spec):
                    for spec, group in expand_repeats(control.spec, DEFAULT_REPEATS):
                        request = mnist_app(self).request(preset.id, preset.part, spec)
                        requests.append(replace(request, repeat_group=group, kind="control", label=control.label))
        except MnistTuiError as exc:
            self.notify(str(exc), title="Controls not queued", severity="error", markup=False)
            return
        mnist_app(self).start_training(requests)

    # -- writing ------------------------------------------------------------------------------------------
    def action_write(self) -> None:
        self.write_file()

    @work(thread=True, exclusive=True, group="answers")
    def write_file(self) -> None:
        """Save the notes, render afresh (the notes and any new run go in) and write atomically."""
        from engine.report import export_markdown, write_answers

        try:
            self.app.call_from_thread(self.save_notes)
            text = export_markdown(self.store, self.run_ids)
            path = write_answers(text, self.out_path)
        except MnistTuiError as exc:
            notify_literal(self, exc, title="Not written", severity="error", timeout=10)  # thread-safe
            return
        self.app.call_from_thread(self.written_to, path, text)

    async def written_to(self, path: Path, text: str) -> None:
        self.written = path
        self.query_one("#answers-status", Static).update(literal(f"Written to {path}"))
        notify_literal(self, f"Answers written to {path}", title="Written")
        await self.show_markdown(text)

    def action_back(self) -> None:
        """From a note: save it and return to the answers; from the answers: save any note and leave."""
        leaving = not isinstance(self.focused, TextArea)
        try:
            if self.save_notes():
                self.notify("Notes saved")
                if not leaving:
                    self.render_answers()
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
        if leaving:
            self.app.pop_screen()
        else:
            self.query_one("#notes-pane").remove_class("-open")
            self.query_one("#answers-scroll").focus()
