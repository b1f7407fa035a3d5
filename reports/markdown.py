"""The long report as Markdown (GitHub-flavoured tables). Plots are embedded as PNG data URIs,
so the file stands alone; renderers that refuse data URIs show the figure's title instead."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from instructprobe.reports import document as doc
from instructprobe.reports.plots import png

_SPECIAL = re.compile(r"([\\`*_<>|\[\]!~])")
"""Characters that start Markdown's emphasis, code, raw HTML, tables, links and images."""
_AUTOLINKS = re.compile(r"(?i)(?<=www)\.|:(?=//)|(?<=[\w.+-])@(?=[\w-]+\.)")
"""What GitHub turns into a link without brackets: ``www.``, ``scheme://`` and e-mail
addresses (the dot, colon or at sign is escaped, which breaks the link and shows the text)."""
MARK = {
    "strong": "**{}**",
    "code": "`{}`",
    "insert": "**{{+{}+}}**",
    "delete": "~~{}~~",
    "holds": "**{}**",
    "breaks": "**{}**",
    "inconclusive": "*{}*",
    "wrong": "**{}**",
    "dim": "*{}*",
}


def escape(text: str) -> str:
    """Text that renders as itself: no emphasis, code, HTML, link, image or autolink can start
    in it (report text quotes suites and results files, which are untrusted)."""
    return _AUTOLINKS.sub(lambda m: "\\" + m.group(), _SPECIAL.sub(r"\\\1", text))


def _line(text: str) -> str:
    """Escaped text for a heading, a table header or a caption, which end at a newline."""
    return escape(text).replace("\n", " ")


def inline(parts: doc.Inline) -> str:
    out = []
    for span in parts:
        if span.kind == "code":
            out.append(f"`{span.text.replace('`', '')}`")
        elif span.kind in MARK and span.text.strip():
            out.append(MARK[span.kind].format(escape(span.text)))
        else:
            out.append(escape(span.text))
    return "".join(out).replace("\n", "<br>")


def _table(table: doc.Table) -> list[str]:
    align = table.align or ("l",) * len(table.headers)
    lines = [
        "| " + " | ".join(_line(h) for h in table.headers) + " |",
        "|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|",
    ]
    lines += ["| " + " | ".join(inline(c) for c in row) + " |" for row in table.rows]
    if table.caption:
        lines += ["", f"*{_line(table.caption)}*"]
    return lines


def _block(block: doc.Block) -> list[str]:
    if isinstance(block, doc.Heading):
        return ["#" * block.level + " " + _line(block.text)]
    if isinstance(block, doc.Paragraph):
        return [inline(block.parts)]
    if isinstance(block, doc.Bullets):
        return [f"- {inline(item)}" for item in block.items]
    if isinstance(block, doc.Table):
        return _table(block)
    if isinstance(block, doc.Figure):
        data = base64.b64encode(png(block.plot)).decode("ascii")
        return [
            f"![{_line(block.plot.title)}](data:image/png;base64,{data})",
            "",
            f"*{_line(block.plot.caption)}*",
        ]
    lines = [inline(block.title), "", f"- before: {inline(block.before)}"]
    lines.append(f"- after: {inline(block.after)}")
    lines += [f"- {inline(note)}" for note in block.notes]
    return lines


def render(blocks: Sequence[doc.Block]) -> str:
    out: list[str] = []
    for block in blocks:
        out += [*_block(block), ""]
    return "\n".join(out).rstrip() + "\n"
