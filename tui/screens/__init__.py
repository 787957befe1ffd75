"""The app's screens, one per file with its CSS beside it: home, editor, training, help (compare and answers
come from the answers issue)."""
