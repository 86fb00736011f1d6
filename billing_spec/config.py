"""Project configuration: `billing.toml`, or `[tool.billing-spec]` in `pyproject.toml`.

The CLI looks for it from the current directory up: the first directory holding a
`billing.toml`, or a `pyproject.toml` with a `[tool.billing-spec]` table, is the project's root
(a `billing.toml` wins over a `pyproject.toml` beside it). Its keys, all optional:

    catalog = "catalog"                 # the catalog directory
    exclude = ["docker-compose.yml"]    # globs below it that are not catalog files
    state = "billing.state.json"        # the state file
    events = ["fixtures"]               # usage events: `invoice`, `plan --impact`

    [environments.sandbox]              # `--env sandbox` on plan and apply
    provider = "metronome"              # local | metronome
    state = "states/sandbox.state.json"
    base_url = "https://api.metronome.com"            # optional: METRONOME_BASE_URL
    token_env = "METRONOME_SANDBOX_TOKEN"             # optional: where the token is

Paths are relative to the file that names them. A malformed file is an E015 error at its line.

>>> parse_config('catalog = "pricing"\\nexclude = ["*.local.yml"]\\n', "billing.toml").exclude
('*.local.yml',)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billing_spec.diagnostics import BillingSpecError, SourceRange, did_you_mean

CONFIG_FILE = "billing.toml"
PYPROJECT = "pyproject.toml"
TABLE = "billing-spec"  # [tool.billing-spec]
KEYS = ("catalog", "exclude", "state", "events", "environments")
ENVIRONMENT_KEYS = ("provider", "state", "base_url", "token_env")
PROVIDER_NAMES = ("local", "metronome")
_AT = re.compile(r"\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class Environment:
    """One `[environments.NAME]` table: where a catalog is applied (its own state)."""

    name: str
    provider: str
    state: Path
    base_url: str | None = None
    token_env: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """What a configuration file says; paths absolute (resolved against its directory)."""

    path: Path
    catalog: Path | None = None
    exclude: tuple[str, ...] = ()
    state: Path | None = None
    events: tuple[Path, ...] = ()
    environments: tuple[Environment, ...] = ()

    def environment(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)

    @property
    def root(self) -> Path:
        return self.path.parent


def find_config(start: str | os.PathLike[str] | None = None) -> ProjectConfig | None:
    """The configuration that applies in `start` (default: the current directory), if any."""
    here = Path(os.path.abspath(start if start is not None else Path.cwd()))
    for directory in (here, *here.parents):
        own = directory / CONFIG_FILE
        if own.is_file():
            return parse_config(_read(own), _shown(own))
        pyproject = directory / PYPROJECT
        if pyproject.is_file():
            text = _read(pyproject)
            if f"tool.{TABLE}" in text or f'"{TABLE}"' in text:
                found = parse_config(text, _shown(pyproject), table=("tool", TABLE))
                if found is not None:
                    return found
    return None


def parse_config(text: str, filename: str, table: tuple[str, ...] = ()) -> ProjectConfig | None:
    """Parse a configuration file's text; None when `table` is absent (a plain pyproject)."""
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _AT.search(message)
        at = (
            SourceRange.at(filename, int(match.group(1)), int(match.group(2)))
            if match
            else SourceRange.at(filename, max(1, text.count("\n")))
        )
        raise _error(f"invalid TOML: {_AT.sub('', message).strip()}", at) from None
    for name in table:
        if not isinstance(data, dict) or name not in data:
            return None
        data = data[name]
    where = f"[{'.'.join(table)}]" if table else filename
    if not isinstance(data, dict):
        raise _error(f"{where} must be a table", _line_of(text, filename, table[-1], table))
    base = Path(os.path.abspath(filename)).parent
    for key in data:
        if key not in KEYS:
            hint = did_you_mean(key, KEYS) or f"the keys are {', '.join(KEYS)}"
            raise _error(f"unknown key {key!r}", _line_of(text, filename, key, table), hint=hint)
    values: dict[str, Any] = {}
    for key in ("catalog", "state"):
        if key in data:
            values[key] = base / _path(data[key], key, text, filename, table)
    if "exclude" in data:
        values["exclude"] = tuple(_strings(data["exclude"], "exclude", text, filename, table))
    if "events" in data:
        events = data["events"]
        events = [events] if isinstance(events, str) else events
        values["events"] = tuple(
            base / p for p in _strings(events, "events", text, filename, table, path=True)
        )
    if "environments" in data:
        values["environments"] = _environments(data["environments"], base, text, filename, table)
    return ProjectConfig(path=Path(os.path.abspath(filename)), **values)


