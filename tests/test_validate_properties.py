"""Properties of validation that hold for every input, checked on random edits of valid catalogs.

1. Generated catalogs of every shape validate without errors (no false alarms) and compile.
2. Whatever is done to a valid catalog's files — a deleted line, swapped scalars, a junk value,
   truncation, random bytes — `validate_catalog` returns diagnostics instead of raising, and
   every diagnostic points inside a file that exists: a real line, a real column.
3. The installed `billing validate` exits exactly 0 or 1 and never prints a traceback.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from catalog_strategies import edits, valid_catalogs
from conftest import CATALOGS, run_billing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_spec.catalog import build_catalog, validate_catalog
from billing_spec.diagnostics import Diagnostic, Position, has_errors

EXAMPLES = {
    name: {
        p.relative_to(CATALOGS / name).as_posix(): p.read_text("utf-8")
        for p in sorted((CATALOGS / name).rglob("*.y*ml"))
    }
    for name in ("quickstart", "acme-ai")
}
_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what PyYAML counts as a line break

catalogs = st.one_of(st.sampled_from(sorted(EXAMPLES)).map(EXAMPLES.get), valid_catalogs())


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


@st.composite
def edited_catalogs(draw) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = dict(draw(catalogs))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        text = files[name]
        text = text if isinstance(text, str) else text.decode("utf-8", "replace")
        files[name] = draw(edits(text))
    return files


def assert_points_into_its_file(d: Diagnostic) -> None:
    assert d.range is not None, f"{d.code} {d.summary}: no location"
    raw = Path(d.range.filename).read_bytes()
    try:
        lines = _BREAKS.split(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        lines = raw.split(b"\n")  # E002 counts bytes
    for at in (d.range.start, d.range.end or d.range.start):
        assert isinstance(at, Position)
        assert 1 <= at.line <= len(lines), f"{d.code} {d.range}: line {at.line} of {len(lines)}"
        if at.column is not None:
            assert 1 <= at.column <= len(lines[at.line - 1]) + 1, f"{d.code} {d.range}: column"
    end = d.range.end or d.range.start
    assert (end.line, end.column or 0) >= (d.range.start.line, d.range.start.column or 0)


@settings(max_examples=60, deadline=None)
@given(files=valid_catalogs())
def test_generated_catalogs_are_valid_and_compile(files):
    with tempfile.TemporaryDirectory() as tmp:
        compiled, diagnostics = build_catalog(write(Path(tmp), files))
        assert not has_errors(diagnostics), [(d.code, d.summary) for d in diagnostics]
        assert compiled is not None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=edited_catalogs())
def test_edited_catalogs_never_raise_and_point_into_files(files):
    with tempfile.TemporaryDirectory() as tmp:
        _, diagnostics = validate_catalog(write(Path(tmp), files))
        for d in diagnostics:
            assert_points_into_its_file(d)
        if not has_errors(diagnostics):
            compiled, _ = build_catalog(tmp)
            assert compiled is not None


@settings(max_examples=6, deadline=None)
@given(files=edited_catalogs(), format_=st.sampled_from(["text", "json"]))
def test_cli_exits_0_or_1_without_traceback(files, format_):
    with tempfile.TemporaryDirectory() as tmp:
        result = run_billing("validate", write(Path(tmp), files), "--format", format_)
    assert result.code in (0, 1), result.output
    assert "Traceback" not in result.output
    if format_ == "json":
        report = json.loads(result.stdout)
        assert report["valid"] is (result.code == 0)
