"""`mnist-tui settings [KEY [VALUE]]`: what this store remembers. keep_models (on/off: does a completed run
keep its trained model beside the store) and data (the MNIST source the TUI and the queue use when no
--data is given; `default` forgets it). Without KEY: every setting and its value."""

from __future__ import annotations

from engine.errors import SpecError
from tui.commands.common import open_store
from tui.text import literal

KNOWN = {
    "keep_models": "on/off: a completed run keeps its trained model beside the store (default on)",
    "data": "the MNIST source used when no --data is given (a .npz or IDX folder; `default`: Keras's)",
}
DEFAULTS = {"keep_models": "on", "data": "default"}


def add_parser(sub, common) -> None:
    p = sub.add_parser("settings", parents=[common], help="show or change what this store remembers")
    p.add_argument("key", nargs="?", metavar="KEY", help=", ".join(KNOWN))
    p.add_argument("value", nargs="?", metavar="VALUE", help="the new value (none: show it)")


def cmd_settings(args) -> int:
    from engine.takeout.model_files import KEEP_SETTING, parse_switch

    store = open_store(args)
    if args.key is None:
        values = store.settings.all()
        for key, help_text in KNOWN.items():
            print(f"{key:<12} {values.get(key, DEFAULTS[key])}   ({help_text})")
        return 0
    if args.key not in KNOWN:
        raise SpecError(f"unknown setting {args.key!r} (known: {', '.join(KNOWN)})")
    if args.value is None:
        print(store.settings.get(args.key, DEFAULTS[args.key]))
        return 0
    if args.key == KEEP_SETTING:
        try:
            value = "on" if parse_switch(args.value) else "off"
        except Exception as exc:
            raise SpecError(f"keep_models: {exc}") from None
        store.settings.set(KEEP_SETTING, value)
    else:
        from engine.data_choice import remember_data

        value = remember_data(store, None if args.value in ("default", "") else args.value)
    print(f"{args.key} = {literal(value or DEFAULTS[args.key]).plain}")
    return 0
