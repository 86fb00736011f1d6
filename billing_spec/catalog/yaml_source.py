"""Read one YAML file into plain data, keeping the source position of every key and value.

PyYAML's `safe_load` drops positions and silently keeps the last of two equal keys, so we compose
the node graph ourselves (libyaml's parser when present) and build the data from it:

- Scalars follow YAML 1.2's core schema, not 1.1: only `true`/`false` are booleans (`no`, `on`,
  `NO` stay strings), numbers become `Decimal` straight from their text (no float on the way; a
  leading zero is not octal), `.inf`/`.nan`/hex are refused, and timestamps stay strings for the
  schema to parse as RFC 3339. Quoted scalars are always strings.
- A duplicate key in a mapping is an error at the second key, naming the first.
- Anchors, aliases and `<<` merge keys work; recursive aliases and alias bombs are refused. A
  value an alias (or a merge of one) brings in is located at that alias, not at its anchor
  (`YamlDocument.anchors` keeps where it is written once). An aliased collection is built once
  and copied for each later alias.
- Only the standard tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`)
  are accepted; `!!python/object` and every other tag is refused.

The result is a `YamlDocument`: the data plus a map from each path (a tuple of keys and list
indexes) to the spans of its key and value, from which later stages build `file:line:col`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from billing_spec.diagnostics import Diagnostic, Position, SourceRange, error
from billing_spec.money import NotADecimal, OutOfRange, parse_decimal

try:  # libyaml's parser is much faster; both produce the same nodes and marks.
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

Path = tuple[str | int, ...]

TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = TAG + "str", TAG + "int", TAG + "float", TAG + "bool", TAG + "null"
MAP, SEQ, MERGE = TAG + "map", TAG + "seq", TAG + "merge"
_SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL}

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NUMBER = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_NOT_DECIMAL = re.compile(r"[-+]?(?:\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z|0[ox][0-9a-fA-F]+\Z")

MAX_NODES = 1_000_000  # an alias bomb expands far beyond any real catalog
MAX_DEPTH = 100  # a catalog nests about 10 levels deep; Python's stack would end near 300


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position


@dataclass(frozen=True)
class NodeSpans:
    key: Span | None
    value: Span


@dataclass
class YamlDocument:
    """One file's data and the spans of everything in it."""

    filename: str
    data: Any
    spans: dict[Path, NodeSpans] = field(default_factory=dict)
    anchors: dict[Path, Span] = field(default_factory=dict)
    """Each path whose value an alias brought in -> the span of the anchored value it copies."""

    def written_at(self, path: Path) -> SourceRange | None:
        """Where the value at `path` is written once: the anchored value an alias copied it
        from, or its own place. Values sharing one anchor share this range (so a finding about
        the anchored value is reported once, not once per alias)."""
        span = self.anchors.get(path)
        if span is None:
            spans = self.spans.get(path)
            if spans is None:
                return None
            span = spans.value
        return SourceRange(self.filename, span.start, span.end)

    def range_of(self, path: Path, *, key: bool = False) -> SourceRange:
        """The range of the value at `path` (or of its key), else of its nearest known ancestor."""
        for end in range(len(path), -1, -1):
            spans = self.spans.get(tuple(path[:end]))
            if spans is None:
                continue
            span = spans.key if (key and end == len(path) and spans.key) else spans.value
            return SourceRange(self.filename, span.start, span.end)
        return SourceRange.at(self.filename, 1, 1)


