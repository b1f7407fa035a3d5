"""What ``pip install .`` installs: one import name, ``instructprobe``, holding every module of
the checkout's layer folders (pyproject.toml lists the packages by hand)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP_WHEEL, "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_the_wheel_adds_exactly_one_top_level_name(wheel):
    names = {name.split("/")[0] for name in wheel}
    assert {n for n in names if not n.endswith(".dist-info")} == {"instructprobe"}


@pytest.mark.slow
def test_every_module_and_data_file_of_the_layers_is_in_the_wheel(wheel):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = {"instructprobe": "instructprobe", **config["tool"]["setuptools"]["package-dir"]}
    expected = set()
    for package, folder in folders.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(ROOT / folder).as_posix()
                expected.add(f"{package.replace('.', '/')}/{relative}")
    assert expected - set(wheel) == set()
