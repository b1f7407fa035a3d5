"""The long report as one self-contained HTML file: inline CSS, plots as inline SVG, no
scripts and nothing fetched from the network."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from instructprobe.reports import document as doc
from instructprobe.reports.plots import svg

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
max-width:1060px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0 1em;font-variant-numeric:tabular-nums}
th,td{padding:.25em .6em;border-bottom:1px solid #eee;vertical-align:top}
th{text-align:left;background:#f6f6f6}td.r,th.r{text-align:right;white-space:nowrap}
caption{caption-side:bottom;text-align:left;color:#666;font-size:.9em;padding-top:.3em}
.holds{color:#137333;font-weight:700}.breaks{color:#b3261e;font-weight:700}
.inconclusive{color:#8a6d00;font-weight:700}.dim{color:#666}.wrong{color:#b3261e}
ins{background:#e6f4ea;text-decoration:none}del{background:#fce8e6}
code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f3f3f3;padding:0 .2em}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.9em}
.example{border-left:3px solid #ddd;padding:.2em .8em;margin:.8em 0}
.example p{margin:.2em 0}.example ul{margin:.2em 0 .2em 1.2em;padding:0}
nav a{margin-right:1em}
"""
TAG = {
    "strong": "strong",
    "code": "code",
    "insert": "ins",
    "delete": "del",
}


def inline(parts: doc.Inline) -> str:
    out = []
    for span in parts:
        text = escape(span.text).replace("\n", "<br>")
        if span.kind in TAG:
            out.append(f"<{TAG[span.kind]}>{text}</{TAG[span.kind]}>")
        elif span.kind != "text":
            out.append(f'<span class="{span.kind}">{text}</span>')
        else:
            out.append(text)
    return "".join(out)


def _table(table: doc.Table) -> str:
    align = table.align or ("l",) * len(table.headers)
    kind = [' class="r"' if a == "r" else "" for a in align]
    head = "".join(f"<th{k}>{escape(h)}</th>" for h, k in zip(table.headers, kind, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f"<td{k}>{inline(c)}</td>" for c, k in zip(row, kind, strict=True))
        + "</tr>"
        for row in table.rows
    )
    caption = f"<caption>{escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _block(block: doc.Block) -> str:
    if isinstance(block, doc.Heading):
        anchor = f' id="{escape(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, doc.Paragraph):
        return f"<p>{inline(block.parts)}</p>"
    if isinstance(block, doc.Bullets):
        return "<ul>" + "".join(f"<li>{inline(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, doc.Table):
        return _table(block)
    if isinstance(block, doc.Figure):
        plot = block.plot
        return (
            f'<figure id="plot-{escape(plot.name)}">{svg(plot)}'
            f"<figcaption>{escape(plot.caption)}</figcaption></figure>"
        )
    rows = [
        f'<p><span class="dim">before:</span> {inline(block.before)}</p>',
        f'<p><span class="dim">after:</span> {inline(block.after)}</p>',
    ]
    notes = "".join(f"<li>{inline(n)}</li>" for n in block.notes)
    return (
        f'<div class="example"><p>{inline(block.title)}</p>{"".join(rows)}'
        f"{f'<ul>{notes}</ul>' if notes else ''}</div>"
    )


def render(blocks: Sequence[doc.Block]) -> str:
    title = next((b.text for b in blocks if isinstance(b, doc.Heading)), "instructprobe report")
    anchors = [b for b in blocks if isinstance(b, doc.Heading) and b.anchor]
    nav = "".join(f'<a href="#{escape(b.anchor)}">{escape(b.text)}</a>' for b in anchors)
    parts = [_block(b) for b in blocks]
    parts.insert(min(2, len(parts)), f"<nav>{nav}</nav>")
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
