"""Text from a suite or a results file is untrusted: it reaches no terminal, Markdown or HTML
reader as anything but text (docs/security.md)."""

import copy
import dataclasses
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from instructprobe.core.errors import ResultsError
from instructprobe.probes.results import RunResult, read_results
from instructprobe.reports import document, html, markdown
from instructprobe.reports.render import report
from instructprobe.reports.terminal import render_text

ESC = "\x1b"
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = (
    "\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ "
    "[x](javascript:alert(1)) ![t](http://evil.example/p.png) <img src=x onerror=alert(1)> "
    "www.evil.example mail@evil.example [link=https://evil.example]rich[/link] \u202eevil\r\n"
    "<script>alert(1)</script>\n# heading\n| a | b |"
)


def hostile(result: RunResult) -> RunResult:
    """``result`` with the hostile text in the suite's name and in each variant's query and
    instructions (what every report quotes)."""
    variants = tuple(
        dataclasses.replace(
            v,
            query=HOSTILE + v.query,
            instruction=v.instruction + HOSTILE,
            original_instruction=HOSTILE + v.original_instruction,
        )
        for v in result.variants
    )
    suite = dataclasses.replace(result.suite, name="evil" + HOSTILE)
    return dataclasses.replace(result, suite=suite, variants=variants)


@pytest.fixture(scope="module")
def evil(bm25_only):
    return hostile(bm25_only)


def test_the_terminal_report_shows_hostile_text_as_escapes(evil):
    text = render_text(evil, examples=2)
    assert not ACTIVE.search(text)
    assert "\\x1b]0;owned\\x07" in text and "\\u202eevil" in text
    assert "[link=https://evil.example]rich[/link]" in text, "shown as it is, not as markup"


def test_the_coloured_terminal_report_sends_only_its_own_sequences(evil):
    """With colour on, every ESC that reaches the terminal starts a colour (SGR) sequence."""
    import io

    from rich.console import Console

    from instructprobe.reports.terminal import print_report

    out = io.StringIO()
    print_report(
        evil, Console(file=out, force_terminal=True, color_system="truecolor", width=100), 2
    )
    sequences = re.findall(r"\x1b(.[^a-zA-Z]*[a-zA-Z]?)", out.getvalue())
    assert sequences and all(re.fullmatch(r"\[[0-9;]*m", s) for s in sequences), set(sequences)
    assert "\x1b]" not in out.getvalue() and "\x07" not in out.getvalue()


@pytest.fixture(scope="module")
def blocks(evil):
    return document.build(evil, (), 3)


def test_markdown_makes_no_link_image_or_html_from_hostile_text(blocks):
    text = markdown.render(blocks)
    assert not ACTIVE.search(text)
    tokens = MarkdownIt("commonmark").parse(text)
    inline = [c for t in tokens if t.children for c in t.children]
    assert not [t for t in inline if t.type in ("link_open", "image")]
    assert {t.content for t in inline if t.type == "html_inline"} <= {"<br>"}, "only line breaks"
    assert not [t for t in tokens if t.type == "html_block"]
    assert "javascript:alert(1)" in text.replace("\\", ""), "the text is still there, as text"
    for autolink in ("http://", "https://", "www.evil", "mail@evil"):
        assert autolink not in text, f"GitHub would link {autolink}"


def test_html_escapes_every_hostile_string(blocks):
    page = html.render(blocks)
    assert not ACTIVE.search(page)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert not re.search(r"""(href|src)=["']?(https?:|javascript:)""", page)


def test_json_output_escapes_control_characters_and_keeps_the_value(evil):
    text = report(evil, "json")
    assert not ACTIVE.search(text.replace("\n", ""))
    assert json.loads(text)["suite"]["name"] == "evil" + HOSTILE


# Results files: any field may hold anything.


@pytest.fixture(scope="module")
def small_data(bm25_only):
    """A small but complete results file: two families of the BM25 run."""
    families = [str(f) for f in bm25_only.families()[:2]]
    data = bm25_only.to_dict()
    for key in ("cells", "strata", "dose_response"):
        data[key] = [x for x in data[key] if x["family"] in families]
    data["variants"] = [v for v in data["variants"] if v["family"] in families][:12]
    kept = {v["id"] for v in data["variants"]}
    data["outcomes"] = [o for o in data["outcomes"] if o["variant_id"] in kept]
    return data


def paths(value, path=()):
    yield path
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        yield from paths(child, (*path, key))


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**400),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["holds", "nDCG@10", "negation", "directional", HOSTILE, "", "x" * 500]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_results_file_with_any_field_changed_is_one_error_or_renders_safely(
    small_data, tmp_path, data
):
    every = list(paths(small_data))[1:]
    changed = copy.deepcopy(small_data)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(every))
        try:
            parent = changed
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = data.draw(ANYTHING)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    file = tmp_path / "results.json"
    file.write_text(json.dumps(changed, ensure_ascii=False))
    try:
        result = read_results(file)
    except ResultsError as error:
        assert str(error).startswith(str(file))
        return
    for text in (
        render_text(result, examples=2),
        markdown.render(document.build(result, (), 2)),
        html.render(document.build(result, (), 2)),
    ):
        assert ESC not in text


def test_a_comparison_of_hostile_runs_shows_their_text_as_text(evil):
    import dataclasses as dc

    from instructprobe.probes.compare import compare
    from instructprobe.reports.compare import render_markdown, render_text

    renamed = dc.replace(
        evil,
        cells=tuple(dc.replace(c, retriever="m\x1b[2J") for c in evil.cells),
        outcomes=tuple(dc.replace(o, retriever="m\x1b[2J") for o in evil.outcomes),
    )
    comparison = compare(renamed, renamed, resamples=200)
    for text in (
        render_text(comparison, "base\x1b]0;x\x07.json", "candidate.json"),
        render_markdown(comparison, "[base](http://evil.example)", "candidate.json"),
    ):
        assert not ACTIVE.search(text.replace("\n", "")) and "x1b" in text
    tokens = MarkdownIt("commonmark").parse(render_markdown(comparison, "[b](http://x.y)", "c"))
    assert not [c for t in tokens if t.children for c in t.children if c.type == "link_open"]
