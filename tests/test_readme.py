"""The README is a specification too: its catalog examples validate, and it lists every code.

- A ```yaml block is a catalog file when its first key (comment lines skipped, the block
  dedented) is `version`, and a fragment of one when its first key is a section (`products:`,
  `moved:`, ...). Both kinds are in `billing fmt`'s canonical layout: `format_text` returns the
  block unchanged (a fragment is formatted as the file `version: 1` + the block). The README
  teaches the layout by example, so an example fmt would rewrite is a bug in the README.
- Blocks that start with `version` are whole catalogs and validate without errors on their own.
- The fragments of "The catalog format" are one catalog told section by section; together (each
  as a file with `version: 1`) they validate without a single diagnostic.
- Any other block is not checked: a field or a list item out of its resource (`lifecycle:`,
  `- product: ...`), a comment line alone, or YAML that is not a catalog (the CI workflow).
- "Error codes" holds the tables `billing_spec.codes.markdown()` generates, verbatim, so every
  code is listed with its current title (`python -m billing_spec.codes` prints them).
- templates/README.md names everything a template sees: the context, the view objects' fields
  and the filters.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap

from conftest import ROOT, write_files

from billing_spec.addresses import SECTIONS
from billing_spec.catalog import validate_catalog
from billing_spec.catalog.fmt import format_text
from billing_spec.codes import CODES, markdown
from billing_spec.diagnostics import has_errors
from billing_spec.render import view
from billing_spec.render.display import FILTERS

README = (ROOT / "README.md").read_text("utf-8")
BLOCK = re.compile(r"^( *)```yaml\n(.*?)^\1```", re.S | re.M)
SECTION_KEYS = (*SECTIONS, "moved")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def yaml_blocks(text: str) -> list[str]:
    return [textwrap.dedent(body) for _, body in BLOCK.findall(text)]


def first_key(block: str) -> str:
    for line in block.splitlines():
        if line.strip() and not line.startswith("#"):
            return line.split(":", 1)[0]
    return ""


def test_the_catalog_format_examples_are_one_valid_catalog(tmp_path):
    blocks = yaml_blocks(section("The catalog format"))
    fragments = [b for b in blocks if first_key(b) in SECTION_KEYS]
    assert {first_key(b) for b in fragments} == set(SECTION_KEYS)  # every section is taught
    files = {f"{i:02}-{first_key(b)}.yaml": "version: 1\n" + b for i, b in enumerate(fragments)}
    _, diagnostics = validate_catalog(write_files(tmp_path / "readme", files))
    assert [(d.code, str(d.range), d.summary) for d in diagnostics] == []


def test_the_whole_catalogs_in_the_readme_are_valid(tmp_path):
    whole = [b for b in yaml_blocks(README) if first_key(b) == "version"]
    assert whole
    for i, block in enumerate(whole):
        _, diagnostics = validate_catalog(write_files(tmp_path / str(i), {"catalog.yaml": block}))
        assert not has_errors(diagnostics), block


def test_the_catalog_examples_are_in_fmts_canonical_layout():
    checked = []
    for i, block in enumerate(yaml_blocks(README)):
        key = first_key(block)
        if key not in ("version", *SECTION_KEYS):
            continue
        text = block if key == "version" else "version: 1\n" + block
        formatted, diagnostics = format_text(text, f"block-{i}.yaml")
        assert diagnostics == [], block
        assert formatted == text, f"fmt would rewrite this README example:\n{block}"
        checked.append(key)
    # every section of "The catalog format", its whole catalogs and the `moved` of `billing plan`
    assert len(checked) >= len(SECTION_KEYS) + 3 and "version" in checked


def test_error_codes_lists_every_code():
    assert markdown() in section("Error codes")
    listed = set(re.findall(r"^\| `?([EW]\d{3})`? \|", section("Error codes"), re.M))
    assert listed == set(CODES)


def test_the_first_example_is_the_quickstart_catalog_verbatim():
    text = (ROOT / "catalogs" / "quickstart" / "catalog.yaml").read_text("utf-8")
    assert f"```yaml\n{text}```\n" in section("The catalog format")


def test_the_templates_readme_names_everything_a_template_sees():
    """templates/README.md lists the render context: every field (and property) of the view
    objects, the context's top-level names and every filter, each written as `code`."""
    text = (ROOT / "templates" / "README.md").read_text("utf-8")
    named = set(re.findall(r"`([a-z_]+)(?:\([a-z_]*\))?`", text))
    views = (view.DocumentView, view.InvoiceView, view.LineView, view.TierView, view.SummaryView)
    fields = {f.name for cls in views for f in dataclasses.fields(cls)}
    fields |= {f.name for f in dataclasses.fields(view.TextWidths)}
    fields |= {n for n in dir(view.TextWidths) if isinstance(getattr(view.TextWidths, n), property)}
    context = {"invoices", "summary", "format_version", "document"}  # billing_spec.render
    expected = fields | context | set(FILTERS)
    assert expected <= named, sorted(expected - named)
