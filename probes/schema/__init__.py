"""The results file's JSON Schema (``results.schema.json``, shipped with the package) and a
validator over it. ``jsonschema`` is needed only to validate (``pip install jsonschema``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from instructprobe.core.errors import ResultsError

SCHEMA_FILE = "results.schema.json"
MAX_PROBLEMS = 5


@cache
def schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def problems(data: Mapping[str, Any]) -> list[str]:
    """Every way ``data`` departs from the schema, as ``path: message`` lines (empty if none)."""
    try:
        import jsonschema  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ResultsError(
            "validating against the results schema needs jsonschema (pip install jsonschema)"
        ) from None
    validator = jsonschema.Draft202012Validator(schema())
    found = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in found]


def validate(data: Mapping[str, Any], name: str = "results") -> None:
    """Raise one line naming the first problems when ``data`` does not follow the schema."""
    found = problems(data)
    if found:
        shown = "; ".join(found[:MAX_PROBLEMS])
        more = f" (and {len(found) - MAX_PROBLEMS} more)" if len(found) > MAX_PROBLEMS else ""
        raise ResultsError(f"{name} does not follow the results schema: {shown}{more}")
