"""One plain module read out of a heavy package without importing the package.

``import sklearn.feature_extraction.text`` costs about 1.5 s here and ``import torch`` about 2.5 s;
the stopword list and torch's build flags are each one dependency-free file inside them.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def standalone_module(package: str, relative_path: str) -> ModuleType | None:
    """``package``'s file ``relative_path`` executed as a module of its own, or None when the
    package is not installed or has no such file. The file must import nothing from the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative_path
    if not path.is_file():
        return None
    name = f"_standalone_{package}_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        return None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module
