"""YAML text -> `tree.Document`, from PyYAML's event stream (the parser `yaml_source` uses).

Events give each node's exact span, so scalars keep their source text; scanner tokens give the
dash of each block sequence item. Comments are attached afterwards (`comments`).
"""

from __future__ import annotations

import bisect
import re

import yaml

from billing_spec.catalog.fmt.comments import attach_comments, find_comments
from billing_spec.catalog.fmt.tree import (
    Alias,
    Collection,
    Document,
    Entry,
    Marker,
    Node,
    Positions,
    Scalar,
    Source,
    chomping,
)

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_tree(text: str) -> Document:
    """The tree of `text` (which must parse: yaml.YAMLError otherwise), comments attached."""
    source = Source(text)
    dashes = [
        (t.start_mark.line, t.start_mark.column)
        for t in yaml.scan(text, Loader=_Parser)
        if isinstance(t, yaml.BlockEntryToken)
    ]
    builder = _Builder(source, dashes)
    document = builder.document(iter(yaml.parse(text, Loader=_Parser)))
    attach_comments(document, source, builder.found)
    return document


def comment_texts(text: str) -> list[str]:
    """The text of every comment in `text` (which must parse), in order."""
    builder = _Builder(Source(text), [])
    builder.document(iter(yaml.parse(text, Loader=_Parser)))
    found = find_comments(builder.source, builder.found.scalar_spans)
    return [item.comment.text for item in found if item.comment is not None]


class _Builder:
    """Consumes the events of one document, building nodes and noting where they are."""

    def __init__(self, source: Source, dashes: list[tuple[int, int]]):
        self.source = source
        self.dashes = dashes
        self.found = Positions()
        self._last_end = 0  # where the last node ended

    def document(self, events) -> Document:
        next(events)  # StreamStart
        start = next(events)
        if start.explicit:
            self.found.doc_start = self.source.offset(start.end_mark)
        first = next(events)
        self.found.root_start = self.source.offset(first.start_mark)
        root = self.node(first, events, owner=None, flow=False)
        end = next(events)
        return Document(
            root,
            directives=self.directives(start),
            start=Marker("---", start.end_mark.line) if start.explicit else None,
            end=Marker("...", end.start_mark.line) if end.explicit else None,
        )

    def directives(self, event) -> list[Marker]:
        """The `%YAML` and `%TAG` lines above `---`, as written (their comments aside)."""
        if not event.explicit:
            return []
        out = []
        for line in range(event.start_mark.line, event.end_mark.line):
            start = self.source.line_starts[line]
            text = self.source.text[start : self.source.line_starts[line + 1] - 1]
            if text.startswith("%"):
                comment = _DIRECTIVE_COMMENT.search(text)
                out.append(Marker(text[: comment.start() if comment else None].rstrip(), line))
        return out

    def node(self, event, events, owner: Entry | None, flow: bool) -> Node:
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event)
        if isinstance(event, yaml.AliasEvent):
            start, end = self.source.offset(event.start_mark), self.source.offset(event.end_mark)
            self._last_end = end
            return Alias(self.source.text[start:end])
        is_map = isinstance(event, yaml.MappingStartEvent)
        collection = Collection(
            "map" if is_map else "seq", bool(event.flow_style), _props(event), parent=owner
        )
        start = self.source.offset(event.start_mark)
        if is_map:
            self.mapping(collection, events, flow or collection.flow)
        else:
            self.sequence(collection, events, flow or collection.flow)
        if collection.flow and not flow:
            self.found.flow_spans.append((start, self._last_end, owner))
        return collection

    def scalar(self, event) -> Scalar:
        start, end = self.source.offset(event.start_mark), self.source.offset(event.end_mark)
        node = Scalar(self.source.text[start:end], event.value, event.style or "", start, end)
        if node.block and chomping(node.text) != "+":  # trailing blank lines are not content
            end = start + len(node.text.rstrip())
        self.found.scalar_spans.append((start, end))
        self._last_end = self.source.offset(event.end_mark)
        return node

    def mapping(self, collection: Collection, events, flow: bool) -> None:
        for event in events:
            if isinstance(event, yaml.MappingEndEvent):
                self._last_end = self.source.offset(event.end_mark)
                return
            key = self.node(event, events, collection.parent, flow)
            if not isinstance(key, Scalar):  # the loader refuses these; keep going anyway
                key = Scalar(getattr(key, "text", ""), "", "", 0, 0)
            line, column = self.source.line_of(key.start), self._column(key.start)
            entry = self.entry(collection, key, line, column, flow)
            owner = collection.parent if flow else entry
            entry.value = self.node(next(events), events, owner, flow)
            entry.head_end = self.head_end(entry)

    def sequence(self, collection: Collection, events, flow: bool) -> None:
        for event in events:
            if isinstance(event, yaml.SequenceEndEvent):
                self._last_end = self.source.offset(event.end_mark)
                return
            where = (event.start_mark.line, event.start_mark.column)
            line, column = where if flow else self._dash_before(where)
            entry = self.entry(collection, None, line, column, flow)
            owner = collection.parent if flow else entry
            entry.value = self.node(event, events, owner, flow)
            entry.head_end = self.head_end(entry)

    def entry(
        self, collection: Collection, key: Scalar | None, line: int, column: int, flow: bool
    ) -> Entry:
        entry = Entry(key, None, collection, line, column)
        if not collection.entries:
            collection.column = column
        collection.entries.append(entry)
        if not flow:
            self.found.entries.append(entry)
        return entry

    def head_end(self, entry: Entry) -> int:
        """The line an end-of-line comment of `entry` sits on."""
        value = entry.value
        if isinstance(value, Collection) and not value.flow:
            return entry.line if entry.key is None else self.source.line_of(entry.key.end)
        if isinstance(value, Scalar) and value.block:
            return self.source.line_of(value.start)
        return self.source.line_of(max(self._last_end - 1, 0)) if self._last_end > 0 else 0

    def _dash_before(self, where: tuple[int, int]) -> tuple[int, int]:
        index = bisect.bisect_left(self.dashes, where) - 1  # strictly before: `- - a`
        return self.dashes[index] if index >= 0 else where

    def _column(self, offset: int) -> int:
        return offset - self.source.line_starts[self.source.line_of(offset)]


def _props(event) -> str:
    parts = []
    if event.anchor:
        parts.append(f"&{event.anchor}")
    if event.tag and not event.implicit:
        tag = event.tag
        parts.append(
            "!!" + tag[len("tag:yaml.org,2002:") :]
            if tag.startswith("tag:yaml.org,2002:")
            else tag
            if tag.startswith("!")
            else f"!<{tag}>"
        )
    return " ".join(parts)


_DIRECTIVE_COMMENT = re.compile(r"[ \t]#")
