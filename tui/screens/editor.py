"""Editor: a form over NetworkSpec, validated by the engine's pydantic model on every keystroke, with
errors beside each field, a live parameter count and rule checks; save as a user preset or train it.

Built-in presets are never changed: editing one edits a copy. Keys use ctrl so they work while a field
has focus (plain letters go into the field).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from engine.errors import MnistTuiError
from engine.presets import Preset, save_user_preset, user_preset_id
from engine.rules import check_rules
from engine.spec import count_params, shape_text
from tui.app_access import mnist_app
from tui.screens.dialogs import ConfirmDialog
from tui.spec_form import (
    CHOICE_FIELDS,
    HINTS,
    NO_PART,
    ORDER,
    PART_CHOICES,
    TEXT_FIELDS,
    FormResult,
    read_form,
    spec_fields,
)
from tui.text import literal, notify_literal
from tui.widgets.footer import KeyFooter
from tui.widgets.rule_checks import rule_lines, verdict


class EditorScreen(Screen):
    CSS_PATH = "editor.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        Binding("ctrl+t", "train", "Train", priority=True, tooltip="Train the network in the form"),
        Binding("ctrl+s", "save", "Save preset", priority=True, tooltip="Save the form as your preset"),
        Binding("escape", "back", "Back", tooltip="Back (asks first when the form has unsaved changes)"),
        Binding("f1", "app.help", "Help", tooltip="Every key ('?' would be typed into the field)"),
    ]

    def __init__(self, preset: Preset) -> None:
        super().__init__()
        self.base = preset.spec
        self.part = preset.part
        self.copy = preset.builtin
        # a built-in is edited as a copy under a new id (derived from the name when saved)
        self.preset_id: str | None = None if preset.builtin else preset.id
        self.source_id = preset.id
        self.initial = spec_fields(preset.spec)
        if self.copy:
            self.initial["name"] = f"{preset.spec.name} (copy)"
            # the copy is the user's net: the built-in's description would describe a different one once edited
            self.base = preset.spec.model_copy(update={"description": f"Edited from the built-in {preset.id}."})
        self.saved_values: dict[str, str] | None = None  # what the form held when opened or last saved
        self.result = FormResult(None)

    def compose(self) -> ComposeResult:
        with Horizontal(id="editor"):
            with VerticalScroll(id="form"):
                for name in ORDER:
                    yield from self._field(name)
            with Vertical(id="side"):
                yield Static(id="params")
                yield Static(id="verdict")
                with VerticalScroll(id="rules-pane"):
                    yield Static(id="rules")
        yield KeyFooter()

    def _field(self, name: str) -> ComposeResult:
        if name == "part":
            label = "Rules of"
            # short prompts (the rules are listed beside the form): long ones wrap over the labels below
            choices = [(f"{title.split(':')[0]} · {value}" if value != NO_PART else "No part (common rules)", value)
                       for title, value in PART_CHOICES]  # fmt: skip
            widget = Select(choices, value=self.part or NO_PART, allow_blank=False, compact=True)
        elif name in CHOICE_FIELDS:
            label, choices = CHOICE_FIELDS[name]
            widget = Select([(c, c) for c in choices], value=self.initial[name], allow_blank=False, compact=True)
        else:
            label = TEXT_FIELDS[name]
            widget = Input(self.initial[name], placeholder=HINTS.get(name, ""), compact=True, select_on_focus=False)
        widget.id = f"f-{name}"
        with Horizontal(classes="field"):
            yield Label(label, classes="label")
            yield widget
        yield Static("", id=f"err-{name}", classes="error")

    def on_mount(self) -> None:
        form = self.query_one("#form")
        form.border_title = literal(f"Copy of {self.source_id}" if self.copy else f"Your preset {self.source_id}")
        form.border_subtitle = "built-in presets stay as shipped" if self.copy else ""
        self.query_one("#side").border_title = "Parameters and rules"
        self.query_one("#f-name", Input).focus()
        self.revalidate()
        self.saved_values = self.values()

    # -- validation -----------------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        out = {name: self.query_one(f"#f-{name}", Input).value for name in TEXT_FIELDS}
        out.update({name: str(self.query_one(f"#f-{name}", Select).value) for name in CHOICE_FIELDS})
        return out

    @property
    def chosen_part(self) -> str | None:
        value = self.query_one("#f-part", Select).value
        return None if value == NO_PART else str(value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.revalidate()

    def revalidate(self) -> None:
        self.result = result = read_form(self.values(), self.base)
        for name in ORDER:
            if name == "part":
                continue
            error = result.errors.get(name, "")
            label = self.query_one(f"#err-{name}", Static)
            label.update(literal(f"✗ {error}") if error else "")
            label.display = bool(error)
            self.query_one(f"#f-{name}").set_class(bool(error), "-invalid")
        self.show_side(result)

    def show_side(self, result: FormResult) -> None:
        params = Text()
        if result.units is not None:
            c = count_params(result.units)
            params.append(f"{c.total:,}", style="bold")
            params.append(f" trainable params\n{c.weights:,} weights / {c.biases:,} biases\n")
            params.append(shape_text(result.units), style="dim")
        else:
            params.append("params: fix the hidden layers to count them", style="dim")
        self.query_one("#params", Static).update(params)
        if result.ok:
            checks = check_rules(result.spec, self.chosen_part)
            ready = verdict(checks)
            ready.append("\nready: ctrl+t trains, ctrl+s saves", style="dim")
            self.query_one("#verdict", Static).update(ready)
            self.query_one("#rules", Static).update(rule_lines(checks, brief=True))
        else:
            bad = ", ".join(TEXT_FIELDS.get(n, n).lower() for n in result.errors)
            self.query_one("#verdict", Static).update(Text(f"✗ cannot train or save: fix {bad}", style="bold red"))
            self.query_one("#rules", Static).update(Text("Rule checks appear once the form is valid.", style="dim"))

    def _refuse(self, what: str) -> bool:
        if self.result.ok:
            return False
        fields = "; ".join(f"{TEXT_FIELDS.get(n, n).lower()}: {msg}" for n, msg in self.result.errors.items())
        notify_literal(self, f"Cannot {what}: {fields}", severity="error")
        return True

    # -- actions --------------------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """The form differs from what it held when opened or last saved."""
        return self.saved_values is not None and self.values() != self.saved_values

    def action_back(self) -> None:
        if not self.dirty:
            self.app.pop_screen()
            return

        def answered(drop: bool | None) -> None:
            if drop:
                self.app.pop_screen()

        self.app.push_screen(ConfirmDialog("Drop your unsaved changes to this preset? (ctrl+s saves them)"), answered)

    def action_train(self) -> None:
        if self._refuse("train"):
            return
        spec = self.result.spec
        app = mnist_app(self)
        app.start_training([app.request(user_preset_id(spec.name, self.preset_id), self.chosen_part, spec)])

    def action_save(self) -> None:
        if self._refuse("save"):
            return
        spec = self.result.spec
        try:  # a new preset never overwrites a file (the engine refuses a taken id); its own preset it does
            saved = save_user_preset(spec, self.chosen_part, self.preset_id, replace=self.preset_id is not None)
        except MnistTuiError as exc:  # an unwritable config dir: say so, keep the form as typed
            notify_literal(self, exc, title="Preset not saved", severity="error", timeout=15)
            return
        self.preset_id = saved.id
        self.base = spec
        self.saved_values = self.values()
        self.query_one("#form").border_title = literal(f"Your preset {saved.id}")
        self.query_one("#form").border_subtitle = ""
        notify_literal(self, f"Saved as '{saved.id}' ({saved.path}); it is listed on Home.", title="Preset saved")
