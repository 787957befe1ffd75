"""Presets: presets/*.toml shipped with the app plus the user's own in their config dir, as NetworkSpecs."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tomli_w
from slugify import slugify as python_slugify

from engine.errors import MnistTuiError, SpecError, os_reason
from engine.fileio import TargetExists, create_private_folders, write_text
from engine.paths import config_dir
from engine.rules import PARTS, RuleCheck, check_rules, part_group
from engine.spec import NetworkSpec, ParamCounts, make_spec

MAX_PRESET_BYTES = 64 * 1024


@dataclass(frozen=True)
class Preset:
    id: str
    part: str | None
    spec: NetworkSpec
    path: Path | None
    builtin: bool

    @property
    def group(self) -> str:
        """The shipped presets by exercise part; everything the user saved under 'Your presets', whatever
        part its rules are checked against."""
        return part_group(self.part) if self.builtin else "Your presets"

    @property
    def params(self) -> ParamCounts:
        return self.spec.param_counts()

    @property
    def rules(self) -> list[RuleCheck]:
        return check_rules(self.spec, self.part)

    @property
    def meets_rules(self) -> bool:
        return all(c.ok for c in self.rules)

    def as_json(self) -> dict:
        counts = self.params
        return {
            "id": self.id,
            "part": self.part,
            "group": self.group,
            "builtin": self.builtin,
            "path": str(self.path) if self.path else None,
            **self.spec.model_dump(),
            "trainable_params": counts.total,
            "weights": counts.weights,
            "biases": counts.biases,
            "meets_rules": self.meets_rules,
            "rules": [c.as_dict() for c in self.rules],
        }


def user_presets_dir() -> Path:
    """$MNIST_TUI_CONFIG/presets, else the platform's user config dir (XDG on Linux)."""
    return config_dir() / "presets"


def parse_preset_text(text: str, source: str) -> tuple[str | None, NetworkSpec]:
    """TOML text -> (part, spec). The file is data: parsed with tomllib, validated, never executed."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))  # a byte-order mark (Windows editors) is no content
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: not valid TOML ({exc})") from None
    part = data.pop("part", None)
    if part is not None and part not in PARTS:
        raise SpecError(f"{source}: part: must be one of {', '.join(PARTS)} (got {part!r})")
    return part, make_spec(source=source, **data)


def load_preset_file(path: Path, builtin: bool = False) -> Preset:
    if path.is_dir():
        raise SpecError(f"{path}: is a directory, not a preset file")
    if path.exists() and not path.is_file():  # a FIFO or device would block or stream forever
        raise SpecError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:  # the size from stat first, and never more than the cap is read
            too_big = os.fstat(fh.fileno()).st_size > MAX_PRESET_BYTES
            raw = b"" if too_big else fh.read(MAX_PRESET_BYTES + 1)
        if too_big or len(raw) > MAX_PRESET_BYTES:
            raise SpecError(f"{path}: too large for a preset file (over {MAX_PRESET_BYTES // 1024} KiB)")
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start}); preset files are UTF-8 TOML") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({os_reason(exc)})") from None
    part, spec = parse_preset_text(text, str(path))
    return Preset(id=path.stem, part=part, spec=spec, path=path, builtin=builtin)


def builtin_presets() -> list[Preset]:
    root = resources.files("presets")
    files = sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: _part_order(p.name))
    return [load_preset_file(Path(str(p)), builtin=True) for p in files]


def _part_order(name: str) -> int:
    stem = name.removesuffix(".toml")
    return PARTS.index(stem) if stem in PARTS else len(PARTS)


def user_presets(errors: list[str] | None = None) -> list[Preset]:
    """The user's presets; a broken file is reported in `errors` and skipped, never fatal."""
    folder = user_presets_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.toml")):
        try:
            found.append(load_preset_file(path))
        except SpecError as exc:
            if errors is not None:
                errors.append(str(exc))
    return found


def all_presets(errors: list[str] | None = None) -> list[Preset]:
    """Built-ins, then the user's own. A user file named like a built-in is not listed (the built-in id
    must stay the built-in) and is reported in `errors`, so it is never hidden without a word."""
    builtins = builtin_presets()
    taken = {p.id for p in builtins}
    mine = user_presets(errors)
    if errors is not None:
        errors.extend(
            f"{p.path}: named like the built-in preset '{p.id}', so the built-in is used; rename the file to use it"
            for p in mine
            if p.id in taken
        )
    return builtins + [p for p in mine if p.id not in taken]


def find_preset(ref: str) -> Preset:
    """A preset id, or a path to a preset/spec TOML file."""
    for preset in all_presets():
        if preset.id == ref:
            return preset
    path = Path(ref).expanduser()
    if ref.endswith(".toml") or os.path.lexists(path):  # a link loop exists too: load it to say so
        if not os.path.lexists(path):
            raise SpecError(f"{ref}: no such preset file")
        return load_preset_file(path)
    known = ", ".join(p.id for p in all_presets())
    raise SpecError(f"unknown preset {ref!r} (known: {known}; or pass a .toml spec file)")


def slugify(name: str) -> str:
    """A file-name-safe id from a preset's name; other scripts are transliterated ('Сеть' -> 'set'), so a
    non-Latin name keeps a readable id instead of all becoming 'preset'."""
    return python_slugify(name, max_length=MAX_SLUG, word_boundary=True) or "preset"


MAX_SLUG = 60


def user_preset_id(name: str, preset_id: str | None = None) -> str:
    """The id a user's preset gets: preset_id or the name's slug, with '-custom' added when it is a built-in's
    (a built-in is never shadowed)."""
    pid = preset_id or slugify(name)
    return f"{pid}-custom" if pid in {p.id for p in builtin_presets()} else pid


def save_user_preset(
    spec: NetworkSpec, part: str | None = None, preset_id: str | None = None, *, replace: bool = False
) -> Preset:
    """Write spec as <config>/presets/<id>.toml, atomically (a crash never leaves half a file).

    The id is preset_id or the name's slug, with '-custom' added when it is a built-in's. A new preset never
    replaces a file: an existing one is a PresetExists error and nothing is written. replace=True is for
    saving the user's own preset over itself. Any failure is a MnistTuiError naming the file."""
    folder = user_presets_dir()
    try:
        create_private_folders(folder)  # each level it makes is 0700, like every folder of the app
    except OSError as exc:
        raise MnistTuiError(f"{folder}: cannot create the presets folder ({os_reason(exc)})") from None
    pid = user_preset_id(spec.name, preset_id)
    data = {"part": part} if part else {}
    data.update(spec.model_dump())
    path = folder / f"{pid}.toml"
    try:
        write_text(path, tomli_w.dumps(data), replace=replace)
    except TargetExists:
        raise PresetExists(
            f"you already have a preset '{pid}' ({path}): choose another name (nothing was overwritten)"
        ) from None
    except MnistTuiError as exc:  # read-only or full config dir: an error to show, not a crash
        raise MnistTuiError(f"cannot save preset: {exc}") from None
    return Preset(id=pid, part=part, spec=spec, path=path, builtin=False)


class PresetExists(MnistTuiError):
    """A new preset's id is taken by a file of the user's: nothing was written."""
