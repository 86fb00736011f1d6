"""`billing fmt`'s layout, file by file: each test is a file before and the file fmt writes."""

from __future__ import annotations

import textwrap

import pytest

from billing_spec.catalog.fmt import format_catalog, format_text, write_formatted
from billing_spec.catalog.yaml_source import parse_yaml_text
from tests.conftest import CATALOGS


def fmt(text: str) -> str:
    formatted, diagnostics = format_text(textwrap.dedent(text).lstrip("\n"), "f.yaml")
    assert diagnostics == []
    assert formatted is not None
    again, _ = format_text(formatted, "f.yaml")
    assert again == formatted, "formatting twice must change nothing"
    return formatted


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --- key order ---------------------------------------------------------------------------------


def test_version_first_then_sections_in_dependency_order_then_moved():
    assert fmt("""
        moved:
          - {from: product.a, to: product.b}
        contracts: {}
        products: {}
        version: 1
        credit_types: {}
        customers: {}
        rate_cards: {}
        billable_metrics: {}
    """) == dedent("""
        version: 1
        credit_types: {}
        billable_metrics: {}
        products: {}
        rate_cards: {}
        customers: {}
        contracts: {}
        moved:
          - {from: product.a, to: product.b}
    """)


def test_keys_follow_the_models_field_order_at_every_depth():
    # Product declares name, type, billable_metric, ..., quantity_conversion;
    # QuantityConversion declares conversion_factor, operation, name.
    assert fmt("""
        version: 1
        products:
          tokens:
            quantity_conversion:
              name: thousands
              operation: DIVIDE
              conversion_factor: 1000
            billable_metric: tokens
            type: USAGE
            name: Tokens
    """) == dedent("""
        version: 1
        products:
          tokens:
            name: Tokens
            type: USAGE
            billable_metric: tokens
            quantity_conversion:
              conversion_factor: 1000
              operation: DIVIDE
              name: thousands
    """)


def test_resources_list_items_and_free_maps_keep_the_users_order():
    assert fmt("""
        version: 1
        customers:
          zeta:
            name: Zeta
            custom_fields: {z: "1", a: "2"}
          alpha:
            name: Alpha
            ingest_aliases: [z-prod, a-prod]
    """) == dedent("""
        version: 1
        customers:
          zeta:
            name: Zeta
            custom_fields: {z: "1", a: "2"}
          alpha:
            name: Alpha
            ingest_aliases: [z-prod, a-prod]
    """)


def test_unknown_keys_go_after_the_known_ones_in_their_own_order():
    # fmt formats, it does not validate: `validate` reports the unknown keys.
    assert fmt("""
        version: 1
        products:
          p:
            zz_note: b
            type: FIXED
            aa_note: a
            name: P
    """) == dedent("""
        version: 1
        products:
          p:
            name: P
            type: FIXED
            zz_note: b
            aa_note: a
    """)


def test_lifecycle_goes_last_in_a_resource():
    assert fmt("""
        version: 1
        products:
          p:
            lifecycle: {prevent_destroy: true}
            type: FIXED
            name: P
    """) == dedent("""
        version: 1
        products:
          p:
            name: P
            type: FIXED
            lifecycle: {prevent_destroy: true}
    """)


def test_merge_keys_first_and_anchors_kept():
    assert fmt("""
        version: 1
        products:
          base: &base
            type: FIXED
            name: Base
          other:
            name: Other
            <<: *base
    """) == dedent("""
        version: 1
        products:
          base: &base
            name: Base
            type: FIXED
          other:
            <<: *base
            name: Other
    """)


def test_an_alias_is_never_moved_above_its_anchor():
    # Reordering would put `name: *t` above `&t`; fmt keeps the key order instead,
    # and leaves an anchored enum value as written (its alias is a name, not an enum).
    assert fmt("""
        version: 1
        products:
          p:
            type: &t usage
            name: *t
    """) == dedent("""
        version: 1
        products:
          p:
            type: &t usage
            name: *t
    """)


# --- indentation and styles --------------------------------------------------------------------


def test_two_space_indentation_and_sequences_indented_under_their_key():
    assert fmt("""
        version: 1
        rate_cards:
            list:
                name: List
                rates:
                -   product: p
                    starting_at: 2026-01-01T00:00:00Z
                    entitled: true
                    rate_type: TIERED
                    tiers:
                    - size: 10
                      price: 2
                    -   price: 1
    """) == dedent("""
        version: 1
        rate_cards:
          list:
            name: List
            rates:
              - product: p
                starting_at: 2026-01-01T00:00:00Z
                entitled: true
                rate_type: TIERED
                tiers:
                  - size: 10
                    price: 2
                  - price: 1
    """)


