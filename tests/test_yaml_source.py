"""Reading YAML with positions: YAML 1.2 scalars, Decimal numbers, refused tags and keys."""

from decimal import Decimal

from billing_spec.catalog.yaml_source import parse_yaml_bytes, parse_yaml_text


def parse(text: str):
    document, diagnostics = parse_yaml_text(text, "f.yaml")
    return document, [(d.code, d.range.start.line, d.range.start.column) for d in diagnostics]


def test_numbers_are_decimals_from_their_text():
    doc, errors = parse("a: 0.1\nb: 1e6\nc: 010\nd: -2\ne: '0.1'\n")
    assert errors == []
    assert doc.data == {
        "a": Decimal("0.1"),
        "b": Decimal("1e6"),
        "c": Decimal(10),
        "d": Decimal(-2),
        "e": "0.1",
    }
    assert str(doc.data["a"]) == "0.1"  # not 0.1000000000000000055511151231257827


def test_yaml_1_2_booleans_only():
    doc, _ = parse("a: true\nb: False\nc: no\nd: on\ne: NO\n")
    assert doc.data == {"a": True, "b": False, "c": "no", "d": "on", "e": "NO"}


def test_timestamps_stay_text_for_the_schema():
    doc, _ = parse("at: 2026-01-01T00:00:00Z\n")
    assert doc.data == {"at": "2026-01-01T00:00:00Z"}


def test_positions_of_keys_and_values():
    doc, _ = parse("products:\n  p:\n    price: 50\n")
    value = doc.range_of(("products", "p", "price"))
    key = doc.range_of(("products", "p", "price"), key=True)
    assert (value.start.line, value.start.column) == (3, 12)
    assert (key.start.line, key.start.column) == (3, 5)
    missing = doc.range_of(("products", "p", "nope", 3))
    assert (missing.start.line, missing.start.column) == (3, 5)  # nearest known ancestor


def test_duplicate_key_is_an_error_at_the_second():
    _, errors = parse("a: 1\nb: 2\na: 3\n")
    assert errors == [("E004", 3, 1)]


def test_anchors_aliases_and_merge_keys():
    doc, errors = parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n")
    assert errors == []
    assert doc.data["use"] == {"y": Decimal(3), "x": Decimal(1)}


def test_language_tags_are_refused():
    _, errors = parse("a: !!python/object/apply:os.system [ls]\n")
    assert errors == [("E005", 1, 4)]


def test_infinity_and_hex_are_not_decimals():
    _, errors = parse("a: .inf\nb: 0x1F\n")
    assert errors == [("E010", 1, 4), ("E010", 2, 4)]


def test_recursive_alias_is_refused():
    _, errors = parse("a: &a [*a]\n")
    assert [code for code, *_ in errors] == ["E003"]


def test_syntax_error_has_a_position():
    _, errors = parse("a: [1, 2\nb: 3\n")
    assert errors[0][0] == "E003"


def test_empty_and_non_utf8_files():
    assert parse("")[1] == [("E006", 1, 1)]
    _, diagnostics = parse_yaml_bytes(b"a: 1\nb: \xff\n", "f.yaml")
    found = [(d.code, d.range.start.line, d.range.start.column) for d in diagnostics]
    assert found == [("E002", 2, 4)]


def test_deep_nesting_is_an_error_not_a_crash():
    flow = "a: " + "[" * 500 + "]" * 500 + "\n"
    block = "".join("  " * i + "k:\n" for i in range(500))
    for text in (flow, block):
        _, errors = parse(text)
        assert [code for code, *_ in errors] == ["E003"]


def test_a_merge_of_itself_is_an_error_not_a_crash():
    _, errors = parse("a: &a {<<: *a, name: x}\n")
    assert errors == [("E003", 1, 4)]
    chain = "b0: &b0 {x: 1}\n" + "".join(f"b{i}: &b{i} {{<<: *b{i - 1}}}\n" for i in range(1, 300))
    _, errors = parse(chain)
    assert {code for code, *_ in errors} == {"E003"}


def test_a_value_brought_in_by_an_alias_or_merge_is_located_where_it_is_brought_in():
    doc, errors = parse("base: &b {x: 1, y: {z: 2}}\nuse:\n  <<: *b\n  y: 3\ncopy: *b\n")
    assert errors == []

    def at(*path, key=False):
        where = doc.range_of(path, key=key)
        return where.start.line, where.start.column

    assert at("base", "y", "z") == (1, 24)  # the anchored text itself
    assert at("use", "x") == (3, 7)  # merged: at `*b` after `<<`
    assert at("use", "x", key=True) == (3, 3)
    assert at("use", "y") == (4, 6)  # written here, merge or not
    assert at("copy", "y", "z") == (5, 7)  # aliased: at `*b`, not at the anchor


def test_unicode_line_separators_in_text_do_not_shift_line_numbers():
    # PyYAML counts U+2028, U+2029 and NEL as line breaks; editors and the source excerpt do not
    doc, errors = parse('a: "x\u2028y\u2029z\x85w"\nb: 2\n')
    assert errors == []
    where = doc.range_of(("b",))
    assert (where.start.line, where.start.column) == (2, 4)
    _, errors = parse('a: "x\u2028y"\nb: [1\n')
    assert errors[0][:2] == ("E003", 3)


def test_a_file_of_document_markers_and_comments_only_is_empty():
    for text in ("---\n", "# all commented out\n---\n# version: 1\n", "--- # x\n...\n"):
        assert parse(text)[1] == [("E006", 1, 1)], text
    assert parse("null\n")[1] == []  # a value, which the loader reports as not a mapping
