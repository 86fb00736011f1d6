"""fmt's invariants, over generated catalogs and the examples.

A generated catalog is data (what the loader should read) written out by `Writer` with random
key orders, indentation widths, flow or block collections, quoting, `|-` and `>-` block scalars,
enum casings, blank lines, `---` and `...` and comments. Every comment names the key it belongs to
(`# above <path>` on the line above the key or list item, `# eol <path>` at the end of the key's
line, `# end <path>` below the last entry of a block mapping), so the test can check that it is
still there after fmt has moved the keys. Invariants:

- fmt formats every such file, and formatting its output changes nothing;
- the formatted file reads as the same data, enum values upper-cased, resources in the same order,
  and the models see the same catalog;
- every comment still sits at its key;
- the layout does not depend on how the file was written: the same catalog written two different
  ways (other key orders, indentation, spacing, enum case) formats to the same text.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_spec.catalog import enums as E
from billing_spec.catalog.fmt import format_text
from billing_spec.catalog.fmt.shapes import catalog_shape
from billing_spec.catalog.load import catalog_files
from billing_spec.catalog.models import CatalogFile
from billing_spec.catalog.yaml_source import parse_yaml_text
from tests.conftest import CATALOGS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class EnumValue(str):
    """An enum value in data: Metronome's spelling; the writer picks a casing."""


class Free(dict):
    """A map whose keys are data (resource IDs, custom fields): its order is kept, not sorted."""


# --- catalogs as data --------------------------------------------------------------------------

_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
words = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(lambda w: w not in _RESERVED)
names = st.from_regex(r"[A-Z][a-z]{2,7}( [a-z0-9]{1,5}){0,2}", fullmatch=True).filter(
    lambda n: n.lower() not in _RESERVED
)
amounts = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
positive = amounts.filter(lambda d: d > 0)
timestamps = st.integers(0, 10**9).map(
    lambda s: f"20{s // 10**7 % 90 + 10:02d}-{s % 12 + 1:02d}-{s % 28 + 1:02d}T{s % 24:02d}:00:00Z"
)


def enum(kind) -> st.SearchStrategy:
    return st.sampled_from([m.value for m in kind]).map(EnumValue)


def free(values, max_size=2) -> st.SearchStrategy:
    return st.dictionaries(words, values, max_size=max_size).map(Free)


