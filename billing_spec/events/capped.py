"""A diagnostics list that keeps the first few of each code and counts the rest.

A million broken event lines must not become a million messages: each code keeps its first
`limit` diagnostics (in input order) and `finish()` adds one line saying how many more there were.
"""

from __future__ import annotations

from collections import Counter

from billing_spec.diagnostics import Diagnostic, Severity

LIMIT = 100


class CappedDiagnostics:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.kept: list[Diagnostic] = []
        self.seen: Counter[str] = Counter()
        self.severity: dict[str, Severity] = {}

    def add(self, diagnostic: Diagnostic) -> None:
        self.seen[diagnostic.code] += 1
        self.severity.setdefault(diagnostic.code, diagnostic.severity)
        if self.seen[diagnostic.code] <= self.limit:
            self.kept.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)

    def finish(self) -> list[Diagnostic]:
        """The kept diagnostics, plus one "N more" line per code that overflowed."""
        out = list(self.kept)
        for code in sorted(self.seen):
            extra = self.seen[code] - self.limit
            if extra > 0:
                out.append(
                    Diagnostic(
                        self.severity[code],
                        code,
                        f"... and {extra} more like this (only the first {self.limit} are shown)",
                    )
                )
        return out
