import base64
import re
from html.parser import HTMLParser

import pytest

from instructprobe.reports import format as fmt
from instructprobe.reports.render import report


@pytest.fixture(scope="module")
def html(small_result):
    return report(small_result, "html")


@pytest.fixture(scope="module")
def markdown(small_result):
    return report(small_result, "md")


class Tags(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})

    def __init__(self):
        super().__init__()
        self.stack, self.seen, self.problems = [], [], []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))
        if tag not in self.VOID and not tag.endswith("/"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]!r}")
        else:
            self.stack.pop()


def test_html_is_self_contained(html):
    lowered = html.lower()
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", lowered)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", lowered)
    assert lowered.count("<svg") == 3


def test_html_tags_are_balanced(html):
    parser = Tags()
    parser.feed(html)
    assert parser.problems == [] and parser.stack == []
    anchors = {attrs.get("id") for tag, attrs in parser.seen if tag == "h2"}
    links = {attrs["href"][1:] for tag, attrs in parser.seen if tag == "a"}
    assert links <= anchors


def test_html_has_every_verdict_and_cell(small_result, html):
    for cell in small_result.verdicts().values():
        verdict = cell.verdict.value
        assert f'<span class="{verdict}">{verdict.upper()}</span>' in html
    for cell in small_result.cells:
        assert fmt.ci(cell) in html
    assert "Where it breaks" in html and "Worst examples" in html and "Environment" in html
    assert small_result.suite.sha256 in html
    assert "Family." not in html and "Verdict." not in html and "Order." not in html
    assert "<del>" in html and "<ins>" in html


def test_markdown_embeds_the_plots_as_png(markdown):
    images = re.findall(r"!\[([^\]]*)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert len(images) == 3
    for _, data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("form", ["md", "html"])
def test_images_can_be_left_out(small_result, markdown, html, form):
    text = report(small_result, form, images=False)
    assert "data:image" not in text and "<svg" not in text and "## Plots" not in text
    assert "Verdicts" in text
    assert len(text.encode()) < len((markdown if form == "md" else html).encode()) / 2


def test_markdown_tables_keep_their_columns(small_result, markdown):
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    header = next(r for r in rows if r.startswith("| family | retriever | metric"))
    columns = header.count(" | ")
    table = rows[rows.index(header) : rows.index(header) + len(small_result.cells) + 1]
    assert all(r.replace("\\|", "").count(" | ") == columns for r in table)
    assert "\\*\\*\\*" in markdown, "stars are escaped, not emphasis"


def test_json_format_is_the_results_file(small_result):
    import json

    text = report(small_result, "json")
    assert json.loads(text) == json.loads(json.dumps(small_result.to_dict()))


def test_a_family_without_variants_is_listed_in_the_long_report(small_result, markdown):
    # the committed starter run asks for every family; the starter has no rewrites of its own
    assert "### No variants" in markdown and "- curated-paraphrase: no variants" in markdown
