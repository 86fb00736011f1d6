"""How single values look on a rendered invoice: money, quantities, instants, periods, cells.

Every function here turns one value into display text and is also a Jinja filter (the names in
`FILTERS`), so a custom template formats a raw value exactly as the shipped ones do. Nothing here
does arithmetic on money: amounts go to `money.format_major` as `Decimal`, never through a float.

Text for a terminal is measured in display columns (`display_width`: East Asian wide characters
take two, combining marks none), so columns stay aligned for any product or customer name.
Non-printable characters (a newline, a terminal escape) in names from the document are shown as
escapes (`\\n`, `\\x1b`) so a name can neither break a table nor drive the terminal.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal

from billing_spec import money
from billing_spec.timestamps import format_timestamp, parse_written_timestamp

USD_ID = "USD"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|&~#])")
_UNDERSCORES = re.compile(r"_+")
_ZERO_WIDTH = ("Mn", "Me")  # non-spacing and enclosing marks


def credit_type(credit_type_id: str) -> money.CreditType:
    """`USD` is dollars and cents (`$0.50`); any other ID is a custom unit shown by its ID."""
    if credit_type_id == USD_ID:
        return money.USD
    return money.CreditType(id=credit_type_id, name=credit_type_id)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """A decimal string (or an int or Decimal) as Decimal; a float is refused, never converted."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return money.parse_decimal(value)
    raise money.NotADecimal(f"expected a decimal string, got {type(value).__name__}")


def format_money(amount: str | int | Decimal, credit_type_id: str = USD_ID) -> str:
    """An amount in the credit type's base unit, in major units: `"50"` USD -> `$0.50`.

    >>> format_money("50"), format_money("0.2"), format_money("-1500"), format_money("12.5", "gpu")
    ('$0.50', '$0.002', '-$15.00', '12.5 gpu')
    """
    return money.format_major(to_decimal(amount), credit_type(credit_type_id))


def format_fraction_percent(fraction: Decimal) -> str:
    """A PERCENTAGE rate's fraction as a percent: `0.1` -> `10%`, `0.125` -> `12.5%`."""
    return money.canonical(money.EXACT.multiply(fraction, Decimal(100))) + "%"


def format_quantity(quantity: str | int | Decimal) -> str:
    """A quantity in its one canonical form, thousands grouped: `"1.50"` -> `1.5`, `"1E+3"` ->
    `1,000`."""
    return money.grouped(to_decimal(quantity))


def format_when(value: str | datetime) -> str:
    """An instant as a date when it is midnight UTC, else in full.

    >>> format_when("2026-10-01T00:00:00Z"), format_when("2026-10-20T12:00:00Z")
    ('2026-10-01', '2026-10-20T12:00:00Z')
    """
    instant = parse_written_timestamp(value) if isinstance(value, str) else value
    if (instant.hour, instant.minute, instant.second, instant.microsecond) == (0, 0, 0, 0):
        return instant.date().isoformat()
    return format_timestamp(instant)


def format_period(start: str | datetime, end: str | datetime) -> str:
    """A half-open interval: `[2026-10-01, 2026-11-01)`."""
    return f"[{format_when(start)}, {format_when(end)})"


def printable(text: str) -> str:
    r"""Text with every non-printable character written as its escape.

    >>> printable("two\nlines\x1b[31m")
    'two\\nlines\\x1b[31m'
    """
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide characters 2, combining marks 0, others 1.

    A combining mark is any non-spacing or enclosing mark (categories Mn, Me), also the many
    of canonical combining class 0, such as a Devanagari or Thai vowel sign."""
    if text.isascii() and text.isprintable():  # the common case: one column per character
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in _ZERO_WIDTH:
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def ljust(text: str, width: int) -> str:
    """Pad on the right to `width` display columns."""
    return text + " " * (width - display_width(text))


def rjust(text: str, width: int) -> str:
    """Pad on the left to `width` display columns."""
    return " " * (width - display_width(text)) + text


def markdown_escape(text: str) -> str:
    r"""Text safe inside a Markdown paragraph, heading or table cell: punctuation that could
    start emphasis, code, a link, raw HTML, an entity or a cell border is backslash-escaped.
    Underscores inside a word (`user_id`) cannot start emphasis and are left alone.

    >>> markdown_escape("R&D <lab> | *new* _x_ user_id")
    'R\\&D \\<lab\\> \\| \\*new\\* \\_x\\_ user_id'
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", printable(text))
    return _UNDERSCORES.sub(_escape_underscores, escaped)


def _escape_underscores(match: re.Match) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() and after.isalnum():
        return match.group()  # inside a word: cannot open or close emphasis
    return match.group().replace("_", "\\_")


def markdown_code(text: str) -> str:
    """An identifier as Markdown inline code, or escaped text when it holds a backtick."""
    text = printable(text)
    if "`" in text or not text.strip() or text != text.strip():
        return markdown_escape(text)
    return f"`{text}`"


FILTERS = {
    "money": format_money,
    "quantity": format_quantity,
    "when": format_when,
    "period": format_period,
    "printable": printable,
    "ljust": ljust,
    "rjust": rjust,
    "md": markdown_escape,
    "md_code": markdown_code,
}
