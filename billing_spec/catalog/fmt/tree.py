"""fmt's model of one YAML file: nodes that keep their source text, and entries that own comments.

`billing fmt` reorders keys, so every comment must belong to something that moves with it. The
tree is built from PyYAML's event stream (`parse`), comments are attached to entries
(`comments`), and `layout` writes the tree back in the canonical layout.

- A `Scalar` keeps its verbatim source text (quotes, anchors, tags, `|` bodies and all), so a
  value is never re-interpreted: `0.123456789012345678901234567890` stays exactly that.
- A `Collection` is a mapping or a sequence, block or flow, with its anchor and tag.
- An `Entry` is a mapping key with its value, or a sequence item; it owns the comment lines and
  blank lines above it (`leading`), its end-of-line comment (`eol`) and, when it has no value,
  the comment lines indented under it (`inner`: `products:` above commented-out products). A
  block collection owns the comments at its end (`trailing`); the `Document` owns the file's
  header and footer, and its directive, `---` and `...` lines (`Marker`) their comments.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_BREAK = re.compile(r"[\n\x85\u2028\u2029]")  # the line breaks PyYAML counts in its marks


@dataclass(frozen=True)
class Comment:
    text: str  # from `#` to the end of the line, trailing whitespace removed
    column: int  # where the `#` was


Trivia = Comment | None  # None is a blank line


@dataclass(eq=False)
class Scalar:
    text: str  # verbatim source: properties, quotes, block header and body
    value: str
    style: str  # "" plain, "'" or '"' quoted, "|" or ">" block
    start: int  # offsets into the source
    end: int

    @property
    def block(self) -> bool:
        return self.style in ("|", ">")


@dataclass(eq=False)
class Alias:
    text: str


@dataclass(eq=False)
class Collection:
    kind: str  # "map" or "seq"
    flow: bool
    props: str  # anchor and tag, like `&base` or `!!map`; "" when none
    entries: list[Entry] = field(default_factory=list)
    trailing: list[Trivia] = field(default_factory=list)
    parent: Entry | None = None
    column: int = 0  # of its keys or dashes (block collections)


Node = Scalar | Alias | Collection


@dataclass(eq=False)
class Entry:
    """A key and its value, or a sequence item (key None)."""

    key: Scalar | None
    value: Node | None
    parent: Collection
    line: int  # where the key or dash is
    column: int
    head_end: int = 0  # the line an end-of-line comment of this entry sits on
    leading: list[Trivia] = field(default_factory=list)
    eol: Comment | None = None
    inner: list[Trivia] = field(default_factory=list)  # under an entry without a value

    @property
    def key_value(self) -> str | None:
        return self.key.value if self.key is not None else None


@dataclass(eq=False)
class Marker:
    """A line of the document outside its root: a directive, `---` or `...`."""

    text: str
    line: int  # in the source
    eol: Comment | None = None


@dataclass(eq=False)
class Document:
    root: Node
    header: list[Trivia] = field(default_factory=list)  # above the first entry
    footer: list[Trivia] = field(default_factory=list)  # below everything, when no block holds it
    preamble: list[Trivia] = field(default_factory=list)  # above `---`
    directives: list[Marker] = field(default_factory=list)
    start: Marker | None = None  # `---`
    end: Marker | None = None  # `...`
    postamble: list[Trivia] = field(default_factory=list)  # below `...`
    comments: list[str] = field(default_factory=list)  # every comment's text, in source order

    @property
    def markers(self) -> list[Marker]:
        return [*self.directives, *filter(None, (self.start, self.end))]


class Source:
    """The text and its line table, in PyYAML's line numbering."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def offset(self, mark) -> int:
        line, column = mark.line, mark.column
        if line >= len(self.line_starts):  # libyaml's end of a text without a final newline
            return len(self.text)
        offset = self.line_starts[line] + column
        return offset if offset <= len(self.text) else len(self.text)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def lines(self):
        """(line number, start offset, end offset) of every line, breaks excluded."""
        ends = [s - 1 for s in self.line_starts[1:]] + [len(self.text)]
        count = len(ends) - (self.line_starts[-1] == len(self.text))  # none after the last break
        return zip(range(count), self.line_starts[:count], ends[:count], strict=True)


def normalize_newlines(text: str) -> str:
    """CRLF and CR line ends become LF, and a byte-order mark goes (neither changes the data)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Positions:
    """Where the parser found things, for attaching comments (offsets into the source)."""

    entries: list[Entry] = field(default_factory=list)  # block entries, in document order
    scalar_spans: list[tuple[int, int]] = field(default_factory=list)
    flow_spans: list[tuple[int, int, Entry | None]] = field(default_factory=list)  # outermost
    doc_start: int = 0  # just after `---`, or 0
    root_start: int = 0


_BLOCK_HEADER = re.compile(r"(?:[&!]\S*\s+)*[|>]([-+0-9]*)")


def chomping(text: str) -> str:
    """The chomping indicator of a block scalar: "+", "-" or "" (clip)."""
    match = _BLOCK_HEADER.match(text)
    indicators = match.group(1) if match else ""
    return "+" if "+" in indicators else "-" if "-" in indicators else ""


def block_indicator(text: str) -> str:
    """The indicators after `|` or `>` (chomping and explicit indentation)."""
    match = _BLOCK_HEADER.match(text)
    return match.group(1) if match else ""


def block_text(node: Scalar) -> str:
    """A block scalar's text, its chomping made `-` when its value has no final line break but
    the text does not say so: a body that ends the file without a newline (which fmt adds)."""
    match = _BLOCK_HEADER.match(node.text)
    if match is None or not node.value or node.value.endswith("\n") or "-" in match.group(1):
        return node.text
    indicator = match.group(1).replace("+", "") + "-"
    return node.text[: match.start(1)] + indicator + node.text[match.end(1) :]
