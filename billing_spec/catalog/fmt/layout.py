"""The canonical layout: writes a `tree.Document` back as text, the one way fmt writes files.

- Block mappings indent 2 spaces under their key; a block sequence's dashes indent 2 under its
  key and a mapping item starts on its dash line (`rates:` / `  - product: ...` / `    price: 1`).
- Keys follow the models (`shapes`): `version`, the sections, `moved`; inside each resource
  and nested object the model's field order, `<<` merge keys first, unknown keys last in the
  order written. Resources, list items and maps of free keys (`custom_fields`) keep their order.
- Flow collections stay flow, written on one line as `{a: 1, b: [x, y]}`.
- Scalars are written exactly as in the source (quotes, anchors, tags, number spelling), except
  that an enum field's value takes Metronome's upper case (not when the value, or a collection
  around it, carries an anchor: its aliases may sit where case matters). A block scalar's (`|`,
  `>`) body goes 2 columns under its key, its relative indentation kept (with an explicit
  indentation indicator, `|2`, it moves with its key instead); continuation lines of a plain or
  quoted scalar spanning lines go 2 columns under their key.
- Comments: own-line comments at the indentation of the entry they belong to (a comment above a
  key that becomes the first of a list item goes above the item's dash); end-of-line comments
  keep their column, at least two spaces after the content. Blank lines are kept between entries
  (runs become one), never at the start of a block or the end of the file.
- No trailing whitespace, except where it is data (block scalar bodies, an escaped space at the
  end of a line of a double-quoted scalar); exactly one newline at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing_spec.catalog.fmt.shapes import ANY, Shape, catalog_shape
from billing_spec.catalog.fmt.tree import (
    Alias,
    Collection,
    Comment,
    Document,
    Entry,
    Node,
    Scalar,
    Trivia,
    block_indicator,
    block_text,
)


def layout(document: Document, *, reorder: bool = True) -> str:
    """The canonical text of `document`; with `reorder=False`, keys keep the order written."""
    return _Layout(reorder).document(document)


@dataclass
class _Line:
    text: str
    kind: str = "content"  # also "blank", "comment", "verbatim" (keeps its whitespace), "quoted"
    eol: Comment | None = None


@dataclass
class _Inline:
    """A value written after `key: ` or `- `: its first line and any continuation lines."""

    first: str
    more: list[_Line]
    eol_on_first: bool = False


class _Writer:
    def __init__(self) -> None:
        self.lines: list[_Line] = []
        self.pending: list[tuple[int, Comment | None]] = []  # dashes waiting for their first line

    def blank(self) -> None:
        if not self.pending and self.lines and self.lines[-1].kind != "blank":
            self.lines.append(_Line("", "blank"))

    def comment(self, comment: Comment, indent: int) -> None:
        column = self.pending[0][0] if self.pending else indent
        self.lines.append(_Line(" " * column + comment.text, "comment"))

    def content(
        self, text: str, indent: int, value: _Inline | None = None, eol: Comment | None = None
    ) -> None:
        """A line at `indent` (and a value's continuation lines), taking any pending dashes."""
        more = value.more if value else []
        quoted = bool(more) and more[0].kind == "quoted"  # a double-quoted scalar's first line
        first = _Line(" " * indent + text, "quoted" if quoted else "content")
        outer, eols = self._take_dashes(first, indent)
        if eol is not None and (not more or (value and value.eol_on_first)):
            eols.append(eol)
        elif eol is not None:
            more[-1].eol = eol
        if eols:  # one end-of-line comment per line: the others go above it
            first.eol = eols[-1]
            self.lines += [_Line(" " * outer + c.text, "comment") for c in eols[:-1]]
        self.lines.append(first)
        self.lines += more

    def _take_dashes(self, first: _Line, indent: int) -> tuple[int, list[Comment]]:
        """Put the pending dashes on `first` (`- - key: ...`); their column and comments."""
        for dash_indent, _ in self.pending:
            first.text = first.text[:dash_indent] + "- " + first.text[dash_indent + 2 :]
        outer = self.pending[0][0] if self.pending else indent
        eols = [dash_eol for _, dash_eol in self.pending if dash_eol is not None]
        self.pending = []
        return outer, eols

    def render(self) -> str:
        while self.lines and self.lines[-1].kind == "blank":
            self.lines.pop()
        return "\n".join(_render(line) for line in self.lines) + "\n"


def _render(line: _Line) -> str:
    text = line.text.rstrip()
    if line.kind == "verbatim" or (line.kind == "quoted" and text.endswith("\\")):
        text = line.text  # whitespace that is data: a block body, an escaped space
    if line.eol is None:
        return text
    column = max(line.eol.column, len(text) + 2) if text else 0
    return text.ljust(column) + line.eol.text


class _Layout:
    def __init__(self, reorder: bool):
        self.reorder = reorder
        self.out = _Writer()
        self.anchored = 0  # inside an anchored collection, whose aliases may sit anywhere

    def document(self, document: Document) -> str:
        self.trivia(document.preamble, 0, first=True)
        for directive in document.directives:
            self.out.content(directive.text, 0, eol=directive.eol)
        if document.start is not None:
            self.out.content("---", 0, eol=document.start.eol)
        self.trivia(document.header, 0, first=not self.out.lines)
        root = document.root
        if isinstance(root, Collection) and not root.flow:
            if root.props:
                self.out.content(root.props, 0)
            self.block(root, 0, catalog_shape())
        else:
            value = self.inline(root, catalog_shape(), 0, 0)
            self.out.content(value.first, 0, value)
        self.trailing(document.footer, 0)
        if document.end is not None:
            self.out.content("...", 0, eol=document.end.eol)
            self.trailing(document.postamble, 0)
        return self.out.render()

    # --- trivia -------------------------------------------------------------------------------

    def trivia(self, items: list[Trivia], indent: int, *, first: bool) -> None:
        for item in items:
            if item is None:
                if not first:
                    self.out.blank()
            else:
                self.out.comment(item, indent)
                first = False

    def trailing(self, items: list[Trivia], indent: int) -> None:
        while items and items[-1] is None:
            items = items[:-1]
        self.trivia(items, indent, first=False)

    # --- block collections --------------------------------------------------------------------

    def block(self, collection: Collection, indent: int, shape: Shape) -> None:
        self.anchored += "&" in collection.props
        for index, entry in enumerate(self.ordered(collection, shape)):
            self.trivia(entry.leading, indent, first=index == 0)
            if collection.kind == "map":
                self.map_entry(entry, indent, shape.child(entry.key_value))
            else:
                self.seq_item(entry, indent, shape.child(None))
        self.trailing(collection.trailing, indent)
        self.anchored -= "&" in collection.props

    def ordered(self, collection: Collection, shape: Shape) -> list[Entry]:
        entries = collection.entries
        if not self.reorder or collection.kind != "map" or shape.kind != "model":
            return entries
        merges = [e for e in entries if e.key_value == "<<" and e.key.style == ""]
        known = [e for e in entries if e not in merges and shape.rank(e.key_value) is not None]
        known.sort(key=lambda e: shape.rank(e.key_value))
        return merges + known + [e for e in entries if e not in merges and e not in known]

    def map_entry(self, entry: Entry, indent: int, shape: Shape) -> None:
        key, value = entry.key.text, entry.value
        if isinstance(value, Collection) and not value.flow:
            head = f"{key}: {value.props}" if value.props else f"{key}:"
            self.out.content(head, indent, eol=entry.eol)
            self.block(value, indent + 2, shape)
            return
        inline = self.inline(value, shape, indent, entry.column)
        head = f"{key}: {inline.first}" if inline.first else f"{key}:"
        self.out.content(head, indent, inline, eol=entry.eol)
        self.trivia(entry.inner, indent + 2, first=True)

    def seq_item(self, entry: Entry, indent: int, shape: Shape) -> None:
        value = entry.value
        if isinstance(value, Collection) and not value.flow:
            if value.props:
                self.out.content(f"- {value.props}", indent, eol=entry.eol)
            else:
                self.out.pending.append((indent, entry.eol))
            self.block(value, indent + 2, shape)
            return
        inline = self.inline(value, shape, indent, entry.column)
        head = f"- {inline.first}" if inline.first else "-"
        self.out.content(head, indent, inline, eol=entry.eol)
        self.trivia(entry.inner, indent + 2, first=True)

    # --- values written inline ----------------------------------------------------------------

    def inline(self, node: Node, shape: Shape, indent: int, old_indent: int) -> _Inline:
        """`node` as text after `key: ` or `- ` of an entry now at `indent`, before at
        `old_indent`; continuation lines go 2 columns deeper than the entry."""
        if isinstance(node, Scalar) and node.block:
            return _block_scalar(block_text(node), indent + 2, indent - old_indent)
        text = node.text if isinstance(node, Alias) else self.flow(node, shape)
        lines = text.split("\n")
        kind = "quoted" if isinstance(node, Scalar) and node.style == '"' else "content"
        more = [_Line(_continuation(line, indent + 2), kind) for line in lines[1:]]
        return _Inline(lines[0], more)

    def flow(self, node: Node, shape: Shape) -> str:
        if isinstance(node, Alias):
            return node.text
        if isinstance(node, Scalar):
            return _scalar_text(node, ANY if self.anchored else shape)
        self.anchored += "&" in node.props
        parts = []
        for entry in self.ordered(node, shape):
            if node.kind == "seq":
                parts.append(self.flow(entry.value, shape.child(None)))
                continue
            value = self.flow(entry.value, shape.child(entry.key_value))
            parts.append(f"{entry.key.text}: {value}" if value else entry.key.text)
        self.anchored -= "&" in node.props
        body = ", ".join(parts)
        text = f"{{{body}}}" if node.kind == "map" else f"[{body}]"
        return f"{node.props} {text}" if node.props else text


def _scalar_text(node: Scalar, shape: Shape) -> str:
    """The scalar's source text; at an enum field, the value in Metronome's spelling (unless
    anchored: its aliases may sit where the spelling matters)."""
    canonical = shape.canonical_enum(node.value) if shape is not ANY else None
    if canonical is None or canonical == node.value or "\n" in node.text:
        return node.text
    quote = node.style if node.style in ("'", '"') else ""
    written = f"{quote}{node.value}{quote}"
    if not node.text.endswith(written) or "\\" in written:
        return node.text
    properties = node.text[: -len(written)]
    return node.text if "&" in properties else f"{properties}{quote}{canonical}{quote}"


def _continuation(line: str, indent: int) -> str:
    """A continuation line of a plain or quoted scalar: its leading whitespace is not data."""
    text = line.lstrip(" \t")
    return " " * indent + text if text.strip() else ""


def _block_scalar(text: str, indent: int, delta: int) -> _Inline:
    """A `|` or `>` scalar: its header line, then its body at `indent`.

    Without an explicit indentation indicator the body's indentation is not data, so its least
    indented line goes to `indent` and the others keep their depth below it; with one (`|2`),
    the body moves by `delta` with its key. A body line of spaces only is an empty line when it
    is no deeper than the body (written empty), content otherwise (kept); trailing empty lines
    are dropped unless the scalar keeps them (`|+`).
    """
    header, *body = text.split("\n")
    if body and not body[-1].strip():
        body.pop()  # the line break's remainder, or the next line's indentation
    indicator = block_indicator(text)
    explicit = any(c.isdigit() for c in indicator)
    depth = min((len(b) - len(b.lstrip(" ")) for b in body if b.strip()), default=0)
    shift = delta if explicit else indent - depth
    lines = []
    for line in body:
        if not line.strip() and (len(line) <= depth and not explicit):
            lines.append(_Line("", "verbatim"))
        else:
            lines.append(_Line(" " * shift + line if shift >= 0 else line[-shift:], "verbatim"))
    if "+" not in indicator:
        while lines and lines[-1].text == "":
            lines.pop()
    return _Inline(header.rstrip(), lines, eol_on_first=True)
