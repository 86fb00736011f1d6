"""Comments and blank lines: where they are, and which entry each belongs to.

A comment is a `#` at the start of a line or after whitespace, outside every scalar's span (the
parser gives the spans, so `"a # b"` and a `|` body are never mistaken for comments). The rules:

- an end-of-line comment belongs to the innermost entry (a mapping key or a sequence item) whose
  head ends on that line: `price: 50  # cents` belongs to `price`;
- a comment line, and the blank lines before it, belong to the next entry below them (they are
  its `leading` trivia and travel with it), except that a comment indented deeper than that next
  entry, right after a block that ended, trails that block (`trailing`, kept at its end);
- a comment line indented deeper than the entry above it, when that entry has no value (the
  `products:` of commented-out products), belongs to that entry (`inner`, kept under it);
- comment lines before the file's first entry are the file header and stay at the top;
- comments inside a flow collection that spans several lines go above its entry;
- a comment on a directive, `---` or `...` line stays on it; comment lines below `...` stay
  below it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from billing_spec.catalog.fmt.tree import (
    Collection,
    Comment,
    Document,
    Entry,
    Marker,
    Positions,
    Scalar,
    Source,
    Trivia,
)


@dataclass
class Found:
    """A comment, or a blank line (comment None), and where it is."""

    line: int
    offset: int
    comment: Comment | None
    own_line: bool


def find_comments(source: Source, scalar_spans: list[tuple[int, int]]) -> list[Found]:
    """Every comment and blank line of the source outside the given scalar spans."""
    text = source.text
    spans = sorted(scalar_spans)
    starts = [s for s, _ in spans]
    found = []
    for line, start, end in source.lines():
        content = text[start:end]
        if not content.strip():
            if not _inside(start, spans, starts):
                found.append(Found(line, start, None, True))
            continue
        hash_at = _comment_start(text, start, end, spans, starts)
        if hash_at is not None:
            comment = Comment(text[hash_at:end].rstrip(), hash_at - start)
            found.append(Found(line, hash_at, comment, not text[start:hash_at].strip()))
    return found


def _comment_start(text: str, start: int, end: int, spans, starts) -> int | None:
    at = text.find("#", start, end)
    while at != -1:
        if (at == start or text[at - 1] in " \t") and not _inside(at, spans, starts):
            return at
        at = text.find("#", at + 1, end)
    return None


def _inside(offset: int, spans, starts) -> bool:
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def attach_comments(document: Document, source: Source, positions: Positions) -> None:
    """Give every comment and blank line of the source to its entry, block or the document."""
    found = find_comments(source, positions.scalar_spans)
    document.comments = [item.comment.text for item in found if item.comment is not None]
    attacher = _Attacher(document, positions)
    targets: dict[int, list[Trivia] | Entry | Marker | None] = {}  # a list, or an eol's owner
    markers = {marker.line: marker for marker in document.markers}
    own_lines = []
    for item in found:
        flow = attacher.flow_owner(item.offset)
        if document.end is not None and item.line > document.end.line:
            targets[id(item)] = document.postamble
        elif not item.own_line and item.line in markers:
            targets[id(item)] = markers[item.line]
        elif flow is not False:  # blank lines inside a flow collection go with it
            owner = flow.leading if flow is not None else document.header
            targets[id(item)] = owner if item.comment is not None else None
        elif not item.own_line and item.line in attacher.heads:
            targets[id(item)] = attacher.heads[item.line]
        else:
            own_lines.append(item)
    targets.update(attacher.own_line_owners(own_lines))
    for item in found:  # in source order, so the comments of one entry keep theirs
        _place(item, targets[id(item)])


def _place(item: Found, target: list[Trivia] | Entry | Marker | None) -> None:
    if isinstance(target, list):
        target.append(item.comment)
    elif isinstance(target, Entry) and (target.eol is not None or item.line != target.head_end):
        target.leading.append(item.comment)  # a second comment on a multi-line value: above it
    elif target is not None:
        target.eol = item.comment


class _Attacher:
    def __init__(self, document: Document, positions: Positions):
        self.document = document
        self.entries = positions.entries
        self.entry_lines = [e.line for e in self.entries]
        self.flows = positions.flow_spans  # outermost ones: they do not overlap, in order
        self.flow_starts = [start for start, _, _ in self.flows]
        self.doc_start = positions.doc_start
        self.root_start = positions.root_start
        self.heads: dict[int, Entry] = {}
        for entry in self.entries:  # document order: the innermost entry of a line wins
            for line in range(entry.line, entry.head_end + 1):
                self.heads[line] = entry

    def flow_owner(self, offset: int):
        """The entry holding the multi-line flow collection around `offset`, else False."""
        index = bisect.bisect_right(self.flow_starts, offset) - 1
        if index >= 0 and offset < self.flows[index][1]:
            return self.flows[index][2]
        return False

    def own_line_owners(self, items: list[Found]) -> dict[int, list[Trivia]]:
        """Where each comment line and blank line goes; a blank line goes where the next comment
        line goes, when no entry comes between them."""
        owners: dict[int, list[Trivia]] = {}
        following: Found | None = None
        for item in reversed(items):
            if (
                item.comment is None
                and following is not None
                and self._next(item.line) == self._next(following.line)
            ):
                owners[id(item)] = owners[id(following)]
            else:
                owners[id(item)] = self._owner(item)
            following = item
        return owners

    def _next(self, line: int) -> int:
        return bisect.bisect_right(self.entry_lines, line)

    def _owner(self, item: Found) -> list[Trivia]:
        inside = self.heads.get(item.line)
        if inside is not None and inside.line < item.line:
            return inside.leading
        index = self._next(item.line)
        if not self.entries and item.offset >= self.root_start:
            return self.document.footer
        if index == 0:
            before = item.offset < self.doc_start
            return self.document.preamble if before else self.document.header
        following = self.entries[index] if index < len(self.entries) else None
        column = item.comment.column if item.comment is not None else 0
        previous = self.entries[index - 1]
        if item.comment is not None and column > previous.column and _empty(previous):
            return previous.inner
        block = self._ended_block(previous, following, column, item.comment is None)
        if block is not None:
            return block.trailing
        return following.leading if following is not None else self.document.footer

    def _ended_block(
        self, previous: Entry, following: Entry | None, column: int, blank: bool
    ) -> Collection | None:
        """The innermost block that ended before this line and that the comment is indented into."""
        holding = set()
        walk = following
        while walk is not None:
            holding.add(id(walk.parent))
            walk = walk.parent.parent
        if not blank and following is not None and column <= following.column:
            return None
        block: Collection | None = previous.parent
        while block is not None and id(block) not in holding:
            if (blank and following is None) or (not blank and block.column <= column):
                return block
            block = block.parent.parent if block.parent is not None else None
        return None


def _empty(entry: Entry) -> bool:
    """An entry without a value: `products:` with nothing after the colon."""
    return isinstance(entry.value, Scalar) and entry.value.text == ""
