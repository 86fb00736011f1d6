"""The invalid-catalog corpus: one small catalog per mistake, the expected diagnostic marked inline.

Each directory `tests/fixtures/invalid/<CODE>-<slug>/` is a catalog. A comment on the offending
line says what `validate` must report there, Terraform-style:

    price: -5  # ERROR: E501
    name: M    # WARNING: W901, W902

and the test compares the set of `(file, line, severity, code)` that validation produces with the
markers, exactly: a missing diagnostic fails, and so does an extra one. A marker may also quote
what the diagnostic must say (`# ERROR: E003 "indent with spaces"`): the text must appear in the
summary, detail or hint of a diagnostic with that code on that line. Files that cannot carry a
comment (bytes that are not UTF-8) list their expectations in a sidecar file `expected`, one
`<file>:<line> <CODE>` per line, or `- <CODE>` for a diagnostic without a location. Fixtures that
cannot be committed at all (a file the loader cannot open) are built by `GENERATED` below.

Every code of the catalog stages (E0xx-E6xx, W900-W949) must have a fixture: see
`test_every_catalog_code_has_a_fixture`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from billing_spec.catalog import validate_catalog
from billing_spec.codes import CODES
from billing_spec.diagnostics import Diagnostic

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
MARKER = re.compile(r"#\s*(ERROR|WARNING):\s*([EW]\d{3}(?:\s*,\s*[EW]\d{3})*)")
SAYS = re.compile(r"#\s*(?:ERROR|WARNING):\s*([EW]\d{3})\s+\"([^\"]+)\"")
CATALOG_CODE = re.compile(r"E[0-6]\d\d|W9[0-4]\d")

Expected = set[tuple[str, int | None, str, str]]


def markers(root: Path) -> Expected:
    """`(file, line, severity, code)` for every inline marker and sidecar line below `root`."""
    found: Expected = set()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                for severity, codes in MARKER.findall(line):
                    for code in re.split(r"\s*,\s*", codes):
                        found.add((_rel(path, root), number, severity.lower(), code))
    sidecar = root / "expected"
    if sidecar.exists():
        found |= _sidecar(sidecar)
    return found


Said = set[tuple[str, int | None, str, str]]


def messages(root: Path) -> Said:
    """`(file, line, code, text)` for every marker that quotes what its diagnostic says."""
    found: Said = set()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                for code, said in SAYS.findall(line):
                    found.add((_rel(path, root), number, code, said))
    sidecar = root / "expected"
    if sidecar.exists():
        for line in sidecar.read_text("utf-8").splitlines():
            match = re.match(r'\s*(\S+)\s+([EW]\d{3})\s+"([^"]+)"', line)
            if match:
                where, code, said = match.groups()
                file, _, number = where.rpartition(":")
                found.add((file, int(number), code, said) if file else ("-", None, code, said))
    return found


def _sidecar(path: Path) -> Expected:
    found: Expected = set()
    for line in path.read_text("utf-8").splitlines():
        line = re.sub(r'"[^"]*"', "", line).split("#", 1)[0].strip()
        if not line:
            continue
        where, code = line.split()
        severity = "error" if code.startswith("E") else "warning"
        if where == "-":
            found.add(("-", None, severity, code))
        else:
            file, _, number = where.rpartition(":")
            found.add((file, int(number), severity, code))
    return found


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()


def produced(root: Path) -> Expected:
    return {(file, line, str(d.severity), d.code) for file, line, d in _located(root)}


def _located(root: Path) -> list[tuple[str, int | None, Diagnostic]]:
    _, diagnostics = validate_catalog(root)
    out = []
    for d in diagnostics:
        if d.range is None:
            out.append(("-", None, d))
        else:
            out.append((_rel(Path(d.range.filename), root), d.range.start.line, d))
    return out


def said(root: Path) -> Said:
    """Of the quoted markers below `root`, those some diagnostic there says."""
    found: Said = set()
    located = _located(root)
    for file, line, code, text in messages(root):
        for at_file, at_line, d in located:
            words = " ".join((d.summary, d.detail, d.hint))
            if (at_file, at_line, d.code) == (file, line, code) and text in words:
                found.add((file, line, code, text))
    return found


# --- fixtures built at test time ----------------------------------------------------------------


def _unreadable_file(root: Path) -> Expected:
    """E001: a catalog file that cannot be opened (a symlink to nothing)."""
    (root / "catalog.yaml").write_text("version: 1\n", encoding="utf-8")
    (root / "gone.yaml").symlink_to(root / "no-such-file.yaml")
    return {("gone.yaml", 1, "error", "E001")}


def _fifo_file(root: Path) -> Expected:
    """W906: a FIFO among the catalog files, which is reported and skipped, never waited on."""
    (root / "catalog.yaml").write_text("version: 1\n", encoding="utf-8")
    os.mkfifo(root / "pipe.yaml")
    return {("pipe.yaml", 1, "warning", "W906")}


GENERATED: dict[str, Callable[[Path], Expected]] = {
    "E001-unreadable-file": _unreadable_file,
    "W906-fifo-among-catalog-files": _fifo_file,
}


def fixture_dirs() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", fixture_dirs(), ids=lambda p: p.name)
def test_fixture_reports_exactly_its_markers(fixture: Path):
    expected = markers(fixture)
    assert expected, f"{fixture.name} marks no diagnostic"
    assert produced(fixture) == expected
    assert said(fixture) == messages(fixture)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_fixture(name: str, tmp_path: Path):
    expected = GENERATED[name](tmp_path)
    assert produced(tmp_path) == expected


def test_every_fixture_is_named_after_a_code_it_marks():
    for fixture in fixture_dirs():
        code = fixture.name.split("-", 1)[0]
        assert code in CODES, f"{fixture.name}: {code} is not in billing_spec.codes"
        assert code in {c for *_, c in markers(fixture)}, f"{fixture.name} does not mark {code}"


# Codes in the catalog ranges that `validate` never reports; each is tested where it arises.
NOT_FROM_VALIDATE = {
    "E013": "billing fmt cannot lay out a file safely (tests/test_fmt.py)",
    "E014": "billing fmt cannot write a file (tests/test_fmt.py)",
    "E015": "a malformed billing.toml, read before any catalog (tests/test_config.py)",
}


def test_every_catalog_code_has_a_fixture():
    covered = {p.name.split("-", 1)[0] for p in fixture_dirs()}
    covered |= {name.split("-", 1)[0] for name in GENERATED}
    covered |= set(NOT_FROM_VALIDATE)
    missing = sorted(c for c in CODES if CATALOG_CODE.fullmatch(c) and c not in covered)
    assert not missing, f"codes without an invalid fixture: {missing}"


def test_markers_are_read_from_comments():
    line = "    price: -5  # ERROR: E501, E502   # WARNING: W901"
    assert MARKER.findall(line) == [("ERROR", "E501, E502"), ("WARNING", "W901")]


def test_markers_may_quote_what_the_diagnostic_says():
    line = '\tname: x  # ERROR: E003 "indent with spaces"'
    assert SAYS.findall(line) == [("E003", "indent with spaces")]
    assert MARKER.findall(line) == [("ERROR", "E003")]
