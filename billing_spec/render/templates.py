"""Finding the invoice templates and running them, with every failure turned into a diagnostic.

Where the shipped templates are (`default_templates_dir`): the repository keeps them in the
top-level `templates/` folder. A wheel carries them as package data, `billing_spec/templates/`
(pyproject's hatch `force-include` maps one onto the other). An editable install or a source
checkout has no such folder, so the repo's `templates/` beside the package is used. The wheel's
place is tried first; a candidate counts only if it holds `invoice.txt.j2`, so a stray
`templates/` folder next to an installed package is never picked up.

`--templates DIR` (the `templates_dir` argument) replaces the whole directory. A missing
directory (E790), a missing template (E791), a template that cannot be read or parsed (E792) and
one that fails while rendering (E793, say an undefined variable under `StrictUndefined`) all
raise `BillingSpecError` naming the file and, where Jinja knows it, the line.

Jinja is set up once per render: `StrictUndefined`, autoescaping for `*.html.j2` only (text and
Markdown are not HTML), `trim_blocks`/`lstrip_blocks` so block tags leave no blank lines, and a
kept trailing newline. Jinja is imported here only, when a render runs.
"""

from __future__ import annotations

import dataclasses
import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from billing_spec.diagnostics import BillingSpecError, SourceRange
from billing_spec.render.display import FILTERS

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # billing_spec/
MARKER = "invoice.txt.j2"
_NO_FIELD = re.compile(r"'billing_spec\.render\.view\.(\w+) object' has no attribute '([^']*)'")


def default_templates_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """The shipped templates: `<package>/templates` in a wheel, else `<repo>/templates`."""
    candidates = (package_dir / "templates", package_dir.parent / "templates")
    for candidate in candidates:
        if (candidate / MARKER).is_file():
            return candidate
    raise BillingSpecError.single(
        "E790",
        "the invoice templates shipped with billing-spec are missing",
        detail="looked in " + " and ".join(str(c) for c in candidates),
        hint="reinstall billing-spec, or pass --templates DIR",
    )


def templates_dir(override: str | Path | None) -> Path:
    """The directory to load templates from: `override` when given (it must exist)."""
    if override is None:
        return default_templates_dir()
    path = Path(override)
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise BillingSpecError.single("E790", f"templates directory {str(override)!r} {what}")
    return path


def render_template(directory: Path, name: str, context: Mapping[str, Any]) -> str:
    """Load `name` from `directory` and render it with `context`."""
    import jinja2

    env = _environment(directory)
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateNotFound as exc:
        raise _not_found(directory, name, exc) from None
    except jinja2.TemplateSyntaxError as exc:
        at = SourceRange.at(exc.filename or str(directory / name), exc.lineno)
        raise BillingSpecError.single("E792", f"template syntax error: {exc.message}", at) from None
    except _Unreadable as exc:
        raise exc.error() from None
    except Exception as exc:  # anything a template can do wrong while it runs
        raise _failed(directory, name, exc) from None


class _Unreadable(Exception):
    """A template file that exists but cannot be read (permissions, not UTF-8)."""

    def __init__(self, filename: str, reason: str, line: int | None = None) -> None:
        super().__init__(filename, reason, line)
        self.filename, self.reason, self.line = filename, reason, line

    def error(self) -> BillingSpecError:
        if self.line is None:
            summary = f"template {self.filename} cannot be read: {self.reason}"
            return BillingSpecError.single("E792", summary)
        at = SourceRange.at(self.filename, self.line)
        return BillingSpecError.single("E792", f"template cannot be read: {self.reason}", at)


def _loader(directory: Path):
    """Jinja2's file loader, naming the file when one cannot be read (also an included one)."""
    import jinja2

    class Loader(jinja2.FileSystemLoader):
        def get_source(self, environment, template):
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError as exc:
                line = exc.object[: exc.start].count(b"\n") + 1
                reason = f"it is not UTF-8 ({exc.reason})"
                raise _Unreadable(str(directory / template), reason, line) from None
            except jinja2.TemplateNotFound:
                raise
            except OSError as exc:
                raise _Unreadable(str(directory / template), exc.strerror or str(exc)) from None

    return Loader(str(directory))


def _environment(directory: Path):
    import jinja2

    env = jinja2.Environment(
        loader=_loader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=lambda template_name: (template_name or "").endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def _not_found(directory: Path, name: str, exc) -> BillingSpecError:
    missing = exc.name if isinstance(exc.name, str) else name
    summary = f"template {missing!r} not found in {str(directory)!r}"
    if missing != name:
        summary += f" (included from {name!r})"
    return BillingSpecError.single(
        "E791", summary, hint=f"a templates directory needs {name} and the files it includes"
    )


def _failed(directory: Path, name: str, exc: Exception) -> BillingSpecError:
    message, hint = _explain(str(exc) or type(exc).__name__)
    return BillingSpecError.single(
        "E793",
        f"template {name!r} failed: {message}",
        _template_frame(directory, exc),
        hint=hint,
    )


def _explain(message: str) -> tuple[str, str]:
    """Jinja's "'...InvoiceView object' has no attribute 'x'" as "InvoiceView has no field 'x'",
    with the fields it does have as the hint."""
    from billing_spec.render import view

    match = _NO_FIELD.search(message)
    cls = getattr(view, match.group(1), None) if match else None
    if cls is None or not dataclasses.is_dataclass(cls):
        return message, ""
    fields = [f.name for f in dataclasses.fields(cls)]
    fields += [n for n in dir(cls) if isinstance(getattr(cls, n), property)]
    return f"{cls.__name__} has no field {match.group(2)!r}", "its fields: " + ", ".join(fields)


def _template_frame(directory: Path, exc: Exception) -> SourceRange | None:
    """The innermost template line in the traceback (Jinja rewrites frames to template lines)."""
    root = directory.resolve()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.suffix == ".j2" and path.resolve().is_relative_to(root) and frame.lineno:
            return SourceRange.at(frame.filename, frame.lineno)
    return None
