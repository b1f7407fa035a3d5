"""Lay out the package as it is installed, as links into the checkout, for mypy and import-linter.

The package `instructprobe` keeps its layers in top-level folders (pyproject.toml maps them with
`package-dir`). Python's editable install follows that map, but mypy and import-linter find
modules by walking folders, so they read this tree instead: `build/linktree/instructprobe/`
links to the package root's files and to each mapped folder. Made anew on every call (new
modules are picked up), from pyproject.toml alone.

    python tools/linktree.py      # prints the folder to put on MYPYPATH / PYTHONPATH
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "linktree"
PACKAGE = "instructprobe"


def build(root: Path = ROOT, tree: Path = TREE) -> Path:
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    if tree.exists():
        shutil.rmtree(tree)
    package = tree / PACKAGE
    package.mkdir(parents=True)
    for entry in (root / PACKAGE).iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in mapping.items():
        parts = name.split(".")
        if parts[0] != PACKAGE or len(parts) != 2:
            raise SystemExit(f"linktree: cannot lay out {name!r} = {folder!r}")
        (package / parts[1]).symlink_to(root / folder, target_is_directory=True)
    return tree


if __name__ == "__main__":
    print(build())
