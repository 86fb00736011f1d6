"""Rendering invoices for people: the invoice JSON document in, text, Markdown or HTML out.

    render_invoices(document, "text")                       # for the terminal, aligned columns
    render_invoices(document, "markdown")                   # tables for a pull request
    render_invoices(document, "html", templates_dir="brand")  # a standalone page, your templates

`document` is what `billing invoice --format json` prints (DESIGN.md): `format_version` 1.x,
`invoices` with their `line_items`, and an optional event `summary`. The stage is three steps,
one module each: `document` checks the shape (E794 names the bad path), `view` formats every
value and lays out the text columns (`display` holds the formatting, also exposed as Jinja
filters), `templates` finds and runs the Jinja2 template for the format. It reads no clock and
keeps the document's order, so the same document always renders to the same bytes.

This package does not evaluate anything: the numbers on the page are the document's, shown in
major units (`"50"` USD cents -> `$0.50`); nothing is re-added or rounded here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from billing_spec.diagnostics import BillingSpecError

# format -> the template that renders it (a templates directory must hold these)
FORMATS = {
    "text": "invoice.txt.j2",
    "markdown": "invoice.md.j2",
    "html": "invoice.html.j2",
}

__all__ = ["FORMATS", "render_invoices"]


def render_invoices(document: dict, format: str, templates_dir: str | Path | None = None) -> str:
    """Render the invoice document in `format` (`text`, `markdown` or `html`).

    `templates_dir` replaces the shipped templates (the CLI's `--templates DIR`). Raises
    `BillingSpecError` for an unknown format (E795), a missing templates directory (E790) or
    template (E791), a broken template (E792, E793) or a document of the wrong shape (E794).
    """
    from billing_spec.render.templates import render_template
    from billing_spec.render.templates import templates_dir as find_templates
    from billing_spec.render.view import build_view

    name = FORMATS.get(format)
    if name is None:
        raise BillingSpecError.single(
            "E795",
            f"unknown invoice format {format!r}",
            hint="use one of: " + ", ".join(FORMATS),
        )
    directory = find_templates(templates_dir)
    view = build_view(document)
    context: dict[str, Any] = {
        "document": view.raw,
        "format_version": view.format_version,
        "invoices": view.invoices,
        "summary": view.summary,
    }
    return render_template(directory, name, context)
