"""load: a catalog directory -> `CatalogSpec` (validated models + where each was written).

Every `*.yaml`/`*.yml` file below the directory is read (sorted by path, so the result does not
depend on the file system), checked for `version: 1`, and its sections merged into one catalog.
Each resource is validated against its model on its own, so one bad resource does not hide the
mistakes in the others; a resource that fails is remembered as defined-but-invalid, so references
to it are not reported a second time as dangling. A resource under an invalid (E105) or duplicate
(E202) ID is not added, but its fields are still checked, so every mistake shows at once.
pydantic's errors become diagnostics at the exact key or value they concern (`schema_errors`).

Semantic rules (references, Metronome's metric and rate rules) are not checked here: see
`billing_spec.catalog.checks`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from billing_spec.addresses import ID_RE, ID_RULE, SECTIONS
from billing_spec.catalog.models import SECTION_MODELS, CatalogFile, Moved, Resource
from billing_spec.catalog.schema_errors import schema_diagnostics
from billing_spec.catalog.yaml_source import YamlDocument, describe_value, read_yaml_file
from billing_spec.diagnostics import Diagnostic, SourceRange, did_you_mean, error, warning
from billing_spec.fileio import special_kind

CATALOG_VERSION = 1
_FILE_KEYS = set(CatalogFile.model_fields)
_MOVED = TypeAdapter(tuple[Moved, ...])


@dataclass(frozen=True)
class Definition:
    """Where one resource (or the `moved` list of one file) is written."""

    document: YamlDocument
    path: tuple[str | int, ...]

    def range(self, *sub: str | int, key: bool = False) -> SourceRange:
        return self.document.range_of((*self.path, *sub), key=key)

    def written_at(self, *sub: str | int) -> SourceRange | None:
        """Where the value is written once (`YamlDocument.written_at`: its anchor, if an
        alias brought it in)."""
        return self.document.written_at((*self.path, *sub))


@dataclass(frozen=True)
class CatalogSpec:
    """The merged, schema-valid catalog as the user wrote it (before compile fills defaults)."""

    sections: Mapping[str, Mapping[str, Resource]]
    moved: tuple[Moved, ...] = ()
    definitions: Mapping[tuple[str, str], Definition] = field(default_factory=dict)
    moved_definitions: tuple[Definition, ...] = ()
    invalid: frozenset[tuple[str, str]] = frozenset()
    files: tuple[str, ...] = ()
    unread_files: tuple[str, ...] = ()  # files that could not be parsed (their errors reported)

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})

    def defined(self, section: str, id_: str) -> bool:
        """True when the ID is defined, even if its definition failed schema validation."""
        return id_ in self.section(section) or (section, id_) in self.invalid

    def where(
        self, section: str, id_: str, *sub: str | int, key: bool = False
    ) -> SourceRange | None:
        definition = self.definitions.get((section, id_))
        return definition.range(*sub, key=key) if definition else None

    def written_at(self, section: str, id_: str, *sub: str | int) -> SourceRange | None:
        """Where a value is written once: resources whose values alias one YAML anchor get
        the anchor's range (`YamlDocument.written_at`)."""
        definition = self.definitions.get((section, id_))
        return definition.written_at(*sub) if definition else None

    @cached_property
    def expanded_contracts(self) -> Mapping[str, Any]:
        """The schema-valid contracts with their rate card alias resolved and package expanded
        (`billing_spec.catalog.packages`); what the contract checks and compile read."""
        from billing_spec.catalog.packages import expand_contracts

        return expand_contracts(self)

    def resources(self) -> Iterator[tuple[str, str, Resource]]:
        for section in SECTIONS:
            for id_, resource in self.section(section).items():
                yield section, id_, resource


# (base directory, glob patterns): files and directories `catalog_files` leaves out; set by the
# project configuration (`billing_spec.config`) through `excluding`.
_EXCLUDE: ContextVar[tuple[Path, tuple[str, ...]] | None] = ContextVar("exclude", default=None)


@contextmanager
def excluding(base: str | os.PathLike[str], patterns: Sequence[str]) -> Iterator[None]:
    """Within the block, `catalog_files` skips what `patterns` match.

    A pattern without a `/` matches a file or directory name at any depth
    (`docker-compose.yml`, `*.local.yaml`); one with a `/` matches the path relative to `base`
    (`catalog/drafts/*`). A file given on its own is never excluded.
    """
    token = _EXCLUDE.set((Path(os.path.abspath(base)), tuple(patterns)))
    try:
        yield
    finally:
        _EXCLUDE.reset(token)


