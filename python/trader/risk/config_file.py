"""Load a RiskConfig from a TOML or JSON file; every mistake is named by file:line, field and value."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from trader.errors import FieldIssue, ModelError, TraderError
from trader.models.parsing import parse_model
from trader.risk.config import RiskConfig

_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


class RiskConfigError(TraderError):
    """A risk config file that cannot be read or does not validate; one `file:line: field ...` per issue."""

    def __init__(self, path: Path, issues: list[tuple[int | None, FieldIssue]]) -> None:
        self.path = path
        self.issues = issues
        rendered = [f"{path}{'' if line is None else f':{line}'}: {issue.render()}" for line, issue in issues]
        super().__init__("; ".join(rendered))


def load_risk_config(path: Path) -> RiskConfig:
    """Read `path` (.toml or .json) as a RiskConfig; RiskConfigError names file, line, field and value."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RiskConfigError(path, [(None, FieldIssue(None, f"cannot read the file: {exc}"))]) from None
    if path.suffix == ".json":
        return _validate(path, text, text, toml=False)
    if path.suffix != ".toml":
        raise RiskConfigError(path, [(None, FieldIssue(None, "expected a .toml or .json file", path.suffix))])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise RiskConfigError(path, [(line, FieldIssue(None, f"invalid TOML: {exc}"))]) from None
    return _validate(path, data, text, toml=True)


def _validate(path: Path, data: object, text: str, *, toml: bool) -> RiskConfig:
    try:
        return parse_model(RiskConfig, data, source=str(path))
    except ModelError as exc:
        located = [(_line_of(text, issue.field, toml=toml), issue) for issue in exc.issues]
        raise RiskConfigError(path, located) from None


def _toml_error_line(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _line_of(text: str, field: str | None, *, toml: bool) -> int | None:
    """The 1-based line where `field` ('limits.max_leverage') is set; None when it is not in the file."""
    if field is None:
        return None
    parts = field.split(".")
    if not toml:
        # JSON: the first line that names the innermost key after its section's key.
        wanted, seen = list(parts), 0
        for number, line in enumerate(text.splitlines(), start=1):
            if f'"{wanted[seen]}"' in line:
                seen += 1
                if seen == len(wanted):
                    return number
        return None
    table, key = ".".join(parts[:-1]), parts[-1]
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            current = header.group(1)
            # A whole section is the problem (or a sub-table's name, like a bad key of a mapping).
            if current == field or current.startswith(f"{field}."):
                return number
            continue
        assignment = _KEY.match(line)
        if assignment and assignment.group(1) == key and current == table:
            return number
    return None
