"""The command line's own rough edges: option values, missing files, `--help`."""

from __future__ import annotations

from conftest import CATALOGS, run_billing

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