def test_flow_collections_stay_flow_on_one_line_with_canonical_order():
    assert fmt("""
        version: 1
        billable_metrics:
          m:
            name: M
            property_filters: [ {exists: true,
                                 name: tokens} ]
            group_keys: [[ model ],[model,project]]
    """) == dedent("""
        version: 1
        billable_metrics:
          m:
            name: M
            property_filters: [{name: tokens, exists: true}]
            group_keys: [[model], [model, project]]
    """)


def test_nested_sequences_start_on_the_dash_line():
    assert fmt("""
        version: 1
        billable_metrics:
          m:
            name: M
            group_keys:
            -
              - model
            -   - model
                - project
    """) == dedent("""
        version: 1
        billable_metrics:
          m:
            name: M
            group_keys:
              - - model
              - - model
                - project
    """)


def test_enum_values_take_metronomes_upper_case_only_at_enum_fields():
    # `type` and `operation` are enums; `name: usage` is a name and stays as written.
    assert fmt("""
        version: 1
        products:
          p:
            name: usage
            type: Usage
            quantity_conversion: {conversion_factor: 10, operation: divide}
            tags: [usage]
          q:
            name: Q
            type: "fixed"
    """) == dedent("""
        version: 1
        products:
          p:
            name: usage
            type: USAGE
            quantity_conversion: {conversion_factor: 10, operation: DIVIDE}
            tags: [usage]
          q:
            name: Q
            type: "FIXED"
    """)


def test_a_value_that_is_no_spelling_of_the_enum_is_left_for_validate_to_report():
    assert fmt("""
        version: 1
        products:
          p:
            name: P
            type: uSaGe
    """) == dedent("""
        version: 1
        products:
          p:
            name: P
            type: uSaGe
    """)


def test_scalars_are_written_exactly_as_in_the_source():
    # No float on the way: the price keeps all its digits; quotes, `010` and `1e6` stay.
    text = dedent("""
        version: 1
        rate_cards:
          r:
            name: 'R'
            rates:
              - product: p
                starting_at: 2026-01-01T00:00:00+02:00
                entitled: true
                rate_type: FLAT
                price: 0.123456789012345678901234567890
                quantity: 1e6
        customers:
          c:
            name: "C \\u00e9"
            custom_fields: {code: 010, ok: "yes"}
    """)
    assert fmt(text) == text


def test_block_scalars_keep_their_text_and_take_the_canonical_indentation():
    assert fmt("""
        version: 1
        rate_cards:
            r:
                description: |
                        first line
                          indented line

                        last line
                name: >-
                    folded
                    name
    """) == dedent("""
        version: 1
        rate_cards:
          r:
            name: >-
              folded
              name
            description: |
              first line
                indented line

              last line
    """)


def test_multi_line_plain_and_quoted_scalars_are_re_indented():
    assert fmt("""
        version: 1
        customers:
          c:
            name: a long
                    customer name
            custom_fields:
              note: "quoted
                 over lines"
    """) == dedent("""
        version: 1
        customers:
          c:
            name: a long
              customer name
            custom_fields:
              note: "quoted
                over lines"
    """)


def test_no_trailing_whitespace_tabs_or_extra_newlines():
    formatted = fmt("version: 1   \nproducts:\n  p:\t\n    name:\tP  \n    type: FIXED\n\n\n\n")
    assert formatted == "version: 1\nproducts:\n  p:\n    name: P\n    type: FIXED\n"


def test_crlf_line_ends_and_byte_order_mark_are_normalized():
    crlf_with_bom = b"\xef\xbb\xbfversion: 1\r\ncustomers:\r\n  c: {name: C}\r\n"
    formatted, _ = format_text(crlf_with_bom, "f.yaml")
    assert formatted == "version: 1\ncustomers:\n  c: {name: C}\n"


def test_a_missing_final_newline_is_added():
    assert fmt("version: 1\ncustomers: {}") == "version: 1\ncustomers: {}\n"


