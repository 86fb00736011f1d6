"""The command line's own rough edges: option values, missing files, `--help`."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

from conftest import BILLING, CATALOGS, run_billing

from billing_spec.diagnostics import error, format_text

QUICKSTART = CATALOGS / "quickstart"


def test_a_command_line_date_gets_the_catalog_timestamp_hint():
    result = run_billing("plan", QUICKSTART, "--as-of", "2026-11-10")
    assert result.code == 1
    assert "'2026-11-10' is not an RFC 3339 timestamp" in result.stderr
    assert "hint: a date alone is not an instant: 2026-11-10T00:00:00Z is its start in UTC" in (
        result.stderr
    )


def test_through_without_an_offset_gets_the_catalog_timestamp_hint():
    events = QUICKSTART / "events"
    result = run_billing(
        "invoice", QUICKSTART, "--events", events, "--through", "2026-11-10T00:00:00"
    )
    assert result.code == 1
    assert "error[E703]: --through:" in result.stderr
    assert "hint: add the offset: 2026-11-10T00:00:00Z is UTC" in result.stderr


def test_state_commands_say_there_is_no_state_at_a_missing_path(tmp_path):
    for args in (("state", "list"), ("state", "show", "product.api")):
        result = run_billing(*args, "--state", "missing.json", cwd=tmp_path)
        assert result.code == 1, args
        assert "error[E818]: there is no state at missing.json" in result.stderr, args
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_command_with_its_whole_summary():
    from billing_spec.cli import COMMANDS, cli

    result = run_billing("--help")
    assert result.code == 0
    listing = " ".join(result.stdout.split("Commands:", 1)[1].split())
    assert "..." not in listing
    for name in COMMANDS:
        command = cli.get_command(None, name)
        summary = " ".join(command.get_short_help_str(limit=1_000).split())
        assert f"{name} {summary}".replace("- ", "-") in listing.replace("- ", "-"), name


def in_terminal(cwd: Path, *args: str, env: dict | None = None) -> tuple[int, str]:
    """Run billing with a pseudo-terminal as its stdout and stderr."""
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    proc = subprocess.Popen(
        [str(BILLING), *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=environment
    )
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        output += chunk
    code = proc.wait(timeout=120)
    os.close(master)
    return code, output.decode()


def test_diagnostics_are_coloured_on_a_terminal_only(tmp_path: Path):
    (tmp_path / "catalog.yaml").write_text("version: 1\nproducts:\n  api:\n\tname: x\n")
    code, coloured = in_terminal(tmp_path, "validate", ".")
    assert code == 1 and "\x1b[1;31merror[E003]\x1b[0m" in coloured
    assert "\x1b[" not in in_terminal(tmp_path, "--no-color", "validate", ".")[1]
    assert "\x1b[" not in in_terminal(tmp_path, "validate", ".", env={"NO_COLOR": "1"})[1]
    assert "\x1b[" not in run_billing("validate", ".", cwd=tmp_path).output
    # Diagnostics on stderr too (a refused --through), and the global option reaches plan's
    code, coloured = in_terminal(
        tmp_path, "invoice", QUICKSTART, "--events", QUICKSTART / "events", "--through", "x"
    )
    assert code == 1 and "\x1b[1;31merror[E703]\x1b[0m" in coloured
    assert "\x1b[" not in in_terminal(tmp_path, "--no-color", "plan", QUICKSTART)[1]


def test_format_text_paints_only_when_asked():
    d = error("E501", "price must not be negative", hint="prices are >= 0")
    assert format_text([d]) == "error[E501]: price must not be negative\n  hint: prices are >= 0"
    painted = format_text([d], color=True)
    assert "\x1b[1;31merror[E501]\x1b[0m" in painted and "\x1b[36mhint:\x1b[0m" in painted


def test_numbers_group_thousands_in_text_output():
    from decimal import Decimal

    from billing_spec.money import CreditType, format_major, grouped
    from billing_spec.render.display import format_quantity

    assert grouped(Decimal("1234567.50")) == "1,234,567.5"
    assert grouped(Decimal("-0.001")) == "-0.001"
    assert format_quantity("1E+6") == "1,000,000"
    assert format_major(Decimal("12500"), CreditType(id="gpu", name="GPU")) == "12,500 gpu"
