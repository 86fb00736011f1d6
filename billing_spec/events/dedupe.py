"""Duplicate transaction IDs: a `transaction_id` counts once, the first copy in input order wins.

`Seen` remembers every `transaction_id` with the place of its first copy and a fingerprint of
its text, packed in one int: `fingerprint << 52 | source << 32 | line`. A later copy is dropped
and counted; a copy whose text differs from the first one's also gets a warning naming both
places. Copies are compared by their text as written (a JSON Lines line without its line ending,
a JSON-array element), so the same event written with different spacing counts as differing:
that only adds a warning, since the first copy wins either way.

Memory: one dict entry per distinct ID (the ID string and an int); nothing else is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from billing_spec.diagnostics import Diagnostic, SourceRange, warning

Where = Callable[[int, int], SourceRange]
LINE_BITS = 32
SOURCE_BITS = 20
PLACE_BITS = LINE_BITS + SOURCE_BITS


def fingerprint(text: bytes) -> int:
    """A record's fingerprint: its text, line ending aside. For `b'{...}'`: `hash(text)`."""
    return hash(text.rstrip(b"\r\n"))


def pack(print_: int, source: int, line: int) -> int:
    return print_ << PLACE_BITS | source << LINE_BITS | line


class Seen:
    def __init__(self, where: Where, report: Callable[[Diagnostic], None]) -> None:
        self.where, self.report = where, report
        self.first: dict[str, int] = {}
        self.duplicates = 0

    def admit(self, txid: str, print_: int, source: int, line: int) -> bool:
        """Record one copy; True when it is the first."""
        place = pack(print_, source, line)
        first = self.first.setdefault(txid, place)
        if first is place:  # `place` is a new int object: only the first copy is stored
            return True
        self.again(txid, first, place)
        return False

    def again(self, txid: str, first: int, place: int) -> None:
        """A later copy (both packed): count it, and warn when its text differs."""
        self.duplicates += 1
        if first >> PLACE_BITS == place >> PLACE_BITS:
            return  # an identical copy: counted, silently
        self.report(
            warning(
                "W951",
                f"transaction_id {txid!r} was already used by a different event at "
                f"{self._where(first)}; this copy is ignored (the first one counts)",
                self._where(place),
            )
        )

    def _where(self, packed: int) -> SourceRange:
        line = packed & ((1 << LINE_BITS) - 1)
        source = (packed >> LINE_BITS) & ((1 << SOURCE_BITS) - 1)
        return self.where(source, line)