def model(required: dict, optional: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries(required, optional=optional)


def lists(items, min_size=0, max_size=3) -> st.SearchStrategy:
    return st.lists(items, min_size=min_size, max_size=max_size)


tiers = model({"price": amounts}, {"size": positive, "flat_price": amounts})
metric = model(
    {"name": names},
    {
        "aggregation_type": enum(E.AggregationType),
        "aggregation_key": words,
        "event_type_filter": model(
            {}, {"in_values": lists(words, 1), "not_in_values": lists(words, 1)}
        ),
        "property_filters": lists(
            model({"name": words}, {"exists": st.booleans(), "in_values": lists(words, 1)})
        ),
        "group_keys": lists(lists(words, 1, 2), 0, 2),
        "custom_fields": free(names),
    },
)
product = model(
    {"name": names, "type": enum(E.ProductType)},
    {
        "billable_metric": words,
        "pricing_group_key": lists(words),
        "presentation_group_key": lists(words),
        "quantity_conversion": model(
            {"conversion_factor": positive, "operation": enum(E.ConversionOperation)},
            {"name": names},
        ),
        "quantity_rounding": model(
            {
                "decimal_places": st.integers(-3, 4).map(Decimal),
                "rounding_method": enum(E.RoundingMethod),
            },
            {},
        ),
        "tags": lists(words),
        "lifecycle": model({"prevent_destroy": st.booleans()}, {}),
    },
)
rate = model(
    {
        "product": words,
        "starting_at": timestamps,
        "entitled": st.booleans(),
        "rate_type": enum(E.RateType),
    },
    {
        "ending_before": timestamps,
        "price": amounts,
        "tiers": lists(tiers, 1),
        "tier_mode": enum(E.TierMode),
        "pricing_group_values": free(words),
        "billing_frequency": enum(E.BillingFrequency),
    },
)
rate_card = model({"name": names}, {"description": names, "rates": lists(rate)})
customer = model({"name": names}, {"ingest_aliases": lists(words), "custom_fields": free(names)})
contract = model(
    {"customer": words, "rate_card": words, "starting_at": timestamps},
    {
        "name": names,
        "usage_statement_schedule": model(
            {"frequency": enum(E.BillingFrequency)}, {"day": enum(E.StatementDay)}
        ),
        "overrides": lists(
            model(
                {"starting_at": timestamps},
                {"type": enum(E.OverrideType), "product": words, "multiplier": positive},
            )
        ),
    },
)
addresses = words.map("product.".__add__)
credit_type = model({"name": names}, {"decimal_places": st.integers(0, 4).map(Decimal)})
catalogs = model(
    {"version": st.just(Decimal(1))},
    {
        "credit_types": free(credit_type),
        "billable_metrics": free(metric, 3),
        "products": free(product, 3),
        "rate_cards": free(rate_card),
        "customers": free(customer),
        "contracts": free(contract),
        "moved": lists(model({"from": addresses, "to": addresses}, {})),
    },
)


# --- writing data as YAML, some way or other ---------------------------------------------------


class Writer:
    """Writes a catalog with style choices drawn from hypothesis; `shared` fixes the choices
    that fmt keeps (flow or block, quoting), so two writers can differ only in what fmt changes."""

    def __init__(self, draw, *, comments: bool, shared: dict | None = None):
        self.draw = draw
        self.comments = comments
        self.shared = {} if shared is None else shared
        self.step = draw(st.sampled_from([2, 4]))
        self.dash = draw(st.sampled_from([0, 2]))  # dashes under the key, or indented
        self.lines: list[str] = ["# header"]

    def choice(self, path: tuple, what: str, options: list):
        key = (path, what)
        if key not in self.shared:
            self.shared[key] = self.draw(st.sampled_from(options))
        return self.shared[key]

    def document(self, data: dict) -> str:
        start, end = self.choice(
            (), "markers", [("", ""), ("---", ""), ("---", "..."), ("", "...")]
        )
        if start:
            self.lines.append(start + (" # doc start" if self.comments else ""))
        self.block_map(data, 0, ())
        if end:
            self.lines.append(end + ("  # doc end\n\n# after the end" if self.comments else ""))
        return "\n".join(self.lines) + "\n"

    def keys(self, data: dict, path: tuple) -> list:
        if isinstance(data, Free):
            return list(data)
        return self.draw(st.permutations(list(data)))

    def block_map(self, data: dict, indent: int, path: tuple, first_on_dash: bool = False) -> None:
        keys = self.keys(data, path)
        for index, key in enumerate(keys):
            here = (*path, key)
            pinned = index == 0 and (first_on_dash or not path)  # header / dash line
            if self.comments and not pinned and self.draw(st.booleans()):
                if self.draw(st.booleans()):
                    self.lines.append("")
                self.lines.append(" " * self.draw(st.integers(0, indent)) + f"# above {_p(here)}")
            self.entry(f"{' ' * indent}{key}:", data[key], indent, here)
        last = data[keys[-1]] if keys else None
        ambiguous = isinstance(last, list) and self.dash == 0  # also at the end of that list
        if self.comments and path and keys and not ambiguous and self.draw(st.booleans()):
            self.lines.append(f"{' ' * indent}# end {_p(path)}")

    def entry(self, head: str, value, indent: int, path: tuple) -> None:
        block = type(value) is str and self.choice(path, "block", [None, None, "|-", ">-"])
        if block:
            self.line(f"{head} {block}", path)
            self.lines.append(f"{' ' * (indent + self.step)}{value}")
        elif self.is_flow(value, path):
            self.line(f"{head} {self.flow(value, path)}", path)
        elif isinstance(value, dict):
            self.line(head, path)
            self.block_map(value, indent + self.step, path)
        else:
            self.line(head, path)
            self.block_seq(value, indent + self.dash, path)

    def block_seq(self, items: list, indent: int, path: tuple, first_on_dash=False) -> None:
        for index, item in enumerate(items):
            here = (*path, index)
            pinned = index == 0 and first_on_dash  # `- - item`: nothing between the dashes
            if self.comments and not pinned and self.draw(st.booleans()):
                if index and self.draw(st.booleans()):
                    self.lines.append("")
                self.lines.append(" " * self.draw(st.integers(0, indent)) + f"# above {_p(here)}")
            if not isinstance(item, dict | list) or self.is_flow(item, here):
                self.lines.append(f"{' ' * indent}- {self.flow(item, here)}")
            elif self.choice(here, "dash alone", [True, False]):
                self.lines.append(f"{' ' * indent}-")
                self.nested(item, indent + 2, here, first_on_dash=False)
            else:
                start = len(self.lines)
                self.nested(item, indent + 2, here, first_on_dash=True)
                first = self.lines[start]
                self.lines[start] = f"{' ' * indent}- {first[indent + 2 :]}"

    def nested(self, item, indent: int, path: tuple, first_on_dash: bool) -> None:
        if isinstance(item, dict):
            self.block_map(item, indent, path, first_on_dash)
        else:
            self.block_seq(item, indent, path, first_on_dash)

    def line(self, text: str, path: tuple) -> None:
        if self.comments and self.draw(st.booleans()):
            text += " " * self.draw(st.integers(1, 4)) + f"# eol {_p(path)}"
        self.lines.append(text)

    def is_flow(self, value, path: tuple) -> bool:
        if not isinstance(value, dict | list):
            return True
        return not value or self.choice(path, "flow", [True, False])

    def flow(self, value, path: tuple) -> str:
        if isinstance(value, dict):
            keys = self.keys(value, path)
            body = ", ".join(f"{k}: {self.flow(value[k], (*path, k))}" for k in keys)
            return self.draw(st.sampled_from(["{%s}", "{ %s }"])) % body
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v, (*path, i)) for i, v in enumerate(value)) + "]"
        return self.scalar(value, path)

    def scalar(self, value, path: tuple) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, EnumValue):
            value = self.draw(st.sampled_from([value, value.lower(), value.capitalize()]))
        if not _PLAIN.fullmatch(value) or value.lower() in _RESERVED:
            return json.dumps(value)  # a double-quoted YAML scalar
        quote = self.choice(path, "quote", ["", "", "'", '"'])
        return f"{quote}{value}{quote}"


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _.@()%$/+-]*(?<! )")  # plain in flow and block alike


