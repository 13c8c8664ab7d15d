"""HTML building blocks for self-contained reports: one file, inline CSS, no script, no network.

Everything is escaped unless it is `Html` already, so text from a chat (an
author's name, a redacted message) can never inject markup. The page's
Content-Security-Policy forbids scripts and every fetch, so a report opened
from an e-mail or a shared drive cannot call out either.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_CLASS_UNSAFE = re.compile(r"[^a-z0-9-]+")


class Html(str):
    """Markup that is already safe and is inserted as it is."""

    __slots__ = ()


def escape(value: object) -> Html:
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


def join(parts: Iterable[object]) -> Html:
    return Html("".join(escape(part) for part in parts))


CSS = """
:root { --ink: #212b32; --muted: #4c6272; --line: #d8dde0; --blue: #005eb8;
  --remove: #d5281b; --hold: #ed8b00; --signpost: #007f3b; --flag: #330072; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f0f4f5;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 28px 0 10px; border-bottom: 2px solid var(--blue); }
p.subtitle, .muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.notice { border-left: 6px solid var(--blue); background: #eef7ff; padding: 10px 14px;
  margin: 12px 0; }
.notice.warning { border-color: var(--hold); background: #fff6e6; }
.notice.error { border-color: var(--remove); background: #fdeceb; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; }
svg { max-width: 100%; height: auto; font: 12px system-ui, Arial, sans-serif; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left;
  vertical-align: top; }
th { background: #f0f4f5; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafbfb; }
td.text { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 520px; }
td.nowrap { white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
  background: var(--muted); font-size: 13px; }
.badge.remove { background: var(--remove); } .badge.hold { background: var(--hold); }
.badge.signpost { background: var(--signpost); } .badge.flag { background: var(--flag); }
code { font-size: 13px; }
footer { margin-top: 28px; color: var(--muted); font-size: 13px; }
@media print { body { background: #fff; } main { padding: 0; } th { position: static; }
  tr { break-inside: avoid; } }
"""

# No scripts, no fetches of any kind: styles and images only from the page itself.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"


def page_start(title: str, subtitle: str | None = None) -> Html:
    """Everything up to and including the page heading; close with `page_end()`."""
    heading = f"<h1>{escape(title)}</h1>"
    if subtitle:
        heading += f'<p class="subtitle">{escape(subtitle)}</p>'
    return Html(
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{heading}\n"
    )


def page_end(footer: str | None = None) -> Html:
    foot = f"<footer>{escape(footer)}</footer>\n" if footer else ""
    return Html(f"{foot}</main>\n</body>\n</html>\n")


def page(
    title: str, *parts: object, subtitle: str | None = None, footer: str | None = None
) -> Html:
    return Html(page_start(title, subtitle) + join(parts) + page_end(footer))


def section(heading: str, *parts: object) -> Html:
    return Html(section_start(heading) + join(parts) + section_end())


def section_start(heading: str) -> Html:
    """Opens a section, for content written piece by piece; close with `section_end()`."""
    return Html(f"<section>\n<h2>{escape(heading)}</h2>\n")


def section_end() -> Html:
    return Html("</section>\n")


def paragraph(text: object, css_class: str | None = None) -> Html:
    return Html(f"<p{_class_attribute(css_class)}>{escape(text)}</p>\n")


def notice(text: object, level: str = "info") -> Html:
    """A highlighted box: level 'info', 'warning' or 'error'."""
    return Html(f'<div class="notice {css_class_name(level)}">{escape(text)}</div>\n')


def facts(pairs: Iterable[tuple[object, object]]) -> Html:
    """A definition list of label/value pairs."""
    items = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in pairs)
    return Html(f'<dl class="facts">{items}</dl>\n')


def badge(text: str, kind: str | None = None) -> Html:
    return Html(f'<span class="badge {css_class_name(kind or text)}">{escape(text)}</span>')


def figure(svg: Html, caption: str | None = None) -> Html:
    below = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return Html(f"<figure>{escape(svg)}{below}</figure>\n")


def charts(*figures: Html) -> Html:
    return Html(f'<div class="charts">{join(figures)}</div>\n')


def table_start(headers: Sequence[str]) -> Html:
    cells = "".join(f'<th scope="col">{escape(header)}</th>' for header in headers)
    return Html(f"<table>\n<thead><tr>{cells}</tr></thead>\n<tbody>\n")


def table_row(cells: Sequence[object], classes: Sequence[str | None] = ()) -> Html:
    """One row; `classes` gives each cell a CSS class (e.g. 'text' keeps line breaks)."""
    rendered = []
    for index, cell in enumerate(cells):
        css_class = classes[index] if index < len(classes) else None
        rendered.append(f"<td{_class_attribute(css_class)}>{escape(cell)}</td>")
    return Html(f"<tr>{''.join(rendered)}</tr>\n")


def table_end() -> Html:
    return Html("</tbody>\n</table>\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Html:
    return Html(table_start(headers) + "".join(table_row(row) for row in rows) + table_end())


def css_class_name(text: str) -> str:
    return _CLASS_UNSAFE.sub("-", text.casefold()).strip("-")


def _class_attribute(css_class: str | None) -> str:
    return f' class="{css_class_name(css_class)}"' if css_class else ""
