"""The plugin example in docs/retrievers.md, run as written: by module:factory, through the
entry-point group, and inside ``probe run``."""

import re
import sys
from pathlib import Path

import pytest

from instructprobe.retrievers import Retriever, resolve

DOC = Path(__file__).parents[2] / "docs" / "retrievers.md"


def blocks(language):
    text = DOC.read_text(encoding="utf-8")
    plugins = text[text.index("## Plugins") :]
    return re.findall(rf"```{language}\n(.*?)```", plugins, flags=re.S)


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The documented module on sys.path, plus an installed distribution that registers it."""
    (code,) = blocks("python")
    (tmp_path / "word_overlap.py").write_text(code)
    (toml,) = blocks("toml")
    name, target = re.search(r'^([\w-]+) = "([\w.:]+)"$', toml, flags=re.M).groups()
    dist = tmp_path / "word_overlap_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: word-overlap-plugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(f"[instructprobe.retrievers]\n{name} = {target}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop("word_overlap", None)


def test_the_documented_plugin_loads_by_module_factory_and_ranks(plugin):
    retriever = resolve("word_overlap:make")
    assert isinstance(retriever, Retriever) and retriever.name == "word-overlap"
    index = retriever.index(["a", "b", "c"], ["cats purr", "dogs bark loudly", "cats and dogs"])
    (ranking,) = index.search(["dogs bark"], depth=2)
    assert ranking.doc_ids == ("b", "c")
    assert index.search([], depth=2) == []
    (pooled,) = index.rerank(["cats"], [("b", "a")])
    assert pooled.doc_ids == ("a", "b")


def test_the_documented_entry_point_makes_it_a_name(plugin):
    assert plugin == "word-overlap"
    retriever = resolve(plugin)
    assert type(retriever).__name__ == "WordOverlap"


@pytest.mark.model
def test_the_documented_plugin_runs_inside_probe_run(plugin, tmp_path):
    import json

    from instructprobe.app.cli import main

    out = tmp_path / "results.json"
    args = ["run", "-r", plugin, "--limit", "3", "--resamples", "200", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["request"]["retrievers"] == ["word-overlap"]