def _environments(
    data: Any, base: Path, text: str, filename: str, table: tuple[str, ...]
) -> tuple[Environment, ...]:
    def at(key: str) -> SourceRange:
        return _line_of(text, filename, key, table)

    if not isinstance(data, dict):
        raise _error("`environments` must be a table of tables", at("environments"))
    found = []
    for name, body in sorted(data.items()):
        if not isinstance(body, dict):
            raise _error(f"environment {name!r} must be a table", at(name))
        for key in body:
            if key not in ENVIRONMENT_KEYS:
                hint = did_you_mean(key, ENVIRONMENT_KEYS) or (
                    f"an environment's keys are {', '.join(ENVIRONMENT_KEYS)}"
                )
                raise _error(f"environment {name!r}: unknown key {key!r}", at(key), hint=hint)
        provider = body.get("provider", "local")
        if provider not in PROVIDER_NAMES:
            raise _error(
                f"environment {name!r}: provider must be one of {', '.join(PROVIDER_NAMES)}, "
                f"not {provider!r}",
                at("provider"),
            )
        if "state" not in body:
            raise _error(
                f"environment {name!r} needs a `state`: each environment has its own",
                at(name),
            )
        optional = {}
        for key in ("base_url", "token_env"):
            if key in body:
                optional[key] = _path(body[key], key, text, filename, table)
        state = base / _path(body["state"], "state", text, filename, table)
        found.append(Environment(name, provider, state, **optional))
    return tuple(found)


def _path(value: Any, key: str, text: str, filename: str, table: tuple[str, ...]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(
            f"`{key}` must be a path (a non-empty string), not {_describe(value)}",
            _line_of(text, filename, key, table),
        )
    return value


def _strings(
    value: Any, key: str, text: str, filename: str, table: tuple[str, ...], path: bool = False
) -> list[str]:
    kind = "paths" if path else "glob patterns"
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(
            f"`{key}` must be a list of {kind} (non-empty strings), not {_describe(value)}",
            _line_of(text, filename, key, table),
            hint=f'for example {key} = ["{"fixtures" if path else "docker-compose.yml"}"]',
        )
    return value


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "an array" if isinstance(value, list) else "a table"


def _line_of(text: str, filename: str, key: str, table: tuple[str, ...]) -> SourceRange:
    """Where `key` is written (within the table's section when there is one), best effort."""
    lines = text.splitlines()
    start = 0
    if table:
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(_key_re(t) for t in table) + r"\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), 0)
    pattern = re.compile(r"^(\s*)" + _key_re(key) + r"\s*[=.\]]")
    for number in range(start, len(lines)):
        match = pattern.match(lines[number])
        if match:
            return SourceRange.at(filename, number + 1, len(match.group(1)) + 1)
    return SourceRange.at(filename, start + 1 if table else 1)


def _key_re(key: str) -> str:
    escaped = re.escape(key)
    return f"(?:{escaped}|\"{escaped}\"|'{escaped}')"


def _error(summary: str, at: SourceRange, hint: str = "") -> BillingSpecError:
    return BillingSpecError.single("E015", summary, at, hint=hint)


def _shown(path: Path) -> str:
    """The file as diagnostics name it: relative to the working directory when below it."""
    try:
        return str(path.relative_to(Path(os.path.abspath(Path.cwd()))))
    except ValueError:
        return str(path)


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(
            f"cannot read the configuration: {exc}", SourceRange.at(_shown(path), 1)
        ) from None