def test_a_block_scalar_ending_the_file_without_a_final_newline_keeps_its_value():
    # Without the line break its value is "first\nlast"; fmt ends the file with a newline,
    # so it writes `|-` (and `>-`, not `>+`) to keep the value as it was.
    assert fmt(
        "version: 1\ncustomers:\n  c:\n    name: C\n    custom_fields:\n"
        "      note: |\n        first\n        last"
    ) == dedent("""
        version: 1
        customers:
          c:
            name: C
            custom_fields:
              note: |-
                first
                last
    """)
    assert fmt("version: 1\ncustomers:\n  c:\n    name: >+\n      C") == dedent("""
        version: 1
        customers:
          c:
            name: >-
              C
    """)


def test_document_markers_and_directives_are_kept():
    assert fmt("""
        %YAML 1.1
        ---
        customers: {}
        version: 1
        ...
    """) == dedent("""
        %YAML 1.1
        ---
        version: 1
        customers: {}
        ...
    """)


def test_a_comment_on_the_document_start_line_stays_on_it():
    assert fmt("""
        %YAML 1.1   # the YAML version
        --- # the acme catalog
        customers: {}
        version: 1
    """) == dedent("""
        %YAML 1.1   # the YAML version
        ---  # the acme catalog
        version: 1
        customers: {}
    """)


def test_comments_below_the_document_end_stay_below_it():
    assert fmt("""
        customers: {}
        version: 1
        # the last comment of the document
        ...  # end of the catalog

        # notes below the document
    """) == dedent("""
        version: 1
        customers: {}
        # the last comment of the document
        ...  # end of the catalog

        # notes below the document
    """)


# --- comments ----------------------------------------------------------------------------------


def test_comments_travel_with_their_key_when_keys_are_reordered():
    # `# about the type` is the comment line above `type`, `# cents` the end-of-line comment of
    # `price`: both move with their key.
    assert fmt("""
        version: 1
        rate_cards:
          r:
            rates:
              - product: p
                price: 50        # cents
                # about the type
                rate_type: FLAT
                entitled: true
                starting_at: 2026-01-01T00:00:00Z  # launch
            name: R  # the card's name
    """) == dedent("""
        version: 1
        rate_cards:
          r:
            name: R  # the card's name
            rates:
              - product: p
                starting_at: 2026-01-01T00:00:00Z  # launch
                entitled: true
                # about the type
                rate_type: FLAT
                price: 50        # cents
    """)


def test_a_comment_above_a_key_that_moves_to_the_dash_line_goes_above_the_dash():
    assert fmt("""
        version: 1
        rate_cards:
          r:
            name: R
            rates:
              - price: 1
                # the product
                product: p  # end of line
    """) == dedent("""
        version: 1
        rate_cards:
          r:
            name: R
            rates:
              # the product
              - product: p  # end of line
                price: 1
    """)


def test_comment_lines_above_a_section_travel_with_the_section():
    assert fmt("""
        # yaml-language-server: $schema=catalog.schema.json
        version: 1
        customers:
          c:
            name: C

        # The products we sell.
        products:
          p:
            name: P
            type: FIXED
    """) == dedent("""
        # yaml-language-server: $schema=catalog.schema.json
        version: 1

        # The products we sell.
        products:
          p:
            name: P
            type: FIXED
        customers:
          c:
            name: C
    """)


def test_the_file_header_stays_at_the_top():
    assert fmt("""
        # yaml-language-server: $schema=catalog.schema.json
        # Products.
        products: {}
        version: 1
    """) == dedent("""
        # yaml-language-server: $schema=catalog.schema.json
        # Products.
        version: 1
        products: {}
    """)


def test_a_comment_at_the_end_of_a_block_stays_at_its_end():
    assert fmt("""
        version: 1
        products:
          p:
            type: FIXED
            name: P
            # TODO: tags
          q:
            name: Q
            type: FIXED
        # end of products
    """) == dedent("""
        version: 1
        products:
          p:
            name: P
            type: FIXED
            # TODO: tags
          q:
            name: Q
            type: FIXED
        # end of products
    """)


def test_comment_lines_take_the_indentation_of_their_entry():
    assert fmt("""
        version: 1
        products:
        # the p product
          p:
                # its name
            name: P
            type: FIXED
    """) == dedent("""
        version: 1
        products:
          # the p product
          p:
            # its name
            name: P
            type: FIXED
    """)


def test_end_of_line_comments_keep_their_column_with_at_least_two_spaces():
    assert fmt("""
        version: 1
        products:
          p:
            name: P      # aligned
            type: FIXED  # aligned
            tags: [a] # too close
    """) == dedent("""
        version: 1
        products:
          p:
            name: P      # aligned
            type: FIXED  # aligned
            tags: [a]  # too close
    """)


