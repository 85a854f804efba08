"""The summary every import ends with: inserted / updated / unchanged / repaired / skipped."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportSummary:
    what: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [
            f"{self.inserted} inserted",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
            f"{self.repaired} repaired",
        ]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        return f"{self.what}: " + ", ".join(parts)

    def report(self) -> str:
        return "\n".join([self.line(), *(f"  note: {n}" for n in self.notes)])