def _p(path: tuple) -> str:
    return "/".join(map(str, path))


# --- the invariants ----------------------------------------------------------------------------


def formats(text: str) -> str:
    formatted, diagnostics = format_text(text, "gen.yaml")
    assert diagnostics == [], (text, diagnostics)
    assert formatted is not None
    return formatted


def read(text: str):
    document, diagnostics = parse_yaml_text(text, "gen.yaml")
    assert diagnostics == [], (text, diagnostics)
    return document


@SETTINGS
@given(catalogs, st.data())
def test_fmt_is_idempotent_and_keeps_data_and_comments(data, draw):
    text = Writer(draw.draw, comments=True).document(data)
    formatted = formats(text)
    assert formats(formatted) == formatted
    document = read(formatted)
    assert document.data == data  # EnumValue holds the upper-case spelling
    for section, resources in data.items():
        if isinstance(resources, Free):
            assert list(document.data[section]) == list(resources)
    assert CatalogFile.model_validate(document.data) == CatalogFile.model_validate(read(text).data)
    assert_comments_at_their_keys(formatted, document)
    assert_canonical_text(formatted)


@SETTINGS
@given(catalogs, st.data())
def test_the_layout_depends_only_on_the_catalog_not_on_how_it_was_written(data, draw):
    shared: dict = {}
    first = Writer(draw.draw, comments=False, shared=shared).document(data)
    second = Writer(draw.draw, comments=False, shared=shared).document(data)
    assert formats(first) == formats(second)


def assert_comments_at_their_keys(formatted: str, document) -> None:
    lines = formatted.split("\n")
    for number, line in enumerate(lines, start=1):
        assert ("# doc start" in line) == (line == "---  # doc start"), line
        assert ("# doc end" in line) == (line == "...  # doc end"), line
        if line == "# after the end":
            assert lines[number - 3 : number - 1] == ["...  # doc end", ""], formatted
        match = re.search(r"# (above|eol|end) (\S+)$", line)
        if match is None:
            continue
        path = tuple(int(p) if p.isdigit() else p for p in match.group(2).split("/"))
        if match.group(1) == "end":
            assert_at_the_end_of_its_block(lines, number, path, document)
            continue
        key_line = document.range_of(path, key=True).start.line
        if match.group(1) == "eol":
            assert number == key_line, (match.group(0), formatted)
        else:
            below = number + 1
            while below <= len(lines) and (
                not lines[below - 1].strip() or lines[below - 1].lstrip().startswith("#")
            ):
                below += 1
            assert below == key_line, (match.group(0), formatted)


