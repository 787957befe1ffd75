"""The app's screens, one per file with its CSS beside it."""
