"""fmt: rewrite catalog files in the one canonical layout, comments kept (`billing fmt`).

`format_text(text, filename)` formats one file: it checks that the text parses exactly as the
loader reads it (`yaml_source.parse_yaml_bytes`: duplicate keys, bad tags and non-UTF-8 are
errors, and such a file is never rewritten), builds the tree (`tree`, `parse`) with every comment
attached to its entry (`comments`), and writes it in the canonical layout (`layout`, whose
docstring states the rules; key order and enum fields come from the models via `shapes`).

Why not ruamel.yaml's round trip: it reads numbers into binary floats (a price of
`0.123456789012345678901234567890` comes back as `0.123456789012345677369886232100`), and it
attaches a comment line to the key above it, so reordering keys moves comments to the wrong key.
Here every scalar is written back from its source text, and each comment belongs to its own key.

Every result is checked before it is offered, the way black checks its output: the formatted text
must parse, must read as the same data (enum spelling aside), and must hold the same comments.
If reordering keys cannot pass (an alias would come before its anchor), the file is formatted
keeping its key order; if that fails too, it is left alone with an E013 diagnostic.

`format_catalog(path)` formats every `*.yaml`/`*.yml` file below a directory (the loader's file
discovery) and `write_formatted` writes the changed ones atomically. Printing is the CLI's job.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from billing_spec.catalog.fmt.layout import layout
from billing_spec.catalog.fmt.parse import comment_texts, parse_tree
from billing_spec.catalog.fmt.shapes import canonical_data
from billing_spec.catalog.fmt.tree import normalize_newlines
from billing_spec.catalog.load import (
    catalog_files,
    check_catalog_file,
    display_name,
    regular_files,
)
from billing_spec.catalog.yaml_source import YamlDocument, parse_yaml_bytes, parse_yaml_text
from billing_spec.diagnostics import Diagnostic, SourceRange, error


def format_text(text: str | bytes, filename: str) -> tuple[str | None, list[Diagnostic]]:
    """The canonical text of one catalog file, or None and the diagnostics that prevent it."""
    if isinstance(text, bytes):
        document, problems = parse_yaml_bytes(text, filename)
    else:
        document, problems = parse_yaml_text(text, filename)
    if document is None:
        return None, problems
    not_a_catalog = check_catalog_file(document)
    if not_a_catalog:  # fmt rewrites catalog files only: anything else is left as it is
        return None, not_a_catalog
    source = normalize_newlines(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
    failure = ""
    for reorder in (True, False):
        try:
            tree = parse_tree(source)
            formatted = layout(tree, reorder=reorder)
            failure = _differences(document, tree.comments, formatted, filename)
        except Exception as exc:  # a bug in fmt must not cost the user a traceback or the file
            failure = f"internal error ({type(exc).__name__}: {exc})"
        if not failure:
            return formatted, []
    return None, [
        error(
            "E013",
            f"fmt cannot lay out this file without changing it: {failure}",
            SourceRange.at(filename, 1, 1),
            hint="the file was left as it is; please report this with the file",
        )
    ]


def _differences(document: YamlDocument, comments: list[str], formatted: str, filename: str) -> str:
    """Why `formatted` is not a faithful rewrite of the file, or "" when it is."""
    result, problems = parse_yaml_text(formatted, filename)
    if result is None:
        return f"the result would not parse ({problems[0].summary})"
    if canonical_data(result.data) != canonical_data(document.data):
        return "the result would read as different data"
    if Counter(comment_texts(formatted)) != Counter(comments):
        return "a comment would be lost or added"
    return ""


@dataclass(frozen=True)
class FormattedFile:
    """One file's outcome: `formatted` is None when it could not be formatted."""

    path: Path
    name: str  # as shown to the user: relative to the working directory where possible
    original: bytes
    formatted: str | None
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def changed(self) -> bool:
        return self.formatted is not None and self.formatted.encode("utf-8") != self.original

    def diff(self) -> str:
        """A unified diff from the file to its formatted text (`git apply` accepts it)."""
        if not self.changed:
            return ""
        before = self.original.decode("utf-8", errors="replace").splitlines(keepends=True)
        after = (self.formatted or "").splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{self.name}", f"b/{self.name}")
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )


def format_file(path: str | os.PathLike[str], name: str | None = None) -> FormattedFile:
    path = Path(path)
    name = name or display_name(path)
    try:
        original = path.read_bytes()
    except OSError as exc:
        problem = error("E001", f"cannot read {name}: {exc.strerror}", SourceRange.at(name, 1))
        return FormattedFile(path, name, b"", None, (problem,))
    formatted, problems = format_text(original, name)
    return FormattedFile(path, name, original, formatted, tuple(problems))


@dataclass(frozen=True)
class FormatReport:
    files: tuple[FormattedFile, ...]
    diagnostics: tuple[Diagnostic, ...]  # every file's, plus a missing path

    @property
    def changed(self) -> tuple[FormattedFile, ...]:
        return tuple(f for f in self.files if f.changed)


def format_catalog(root: str | os.PathLike[str]) -> FormatReport:
    """Format every catalog file below `root` (or the one file `root`), writing nothing."""
    root = Path(root)
    if not root.exists():
        return FormatReport((), (error("E001", f"{root} does not exist"),))
    paths, skipped = regular_files(catalog_files(root))
    files = tuple(format_file(path) for path in paths)
    return FormatReport(files, (*skipped, *(d for f in files for d in f.diagnostics)))


def write_formatted(files: tuple[FormattedFile, ...]) -> list[Diagnostic]:
    """Write each changed file atomically; a file that cannot be written is a diagnostic."""
    from billing_spec.fileio import atomic_write_text

    problems = []
    for file in files:
        if not file.changed:
            continue
        target = file.path.resolve()  # through a symlink: the link stays a link
        try:
            mode = target.stat().st_mode & 0o7777
            atomic_write_text(target, file.formatted or "")
            target.chmod(mode)  # the temp file was created 0600; keep the file's own mode
        except OSError as exc:
            problems.append(
                error(
                    "E014",
                    f"cannot write {file.name}: {exc.strerror or exc}",
                    SourceRange.at(file.name, 1),
                )
            )
    return problems
