"""mnist-tui's faces: the command line (cli.py) and the Textual app (app.py). Both call engine/."""
