"""Rule checks as text: one line per rule, ✓ or ✗ with the reason (readable without colour too)."""

from __future__ import annotations

from rich.text import Text

from engine.rules import RuleCheck


def rule_lines(checks: list[RuleCheck], brief: bool = False) -> Text:
    """brief: leave out a passing check's detail when it only restates the rule ("activation is sigmoid");
    numbers ("305,290 parameters") stay, as they say by how much a rule is met."""
    text = Text()
    for i, check in enumerate(checks):
        if i:
            text.append("\n")
        text.append("✓ " if check.ok else "✗ ", style="bold green" if check.ok else "bold red")
        text.append(check.rule)
        if not (brief and check.ok and not any(ch.isdigit() for ch in check.detail)):
            text.append(f" — {check.detail}", style="dim")
    return text


def verdict(checks: list[RuleCheck]) -> Text:
    bad = sum(not c.ok for c in checks)
    if not bad:
        return Text("✓ meets the exercise rules", style="green")
    return Text(f"✗ outside the exercise rules ({bad} of {len(checks)} checks fail)", style="red")
