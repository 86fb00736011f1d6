"""The CLI's user-facing contract (DESIGN, "User-facing contract"): JSON shapes, streams and
exit codes, checked the way a CI script meets them, through the installed console script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import run_billing

QUICKSTART = Path(__file__).parent.parent / "catalogs" / "quickstart"


def test_validate_json_range_always_has_line_and_column(tmp_path):
    # Terraform's validate -json: range.start and range.end are {line, column}, always both,
    # also for a problem tied to a whole file (one that cannot be read).
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    shutil.copy(QUICKSTART / "catalog.yaml", catalog / "catalog.yaml")
    (catalog / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = run_billing("validate", catalog, "--format", "json")
    assert result.code == 1, result.output
    report = json.loads(result.stdout)
    ranges = [d["range"] for d in report["diagnostics"] if "range" in d]
    assert ranges, report
    for r in ranges:
        for end in ("start", "end"):
            assert isinstance(r[end]["line"], int) and r[end]["line"] >= 1, r
            assert isinstance(r[end]["column"], int) and r[end]["column"] >= 1, r


def test_output_through_a_symlink_keeps_the_link(tmp_path):
    # `-o FILE` / `--out FILE` write to what FILE names: a symlink stays a symlink.
    for args, name in (
        (("compile", QUICKSTART, "-o"), "compiled.json"),
        (("schema", "-o"), "schema.json"),
        (("plan", QUICKSTART, "--state", tmp_path / "s.json", "--out"), "saved.plan"),
    ):
        real = tmp_path / "real" / name
        real.parent.mkdir(exist_ok=True)
        real.write_text("old", encoding="utf-8")
        real.chmod(0o644)
        link = tmp_path / f"link-{name}"
        link.symlink_to(real)
        result = run_billing(*args, link)
        assert result.code == 0, result.output
        assert link.is_symlink(), args
        assert real.read_text(encoding="utf-8") != "old", args
        if args[0] != "plan":  # a plan file is private (0600); other outputs keep their mode
            assert real.stat().st_mode & 0o777 == 0o644, args


def test_output_into_a_fifo_writes_into_it(tmp_path):
    # `-o /dev/stdout`, `-o /dev/null` or a named pipe: written into, never replaced by a file.
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    try:
        result = run_billing("compile", QUICKSTART, "-o", fifo)
        assert result.code == 0, result.output
        assert stat.S_ISFIFO(fifo.stat().st_mode)
        data = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert json.loads(data)["format_version"] == "1.0"


def test_an_absurd_lock_timeout_is_a_usage_error_not_a_traceback(tmp_path):
    result = run_billing(
        "apply", QUICKSTART, "--state", tmp_path / "s.json", "--lock-timeout", "9" * 400 + "s"
    )
    assert result.code == 1, result.output
    assert "Traceback" not in result.stderr
    assert "--lock-timeout" in result.stderr
    assert not (tmp_path / "s.json").exists()


def test_an_empty_state_path_is_a_usage_error_not_a_traceback(tmp_path):
    for args in (
        ("plan", QUICKSTART),
        ("apply", QUICKSTART, "--auto-approve"),
        ("state", "list"),
        ("force-unlock", "x"),
    ):
        result = run_billing(*args, "--state", "", cwd=tmp_path)
        assert result.code == 1, (args, result.output)
        assert "Traceback" not in result.stderr, args
        assert "--state" in result.stderr, args
    assert list(tmp_path.iterdir()) == []


def test_an_empty_events_path_is_refused_not_read_as_the_current_directory(tmp_path):
    # `--events "$EVENTS"` with the variable unset must not replay whatever is in the cwd.
    (tmp_path / "stray.jsonl").write_text('{"transaction_id": "x"}\n', encoding="utf-8")
    result = run_billing("invoice", QUICKSTART, "--events", "", cwd=tmp_path)
    assert result.code == 1, result.output
    assert "E701" in result.stderr and "stray.jsonl" not in result.stderr
    assert result.stdout == ""


def test_a_saved_plan_needs_a_file_name(tmp_path):
    """`--out -` used to save a file named `-`, `--out ""` to save nothing and exit 0: both are
    usage errors (a saved plan is a file for `billing apply`, not standard output)."""
    for out in ("-", ""):
        result = run_billing("plan", QUICKSTART, "--state", "s.json", "--out", out, cwd=tmp_path)
        assert result.code == 1 and "--out: needs a file name" in result.stderr, out
    assert list(tmp_path.iterdir()) == []


def test_the_suggested_apply_command_can_be_pasted_whatever_the_paths(tmp_path):
    """`plan --out` suggests the `billing apply` to run next; paths with a blank are quoted so
    the line works when pasted into a shell."""
    result = run_billing(
        "plan", QUICKSTART, "--state", "my state.json", "--out", "my plan", cwd=tmp_path
    )
    assert result.code == 0, result.output
    assert "    billing apply 'my plan' --state 'my state.json'" in result.output