def is_excluded(path: Path) -> bool:
    """Whether the active `excluding` patterns match `path` (a file or a directory)."""
    rule = _EXCLUDE.get()
    if not rule:
        return False
    base, patterns = rule
    try:
        relative = Path(os.path.abspath(path)).relative_to(base).as_posix()
    except ValueError:
        relative = None
    for pattern in patterns:
        pattern = pattern.strip("/")
        if "/" not in pattern:
            if fnmatchcase(path.name, pattern):
                return True
        elif relative is not None and fnmatchcase(relative, pattern):
            return True
    return False


def catalog_files(root: Path) -> list[Path]:
    """The catalog's YAML files, sorted; hidden and excluded directories are skipped."""
    if root.is_file():
        return [root]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not is_excluded(Path(dirpath, d))
        )
        found += [
            Path(dirpath, f)
            for f in filenames
            if f.endswith((".yaml", ".yml")) and not is_excluded(Path(dirpath, f))
        ]
    return sorted(found)


def regular_files(paths: list[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """`paths` without FIFOs, devices and sockets (reading one could wait forever), and a
    warning (W906) for each one left out."""
    kept, skipped = [], []
    for path in paths:
        kind = special_kind(path)
        if kind is None:
            kept.append(path)
        else:
            name = display_name(path)
            skipped.append(
                warning(
                    "W906",
                    f"{name} is not a regular file ({kind}): skipped",
                    SourceRange.at(name, 1),
                    hint="only regular files are read as catalog files: reading this one could "
                    "wait forever",
                )
            )
    return kept, skipped


def display_name(path: Path) -> str:
    """The path as diagnostics show it: relative to the working directory when below it.

    Symlinks are not resolved: a diagnostic names the file as the catalog lists it.
    """
    try:
        return str(Path(os.path.abspath(path)).relative_to(os.path.abspath(Path.cwd())))
    except ValueError:
        return str(path)


def load_catalog(root: str | os.PathLike[str]) -> tuple[CatalogSpec, list[Diagnostic]]:
    """Read every catalog file below `root` and merge them; never raises on bad input."""
    root = Path(root)
    diagnostics: list[Diagnostic] = []
    if not root.exists():
        diagnostics.append(error("E001", f"{root} does not exist"))
        return CatalogSpec(sections={}), diagnostics
    paths, skipped = regular_files(catalog_files(root))
    diagnostics += skipped
    if not paths and not skipped:
        diagnostics.append(error("E011", f"no *.yaml or *.yml files below {display_name(root)}"))
    merger = _Merger()
    for path in paths:
        document, problems = read_yaml_file(str(path), display_name(path))
        diagnostics += problems
        if document is not None:
            diagnostics += merger.add(document)
        else:
            merger.add_unread(path, display_name(path))
    return merger.result(tuple(display_name(p) for p in paths)), diagnostics


class _Merger:
    def __init__(self) -> None:
        self.sections: dict[str, dict[str, Resource]] = {s: {} for s in SECTIONS}
        self.definitions: dict[tuple[str, str], Definition] = {}
        self.invalid: set[tuple[str, str]] = set()
        self.moved: list[Moved] = []
        self.moved_definitions: list[Definition] = []
        self.unread_files: list[str] = []

    def add_unread(self, path: Path, name: str) -> None:
        """A file that could not be parsed: the IDs it seems to define count as defined but
        invalid, so a reference to one from a good file is not reported as undefined."""
        self.unread_files.append(name)
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return
        for section, id_ in _ids_written(text):
            if (section, id_) not in self.definitions:
                self.invalid.add((section, id_))

    def result(self, files: tuple[str, ...]) -> CatalogSpec:
        return CatalogSpec(
            sections=self.sections,
            moved=tuple(self.moved),
            definitions=self.definitions,
            moved_definitions=tuple(self.moved_definitions),
            invalid=frozenset(self.invalid),
            files=files,
            unread_files=tuple(self.unread_files),
        )

    def add(self, doc: YamlDocument) -> list[Diagnostic]:
        problems = check_catalog_file(doc)
        if problems:
            return problems
        data = doc.data
        for key, value in data.items():
            if key == "version":
                continue
            if key == "moved":
                problems += self._add_moved(doc, value)
            elif key in SECTIONS:
                problems += self._add_section(doc, key, value)
            else:
                problems.append(
                    error(
                        "E101",
                        f"unknown top-level section {key!r}",
                        doc.range_of((key,), key=True),
                        hint=did_you_mean(key, _FILE_KEYS),
                    )
                )
        return problems

    def _add_section(self, doc: YamlDocument, section: str, value: Any) -> list[Diagnostic]:
        if value is None:
            return []
        if not isinstance(value, dict):
            return [
                error(
                    "E103",
                    f"`{section}` must map resource IDs to definitions",
                    doc.range_of((section,)),
                )
            ]
        problems: list[Diagnostic] = []
        for id_, body in value.items():
            problems += self._add_resource(doc, section, id_, body)
        return problems

    def _add_resource(
        self, doc: YamlDocument, section: str, id_: str, body: Any
    ) -> list[Diagnostic]:
        here = Definition(doc, (section, id_))
        model = SECTION_MODELS[section]
        if not ID_RE.match(id_):
            problem = error(
                "E105",
                f"invalid ID {id_!r}",
                here.range(key=True),
                hint=ID_RULE,
            )
            return [problem, *_schema_only(model, body, here)]
        first = self.definitions.get((section, id_))
        if first is not None:
            where = first.range(key=True)
            problem = error(
                "E202",
                f"{SECTIONS[section]}.{id_} is defined twice (first at {where})",
                here.range(key=True),
                hint="IDs must be unique across all files of a catalog",
            )
            return [problem, *_schema_only(model, body, here)]
        self.definitions[(section, id_)] = here
        try:
            self.sections[section][id_] = model.model_validate(body)
        except ValidationError as exc:
            self.invalid.add((section, id_))
            return schema_diagnostics(exc, here, model)
        return []

    def _add_moved(self, doc: YamlDocument, value: Any) -> list[Diagnostic]:
        here = Definition(doc, ("moved",))
        try:
            entries = _MOVED.validate_python(() if value is None else value)
        except ValidationError as exc:
            return schema_diagnostics(exc, here, tuple[Moved, ...])
        for index, entry in enumerate(entries):
            self.moved.append(entry)
            self.moved_definitions.append(Definition(doc, ("moved", index)))
        return []


_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:(?:\s|$)")
_CHILD_KEY = re.compile(r"( +)([\"']?)([A-Za-z0-9_.-]+)\2\s*:(?:\s|$)")


def _ids_written(text: str) -> Iterator[tuple[str, str]]:
    """`(section, id)` for each resource a file that YAML cannot parse seems to define: the keys
    one level below a top-level section key, read line by line (block style only)."""
    section: str | None = None
    indent: int | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = _TOP_KEY.match(line)
        if top is not None:
            section = top.group(1) if top.group(1) in SECTIONS else None
            indent = None
            continue
        child = _CHILD_KEY.match(line.expandtabs(8))
        if section is None or child is None:
            continue
        width = len(child.group(1))
        if indent is None:
            indent = width
        if width == indent:
            yield section, child.group(3)


def _schema_only(model: type[Resource], body: Any, here: Definition) -> list[Diagnostic]:
    """The schema mistakes of a resource that is not added (an invalid or duplicate ID), so
    fixing its ID does not reveal a second round of them."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return schema_diagnostics(exc, here, model)
    return []


def check_catalog_file(doc: YamlDocument) -> list[Diagnostic]:
    """Whether a YAML file is a catalog file at all: a mapping (E007) with `version: 1`
    (E008, E009). `fmt` rewrites nothing else (a `compose.yml`, a copied `/etc/passwd`)."""
    data = doc.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        return [
            error(
                "E007",
                f"a catalog file must be a mapping, not {kind}",
                doc.range_of(()),
                hint="start the file with `version: 1` and sections like `products:`",
            )
        ]
    return _check_version(doc)


def _check_version(doc: YamlDocument) -> list[Diagnostic]:
    data = doc.data
    if "version" not in data:
        return [
            error(
                "E008",
                "missing `version: 1` at the top of the file",
                doc.range_of(()),
                hint="add `version: 1` as the first line",
            )
        ]
    version = data["version"]
    if isinstance(version, Decimal) and version == CATALOG_VERSION:
        return []
    if isinstance(version, Decimal):
        summary = f"unsupported catalog version {version}"
    else:
        summary = (
            f"unsupported catalog version: expected the number {CATALOG_VERSION}, "
            f"got {describe_value(version)}"
        )
    return [
        error(
            "E009",
            summary,
            doc.range_of(("version",)),
            hint=f"this billing-spec reads catalog version {CATALOG_VERSION}",
        )
    ]