def test_blank_lines_between_entries_are_kept_one_at_most():
    assert fmt("""
        version: 1
        products:

          p:
            name: P
            type: FIXED



          q:
            name: Q
            type: FIXED
    """) == dedent("""
        version: 1
        products:
          p:
            name: P
            type: FIXED

          q:
            name: Q
            type: FIXED
    """)


def test_comment_lines_under_an_empty_section_stay_under_it_and_travel_with_it():
    # Commented-out resources under `products:` belong to it, at its entries' indentation.
    assert fmt("""
        customers: {}
        products:
          # p:
          #   name: P

          #   type: FIXED
        version: 1
    """) == dedent("""
        version: 1
        products:
          # p:
          #   name: P

          #   type: FIXED
        customers: {}
    """)


def test_comment_lines_under_an_empty_key_at_depth_and_at_the_end_of_the_file():
    assert fmt("""
        version: 1
        rate_cards:
          r:
            rates:
              # - product: p
            name: R
          s:
            name: S
            rates:
                # - product: q
    """) == dedent("""
        version: 1
        rate_cards:
          r:
            name: R
            rates:
              # - product: p
          s:
            name: S
            rates:
              # - product: q
    """)


def test_comments_inside_a_multi_line_flow_collection_move_above_its_entry():
    assert fmt("""
        version: 1
        customers:
          c:
            name: C
            ingest_aliases: [c-prod,  # production
                             c-dev]   # and dev
    """) == dedent("""
        version: 1
        customers:
          c:
            name: C
            # production
            ingest_aliases: [c-prod, c-dev]  # and dev
    """)


def test_hash_inside_scalars_is_not_a_comment():
    text = dedent("""
        version: 1
        customers:
          c:
            name: "C # not a comment"
            ingest_aliases: [a#b]
            custom_fields:
              note: |
                # a line of text, not a comment
    """)
    assert fmt(text) == text


# --- files fmt will not rewrite ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("version: 1\nproducts: {}\nproducts: {}\n", "E004"),
        ("version: 1\nproducts: [\n", "E003"),
        ("version: 1\nx: !!python/object/apply:os.system [ls]\n", "E005"),
        ("", "E006"),
    ],
)
def test_a_file_that_does_not_parse_is_not_formatted(text, code):
    formatted, diagnostics = format_text(text, "f.yaml")
    assert formatted is None
    assert [d.code for d in diagnostics] == [code]


def test_non_utf8_bytes_are_not_formatted():
    formatted, diagnostics = format_text(b"version: 1\nname: caf\xe9\n", "f.yaml")
    assert formatted is None
    assert [(d.code, str(d.range)) for d in diagnostics] == [("E002", "f.yaml:2:10")]


def test_the_data_never_changes_only_enum_case():
    before = dedent("""
        version: 1
        products:
          p: {type: usage, name: P, tags: [b, a]}
    """)
    after = fmt(before)
    data_before, _ = parse_yaml_text(before, "f.yaml")
    data_after, _ = parse_yaml_text(after, "f.yaml")
    data_before.data["products"]["p"]["type"] = "USAGE"
    assert data_after.data == data_before.data


def test_a_file_that_cannot_be_written_is_a_diagnostic(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("customers: {}\nversion: 1\n")

    def refuse(target, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("billing_spec.fileio.atomic_write_text", refuse)
    report = format_catalog(path)
    problems = write_formatted(report.changed)
    assert [(d.code, d.summary) for d in problems] == [
        ("E014", f"cannot write {report.files[0].name}: Permission denied")
    ]
    assert path.read_text() == "customers: {}\nversion: 1\n"


# --- the examples ------------------------------------------------------------------------------


def test_the_example_catalogs_are_canonical():
    report = format_catalog(CATALOGS)
    assert report.diagnostics == ()
    assert len(report.files) >= 6
    assert [f.name for f in report.changed] == []


def test_a_file_fmt_cannot_rewrite_faithfully_is_left_alone_with_e013():
    # An explicit multi-line key (`? |`) is valid YAML that fmt's layout cannot reproduce; the
    # safety check catches it, so the file is reported and never rewritten.
    text = "version: 1\ncustomers:\n  ? |\n    multi\n  : value\n"
    formatted, diagnostics = format_text(text, "f.yaml")
    assert formatted is None
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("E013", 1)]
