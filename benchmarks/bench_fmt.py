"""`billing fmt` on one large catalog file, against reading the same file with the loader.

fmt reads a file twice with the loader's parser (to refuse what the loader refuses, and to check
that its output reads as the same data) and twice with its own comment-keeping pass, so a few
times the loader's read is its expected cost.
"""

from __future__ import annotations

from benchmarks.harness import best_of

PRODUCT = """\
  # product {n}
  p{n}:
    type: usage
    name: Product {n}   # shown on invoices
    billable_metric: m{n}
    tags: [a, b]
    quantity_conversion: {{operation: divide, conversion_factor: 1000}}
"""


def run(report) -> None:
    from billing_spec.catalog.fmt import format_text
    from billing_spec.catalog.yaml_source import parse_yaml_text

    text = "version: 1\nproducts:\n" + "".join(PRODUCT.format(n=n) for n in range(2000))
    baseline = best_of(lambda: parse_yaml_text(text, "big.yaml"))
    seconds = best_of(lambda: format_text(text, "big.yaml"))
    report(
        f"fmt: one file, 2000 products ({len(text) // 1024} KiB)",
        seconds,
        baseline=baseline,
        target_ratio=6.0,
    )