def assert_at_the_end_of_its_block(lines: list[str], number: int, path: tuple, document) -> None:
    """`# end <path>` (line `number`) is below the block's last key, at its column."""
    block = document.data
    for part in path:
        block = block[part]
    last = document.range_of((*path, list(block)[-1]), key=True).start
    column = len(lines[number - 1]) - len(lines[number - 1].lstrip(" "))
    assert column == last.column - 1, (path, "\n".join(lines))
    for between in lines[last.line : number - 1]:
        indent = len(between) - len(between.lstrip(" "))
        assert not between.strip() or indent > column, (path, "\n".join(lines))


def assert_canonical_text(formatted: str) -> None:
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")
    for line in formatted.split("\n"):
        assert line == line.rstrip()
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, line


# --- the examples, rewritten and damaged ------------------------------------------------------

EXAMPLES = [(path, path.read_text(encoding="utf-8")) for path in catalog_files(CATALOGS)]


def test_examples_read_the_same_after_formatting():
    for path, text in EXAMPLES:
        formatted = formats(text)
        before, after = read(text).data, read(formatted).data
        assert CatalogFile.model_validate(after) == CatalogFile.model_validate(before), path
        assert formats(formatted) == formatted


def _enum_paths_upper(data, shape=None):
    """Example data as the generator's types, enum values in Metronome's (upper) case."""
    shape = catalog_shape() if shape is None else shape
    if isinstance(data, dict):
        values = {k: _enum_paths_upper(v, shape.child(k)) for k, v in data.items()}
        return Free(values) if shape.kind == "dict" else values
    if isinstance(data, list):
        return [_enum_paths_upper(v, shape.child(None)) for v in data]
    return EnumValue(data.upper()) if shape.kind == "enum" and isinstance(data, str) else data


@SETTINGS
@given(st.sampled_from(EXAMPLES), st.data())
def test_examples_written_any_other_way_format_back_to_themselves(example, draw):
    _, text = example
    data = _enum_paths_upper(read(text).data)
    rewritten = Writer(draw.draw, comments=True).document(data)
    formatted = formats(rewritten)
    assert read(formatted).data == data
    assert_comments_at_their_keys(formatted, read(formatted))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES), st.data())
def test_damaged_files_never_raise_and_are_never_made_worse(example, draw):
    _, text = example
    lines = text.split("\n")
    for _ in range(draw.draw(st.integers(1, 3))):
        edit = draw.draw(st.sampled_from(["delete", "indent", "truncate", "junk"]))
        at = draw.draw(st.integers(0, len(lines) - 1))
        if edit == "delete":
            del lines[at]
        elif edit == "indent":
            lines[at] = " " * draw.draw(st.integers(1, 3)) + lines[at]
        elif edit == "truncate":
            lines[at] = lines[at][: draw.draw(st.integers(0, len(lines[at])))]
        else:
            junk = [" #", ": x", " [", "'", " &a", " *a", "\t", " - y"]
            lines[at] += draw.draw(st.sampled_from(junk))
        if not lines:
            lines = [""]
    damaged = "\n".join(lines)
    formatted, diagnostics = format_text(damaged, "damaged.yaml")
    if formatted is None:
        assert diagnostics and all(d.is_error for d in diagnostics)
        return
    assert diagnostics == []
    before, after = parse_yaml_text(damaged, "d.yaml")[0], read(formatted)
    assert formats(formatted) == formatted
    assert sorted(map(str, _leaves(after.data))) == sorted(
        map(str, _leaves(before.data))
    ) or _upper_differs_only(before.data, after.data)


def _leaves(data):
    if isinstance(data, dict):
        for value in data.values():
            yield from _leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value)
    else:
        yield data


def _upper_differs_only(before, after) -> bool:
    def upper(data):
        return sorted(str(v).upper() for v in _leaves(data))

    return upper(before) == upper(after)
