"""What the user chose last, remembered per store (the data source, whether trained models are kept):
one small key/value table, so every TUI and every command that opens the store reads the same choice."""

from __future__ import annotations

from engine.store.database import Database
from engine.store.jobs import now_text


class Settings:
    def __init__(self, db: Database):
        self.db = db

    def get(self, key: str, default: str | None = None) -> str | None:
        rows = self.db.read("SELECT value FROM settings WHERE key=?", (key,))
        return rows[0][0] if rows else default

    def set(self, key: str, value: str | None) -> None:
        """Remember value for key; None forgets it (the default applies again)."""
        if value is None:
            self.db.write("DELETE FROM settings WHERE key=?", (key,))
        else:
            self.db.write(
                "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?,?,?)", (key, value, now_text())
            )

    def all(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.read("SELECT key, value FROM settings ORDER BY key")}