class _Loader(_BaseLoader):
    """A safe loader that resolves plain scalars by YAML 1.2's core schema."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            return _resolve_plain(value) if implicit[0] else STR
        return super().resolve(kind, value, implicit)


def _resolve_plain(value: str) -> str:
    if value in _NULLS:
        return NULL
    if value in _BOOLS:
        return BOOL
    if value == "<<":
        return MERGE
    if _NUMBER.match(value) or _NOT_DECIMAL.match(value):
        return FLOAT
    return STR


def read_yaml_file(path: str, filename: str | None = None) -> tuple[YamlDocument | None, list]:
    """Read and parse a file; `filename` is the name diagnostics show (defaults to `path`)."""
    name = filename or path
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return None, [error("E001", f"cannot read {name}: {exc.strerror}", SourceRange.at(name, 1))]
    return parse_yaml_bytes(raw, name)


def parse_yaml_bytes(raw: bytes, filename: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            error(
                "E002",
                f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                SourceRange.at(filename, line, column),
                hint="save the file as UTF-8",
            )
        ]
    return parse_yaml_text(text, filename)


def parse_yaml_text(text: str, filename: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse YAML text into a `YamlDocument`, or return the diagnostics that stop it."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except RecursionError:  # only the pure-Python parser recurses; libyaml stops at 1000 levels
        return None, [
            error(
                "E003",
                f"the document nests more than {MAX_DEPTH} levels deep",
                SourceRange.at(filename, 1, 1),
            )
        ]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, filename, text)]
    except yaml.YAMLError as exc:
        return None, [error("E003", f"YAML error: {exc}", SourceRange.at(filename, 1))]
    if root is None or _nothing(root):
        return None, [
            error(
                "E006",
                "the file is empty",
                SourceRange.at(filename, 1, 1),
                hint="start the file with `version: 1`",
            )
        ]
    builder = _Builder(filename, text, root)
    data = builder.build(root, ())
    if builder.diagnostics:
        return None, builder.diagnostics
    return YamlDocument(filename, data, builder.spans, builder.anchors), []


def _nothing(root: yaml.Node) -> bool:
    """A document with no content at all: `---` alone, or only comments around it."""
    return (
        isinstance(root, yaml.ScalarNode) and root.tag == NULL and not root.value and not root.style
    )


def _syntax_error(exc: yaml.MarkedYAMLError, filename: str, text: str) -> Diagnostic:
    """A parser error, pointed at the line the user must fix, with what to do about it.

    PyYAML reports where it gave up, which for the commonest mistakes is not where the mistake
    is: an unterminated quote is reported at the end of the file, a tab where it broke a token.
    The usual shapes (a tab in the indentation, an unterminated quote, a key indented unlike its
    siblings or deeper than a value) are recognised and located; anything else keeps PyYAML's
    words and position.
    """
    spans = _Spans(text)
    lines = _LINE_BREAK.split(text)
    mark = exc.problem_mark or exc.context_mark
    at = spans.position(mark) if mark is not None else None
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    known = _known_syntax_error(problem, context, exc.context_mark, at, lines, spans)
    if known is not None:
        (line, column), summary, hint = known
        return error(
            "E003",
            f"YAML syntax error: {summary}",
            SourceRange.at(filename, line, column),
            hint=hint,
        )
    where = SourceRange.at(filename, at.line, at.column) if at is not None else None
    detail = ""
    if exc.context and exc.context_mark:
        detail = f"{exc.context} (line {exc.context_mark.line + 1})"
    return error("E003", f"YAML syntax error: {problem}", where, detail=detail)


_HAS_TEXT_VALUE = re.compile(r"\s*(?:- )?[^:#\s][^:#]*:\s+[^\s#&*|>]")  # `key: text`
_INDENT_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator")


def _known_syntax_error(
    problem: str,
    context: str,
    context_mark: yaml.Mark | None,
    at: Position | None,
    lines: list[str],
    spans: _Spans,
) -> tuple[tuple[int, int], str, str] | None:
    """`((line, column), summary, hint)` for a syntax error of a shape we can explain."""
    if at is None:
        return None
    tab = _tab_in_indentation(lines, at.line)
    if tab is not None:
        return tab, "a tab in the indentation", "tabs are not allowed in YAML; indent with spaces"
    if "quoted scalar" in context and context_mark is not None:
        opened = spans.position(context_mark)
        quote = _char(lines, opened)
        quote = quote if quote in "'\"" else '"'
        return (
            (opened.line, opened.column),
            "a quoted text is never closed",
            f"close the quote with a matching {quote} (the rest of the file was read as part "
            "of this text)",
        )
    row = at.line - 1
    if row >= len(lines):
        return None
    line = lines[row]
    indent = len(line) - len(line.lstrip(" "))
    above = _line_above(lines, row)
    if problem in _INDENT_PROBLEMS and above is not None:
        above_indent = len(above) - len(above.lstrip(" "))
        return (
            (at.line, indent + 1),
            f"this line is indented {_spaces(indent)}, which matches no key above it",
            f"indent it like the line it belongs with: {_spaces(above_indent)} like the line "
            "above, or as deep as the key it sits under",
        )
    if problem.startswith("mapping values are not allowed"):
        first_colon = line.find(":") + 1  # 1-based; the problem is at a key's colon
        if (
            above is not None
            and at.column == first_colon
            and _HAS_TEXT_VALUE.match(above)
            and indent > len(above) - len(above.lstrip(" "))
        ):
            return (
                (at.line, indent + 1),
                "this line is indented deeper than the line above, whose value is text",
                f"indent it {_spaces(len(above) - len(above.lstrip(' ')))} like the line above "
                "if it is a key of the same mapping",
            )
        return (
            (at.line, at.column),
            "a value contains ': '",
            "put the value in quotes: a colon followed by a space starts a mapping",
        )
    return None


def _tab_in_indentation(lines: list[str], line: int) -> tuple[int, int] | None:
    """Where a tab sits in the indentation of `line` or of the line above it, if it does."""
    for row in (line - 1, line - 2):
        if 0 <= row < len(lines):
            text = lines[row]
            lead = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in lead:
                return row + 1, lead.index("\t") + 1
    return None


def _line_above(lines: list[str], row: int) -> str | None:
    """The nearest line above `row` with content (not blank, not a comment)."""
    for text in reversed(lines[:row]):
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            return text
    return None


def _char(lines: list[str], at: Position) -> str:
    row = at.line - 1
    if row < len(lines) and at.column - 1 < len(lines[row]):
        return lines[row][at.column - 1]
    return ""


def _spaces(n: int) -> str:
    return "1 space" if n == 1 else f"{n} spaces"


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what editors (and the source excerpt) count


class _Spans:
    """PyYAML marks as 1-based positions that are always inside the text.

    Lines are counted as editors count them: PyYAML also breaks lines at U+2028, U+2029 and NEL,
    which may sit inside a quoted name and would shift every later line, so positions come from
    a mark's character offset (never past the end of the text, even where PyYAML's line count
    runs past the last line of a file without a final newline).
    """

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        self.lengths = [
            len(_LINE_BREAK.sub("", text[start:end]))
            for start, end in zip(self.starts, [*self.starts[1:], len(text)], strict=True)
        ]
        self._cache: dict[int, Span] = {}  # an aliased node is one node: one span

    def of(self, node: yaml.Node) -> Span:
        span = self._cache.get(id(node))
        if span is None:
            span = Span(self.position(node.start_mark), self.position(node.end_mark))
            self._cache[id(node)] = span
        return span

    def position(self, mark: yaml.Mark) -> Position:
        line = bisect.bisect_right(self.starts, mark.index) - 1
        column = min(mark.index - self.starts[line], self.lengths[line])
        return Position(line + 1, column + 1)


class _Builder:
    """Turns a composed node graph into data, recording spans and collecting errors.

    The composer hands back the anchored node itself wherever an alias stands, so a value brought
    in by an alias (or a `<<` merge of one) is located at the alias: the same anchored text may be
    right in one place and wrong in another, and a diagnostic must point at the place that is
    wrong. Paths below an alias get no spans of their own; they fall back to the alias.
    """

    def __init__(self, filename: str, text: str, root: yaml.Node):
        self.filename = filename
        spans = _Spans(text)
        self._span = spans.of
        self._aliases = _alias_spans(root, text, spans)
        self.spans: dict[Path, NodeSpans] = {}
        self.anchors: dict[Path, Span] = {}
        self.diagnostics: list[Diagnostic] = []
        self._stack: set[int] = set()
        self._count = 0
        self._quiet = 0  # > 0 while building a value an alias brought in
        self._built: dict[int, tuple[Any, int, int]] = {}  # aliased node -> value, size, depth

    def fail(self, code: str, summary: str, node: yaml.Node, **kw: str) -> None:
        span = self._span(node)
        where = SourceRange(self.filename, span.start, span.end)
        self.diagnostics.append(error(code, summary, where, **kw))

    def build(
        self, node: yaml.Node, path: Path, key: Span | None = None, alias: Span | None = None
    ) -> Any:
        """The data of `node` at `path`; `alias` is where the alias that brought it in stands."""
        if not self._quiet:
            self.spans[path] = NodeSpans(key, alias or self._span(node))
            if alias is not None:
                self.anchors[path] = self._span(node)
        if alias is None:
            return self._build(node, path)
        self._quiet += 1
        try:
            return self._aliased(node, path)
        finally:
            self._quiet -= 1

    def _aliased(self, node: yaml.Node, path: Path) -> Any:
        """An aliased collection is built once: every later alias of it gets a copy (a list of
        990 ingest aliases that 1,000 customers alias is built once, copied 999 times). The
        copies count toward `MAX_NODES` and nest as deep as a build would, so an alias bomb or
        an over-deep alias is refused exactly as without the copy."""
        built = self._built.get(id(node))
        if built is not None:
            value, size, depth = built
            fits = len(self._stack) + depth - 1 < MAX_DEPTH and self._count + size <= MAX_NODES
            if fits:
                self._count += size
                return _copy(value)
        before, failed = self._count, len(self.diagnostics)
        value = self._build(node, path)
        if isinstance(value, list | dict) and len(self.diagnostics) == failed:
            self._built[id(node)] = (_copy(value), self._count - before, _depth(value))
        return value

    def _build(self, node: yaml.Node, path: Path) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            if self._count == MAX_NODES + 1:
                self.fail("E003", "the document expands to too many values (an alias bomb?)", node)
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in (MAP, SEQ):
            self.fail(
                "E005",
                f"unsupported YAML tag {_short(node.tag)}",
                node,
                hint="remove the tag; catalogs hold plain mappings, lists and scalars",
            )
            return None
        if not self._enter(node):
            return None
        try:
            if isinstance(node, yaml.SequenceNode):
                return [
                    self.build(child, (*path, i), alias=self._aliases.get((id(node), i)))
                    for i, child in enumerate(node.value)
                ]
            return self._mapping(node, path)
        finally:
            self._stack.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            self.fail(
                "E005",
                f"unsupported YAML tag {_short(tag)}",
                node,
                hint="remove the tag; catalogs hold plain mappings, lists and scalars",
            )
            return None
        if tag == STR:
            return value
        if tag == NULL:
            return None
        if tag == BOOL:
            if value.lower() in ("true", "false"):
                return value.lower() == "true"
            self.fail("E104", f"{value!r} is not a boolean (true or false)", node)
            return None
        return self._number(node)

    def _number(self, node: yaml.ScalarNode) -> Decimal | None:
        try:
            return parse_decimal(node.value)
        except OutOfRange as exc:
            self.fail(
                "E010",
                str(exc),
                node,
                hint="a catalog number has at most 30 digits on each side of the point",
            )
            return None
        except NotADecimal:
            self.fail(
                "E010",
                f"{node.value!r} is not a finite decimal number",
                node,
                hint="write numbers in decimal notation, like 0.05 or 1000000",
            )
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        merged: dict[str, tuple[Any, NodeSpans | None]] = {}
        for index, (key_node, value_node) in enumerate(node.value):  # merges first, so
            if key_node.tag == MERGE:  # explicit keys' spans win
                at = self._aliases.get((id(node), 2 * index + 1))
                sources = self._merge_sources(value_node, path, self._span(key_node), at)
                for key, value in sources.items():
                    merged.setdefault(key, value)
        for key, (_, spans) in merged.items():
            if spans is not None and not self._quiet:
                self.spans[(*path, key)] = spans
        result: dict[str, Any] = {}
        seen: dict[str, Span] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if key_node.tag == MERGE:
                continue
            key = self._key(key_node)
            if key is None:
                continue
            key_span = self._aliases.get((id(node), 2 * index)) or self._span(key_node)
            if key in seen:
                first = seen[key].start
                self.fail(
                    "E004",
                    f"duplicate key {key!r} (first defined at line {first.line})",
                    key_node,
                    hint="remove one of the two; YAML would silently keep the last",
                )
                continue
            seen[key] = key_span
            alias = self._aliases.get((id(node), 2 * index + 1))
            result[key] = self.build(value_node, (*path, key), key_span, alias)
        for key, (value, _) in merged.items():
            result.setdefault(key, value)
        return result

    def _key(self, node: yaml.Node) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.fail("E003", "a mapping key must be plain text, not a list or mapping", node)
            return None
        if node.tag not in _SCALAR_TAGS:
            self.fail("E005", f"unsupported YAML tag {_short(node.tag)}", node)
            return None
        return node.value

    def _enter(self, node: yaml.Node) -> bool:
        """Start building a collection: refuse a cycle through an alias and absurd nesting."""
        if id(node) in self._stack:
            self.fail("E003", "an alias refers to a node that contains it", node)
            return False
        if len(self._stack) >= MAX_DEPTH:
            self.fail("E003", f"the document nests more than {MAX_DEPTH} levels deep", node)
            return False
        self._stack.add(id(node))
        return True

    def _merge_sources(
        self, node: yaml.Node, path: Path, merge_key: Span, alias: Span | None
    ) -> dict[str, tuple[Any, NodeSpans | None]]:
        """`<<: *base` or `<<: [*a, *b]`: earlier sources win, explicit keys win over all.

        Each key's value comes with where it is located: a key merged from an alias is at that
        alias (None: merged from a mapping written in place, whose own spans are recorded).
        """
        if isinstance(node, yaml.SequenceNode):
            sources = [(s, self._aliases.get((id(node), i))) for i, s in enumerate(node.value)]
        else:
            sources = [(node, alias)]
        merged: dict[str, tuple[Any, NodeSpans | None]] = {}
        for source, at in sources:
            if not isinstance(source, yaml.MappingNode):
                self.fail("E012", "a `<<` merge key takes a mapping or a list of mappings", source)
                continue
            if not self._enter(source):
                continue
            self._quiet += at is not None
            try:
                mapping = self._mapping(source, path)
            finally:
                self._stack.discard(id(source))
                self._quiet -= at is not None
            spans = NodeSpans(merge_key, at) if at is not None else None
            for key, value in mapping.items():
                merged.setdefault(key, (value, spans))
        return merged


def _copy(value: Any) -> Any:
    """A copy of built data: new lists and dicts, the same (immutable) scalars."""
    if isinstance(value, list):
        return [_copy(v) if isinstance(v, list | dict) else v for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) if isinstance(v, list | dict) else v for k, v in value.items()}
    return value


def _depth(value: Any) -> int:
    """How many lists and dicts nest in built data (a flat list: 1)."""
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value if isinstance(v, list | dict)), default=0)
    if isinstance(value, dict):
        inner = (_depth(v) for v in value.values() if isinstance(v, list | dict))
        return 1 + max(inner, default=0)
    return 0


def _alias_spans(root: yaml.Node, text: str, spans: _Spans) -> dict[tuple[int, int], Span]:
    """Where each alias stands: `(id(collection), index of the child) -> span of *name`.

    A mapping's children are counted key, value, key, value. The composed graph keeps no trace
    of aliases, so they are read from the event stream: walking the graph in document order, the
    n-th time a node is met again is the n-th alias event.
    """
    if "*" not in text:
        return {}
    marks = iter(
        [
            Span(spans.position(event.start_mark), spans.position(event.end_mark))
            for event in yaml.parse(text, Loader=_Loader)
            if isinstance(event, yaml.AliasEvent)
        ]
    )
    found: dict[tuple[int, int], Span] = {}
    seen = {id(root)}
    walk = [(root, enumerate(_children(root)))]
    while walk:
        parent, children = walk[-1]
        step = next(children, None)
        if step is None:
            walk.pop()
            continue
        index, child = step
        if id(child) in seen:
            mark = next(marks, None)
            if mark is not None:
                found[(id(parent), index)] = mark
            continue
        seen.add(id(child))
        walk.append((child, enumerate(_children(child))))
    return found


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def describe_value(value: Any) -> str:
    """A value the loader produced, in YAML's words: `the number 2`, `the text 'x'`, ..."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "a list" if isinstance(value, list) else "a mapping"


def _short(tag: str) -> str:
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag
