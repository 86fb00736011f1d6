"""`billing fmt` as a user and a CI job run it: the installed console script on files on disk."""

from __future__ import annotations

import os
import stat

from tests.conftest import ROOT, run_billing

UNFORMATTED = """\
version: 1
products:
  p:
    type: usage   # metered
    name: P
"""
FORMATTED = """\
version: 1
products:
  p:
    name: P
    type: USAGE   # metered
"""
CANONICAL = """\
version: 1
customers:
  c:
    name: C
"""


def test_the_example_catalogs_are_canonical():
    result = run_billing("fmt", "--check", "catalogs", cwd=ROOT)
    assert (result.code, result.output) == (0, "")


def test_fmt_rewrites_changed_files_and_lists_them(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED, "sub/b.yml": UNFORMATTED, "c.yaml": CANONICAL})
    result = run_billing("fmt", cwd=root)
    assert (result.code, result.stdout, result.stderr) == (0, "a.yaml\nsub/b.yml\n", "")
    assert (root / "a.yaml").read_text() == FORMATTED
    assert (root / "sub/b.yml").read_text() == FORMATTED
    assert (root / "c.yaml").read_text() == CANONICAL
    again = run_billing("fmt", cwd=root)
    assert (again.code, again.output) == (0, "")


def test_check_writes_nothing_lists_the_files_and_exits_3(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED, "c.yaml": CANONICAL})
    result = run_billing("fmt", "--check", root.name, cwd=root.parent)
    assert (result.code, result.stdout) == (3, "catalog/a.yaml\n")
    assert (root / "a.yaml").read_text() == UNFORMATTED


def test_check_exits_0_when_everything_is_canonical(catalog_dir):
    root = catalog_dir({"c.yaml": CANONICAL})
    assert run_billing("fmt", "--check", root).code == 0


def test_check_diff_prints_a_unified_diff_without_writing(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED})
    result = run_billing("fmt", "--check", "--diff", cwd=root)
    assert result.code == 3
    assert result.stdout == (
        "a.yaml\n"
        "--- a/a.yaml\n"
        "+++ b/a.yaml\n"
        "@@ -1,5 +1,5 @@\n"
        " version: 1\n"
        " products:\n"
        "   p:\n"
        "-    type: usage   # metered\n"
        "     name: P\n"
        "+    type: USAGE   # metered\n"
    )
    assert (root / "a.yaml").read_text() == UNFORMATTED


def test_diff_alone_prints_the_diff_and_writes(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED})
    result = run_billing("fmt", "--diff", cwd=root)
    assert result.code == 0
    assert "-    type: usage   # metered\n" in result.stdout
    assert (root / "a.yaml").read_text() == FORMATTED


def test_a_file_argument_formats_that_file_only(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED, "b.yaml": UNFORMATTED})
    result = run_billing("fmt", "a.yaml", cwd=root)
    assert (result.code, result.stdout) == (0, "a.yaml\n")
    assert (root / "b.yaml").read_text() == UNFORMATTED


def test_a_file_that_does_not_parse_is_left_alone_and_the_others_are_formatted(catalog_dir):
    broken = "version: 1\nproducts:\n  p: {name: P}\n  p: {name: Q}\n"
    root = catalog_dir({"a.yaml": UNFORMATTED, "broken.yaml": broken})
    result = run_billing("fmt", cwd=root)
    assert result.code == 1
    assert result.stdout == "a.yaml\n"
    assert result.stderr.startswith("broken.yaml:4:3: error[E004]: duplicate key 'p'")
    assert (root / "broken.yaml").read_text() == broken
    assert (root / "a.yaml").read_text() == FORMATTED


def test_errors_win_over_exit_3_with_check(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED, "broken.yaml": "version: 1\nproducts: [\n"})
    result = run_billing("fmt", "--check", cwd=root)
    assert result.code == 1
    assert result.stdout == "a.yaml\n"
    assert "broken.yaml:3:1: error[E003]: YAML syntax error" in result.stderr


def test_non_utf8_and_empty_files_are_errors_without_traceback(catalog_dir):
    root = catalog_dir({"empty.yaml": ""})
    (root / "latin1.yaml").write_bytes(b"version: 1\nname: caf\xe9\n")
    result = run_billing("fmt", cwd=root)
    assert result.code == 1
    assert "empty.yaml:1:1: error[E006]: the file is empty" in result.stderr
    assert "latin1.yaml:2:10: error[E002]: file is not UTF-8 text (byte 0xe9)" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_directory_is_an_error(tmp_path):
    result = run_billing("fmt", "nowhere", cwd=tmp_path)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == "error[E001]: nowhere does not exist\n"


def test_a_directory_without_catalog_files_is_fine(tmp_path):
    result = run_billing("fmt", "--check", cwd=tmp_path)
    assert (result.code, result.output) == (0, "")


def test_rewriting_keeps_the_files_permissions(catalog_dir):
    root = catalog_dir({"a.yaml": UNFORMATTED})
    os.chmod(root / "a.yaml", 0o644)
    assert run_billing("fmt", cwd=root).code == 0
    assert stat.S_IMODE((root / "a.yaml").stat().st_mode) == 0o644


def test_a_symlinked_file_is_rewritten_through_the_link(catalog_dir, tmp_path):
    shared = tmp_path / "shared.yaml"
    shared.write_text(UNFORMATTED)
    root = catalog_dir({"c.yaml": CANONICAL})
    (root / "a.yaml").symlink_to(shared)
    assert run_billing("fmt", cwd=root).code == 0
    assert (root / "a.yaml").is_symlink()
    assert shared.read_text() == FORMATTED


def test_help_names_the_flags():
    result = run_billing("fmt", "--help")
    assert result.code == 0
    assert "--check" in result.stdout and "--diff" in result.stdout
