"""A tiny document model (headings, paragraphs, lists, tables, images) and its two renderings.

Reports are built once as a list of blocks and rendered to Markdown and to standalone HTML,
so both files always say the same thing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    """A section heading.

    Attributes
    ----------
    text : str
        The heading's text.
    level : int, optional
        Heading level, 1 for the page title (default 2).
    """

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """A paragraph.

    Attributes
    ----------
    text : str
        Text of the block (Markdown inline markup allowed).
    """

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list.

    Attributes
    ----------
    items : tuple of str
        The items, in order (Markdown inline markup allowed).
    """

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells (build it with :func:`table`).

    Attributes
    ----------
    columns : tuple of str
        Column headers.
    rows : tuple of tuple of str
        Table rows, one cell per column.
    compact : bool, optional
        Keep every cell on one line (HTML), for a summary table whose details are elsewhere.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    compact: bool = False


@dataclass(frozen=True)
class Image:
    """An image.

    Attributes
    ----------
    path : str
        Path of the image, relative to the report.
    alt : str
        Alternative text describing what the figure shows.
    """

    path: str
    alt: str


@dataclass(frozen=True)
class Link:
    """A paragraph that is one link.

    Attributes
    ----------
    path : str
        Path of the image or linked file, relative to the report.
    text : str
        Text of the block (Markdown inline markup allowed).
    """

    path: str
    text: str


Block = Heading | Paragraph | Bullets | Table | Image | Link


def table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], *, compact: bool = False
) -> Table:
    """Build a table, turning every cell into text.

    Parameters
    ----------
    columns : Sequence[str]
        Column headers.
    rows : Sequence[Sequence[object]]
        Table rows, one value per column.
    compact : bool, optional
        Cells kept on one line (see :class:`Table`).

    Returns
    -------
    Table
    """
    return Table(
        tuple(columns),
        tuple(tuple("" if c is None else str(c) for c in row) for row in rows),
        compact,
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown.

    Parameters
    ----------
    blocks : Sequence[Block]
        The report's blocks, in order.

    Returns
    -------
    str
    """
    parts: list[str] = []
    for block in blocks:
        match block:
            case Heading(text, level):
                parts.append(f"{'#' * level} {text}")
            case Paragraph(text):
                parts.append(text)
            case Bullets(items):
                parts.append("\n".join(f"- {item}" for item in items))
            case Table(columns, rows, _compact):
                lines = [
                    "| " + " | ".join(map(_md_cell, columns)) + " |",
                    "|" + "---|" * len(columns),
                ]
                lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]
                parts.append("\n".join(lines))
            case Image(path, alt):
                parts.append(f"![{alt}]({path})")
            case Link(path, text):
                parts.append(f"[{text}]({path})")
    return "\n\n".join(parts) + "\n"


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:76rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0;font-size:0.9rem}"
    "th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;text-align:left}th{background:#f3f3f3}"
    "img{max-width:100%}code{background:#f3f3f3;padding:0 0.2rem}"
    # a wide table scrolls inside its box, never the page; a compact table never wraps a cell
    ".table{overflow-x:auto;max-width:100%}table.compact td,table.compact th{white-space:nowrap}"
)


def _inline(text: str) -> str:
    """Escape text; keep Markdown-style `code` as <code> and [text](path) as a link."""
    pieces = html.escape(text).split("`")
    out = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', out)


def to_html(blocks: Sequence[Block], *, title: str) -> str:
    """Render blocks as one standalone HTML page (no external assets except the images).

    Parameters
    ----------
    blocks : Sequence[Block]
        The report's blocks, in order.
    title : str
        Title of the HTML page.

    Returns
    -------
    str
    """
    body: list[str] = []
    for block in blocks:
        match block:
            case Heading(text, level):
                body.append(f"<h{level}>{_inline(text)}</h{level}>")
            case Paragraph(text):
                body.append(f"<p>{_inline(text)}</p>")
            case Bullets(items):
                body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            case Table(columns, rows, compact):
                head = "".join(f"<th>{_inline(c)}</th>" for c in columns)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>"
                    for row in rows
                )
                kind = ' class="compact"' if compact else ""
                body.append(
                    f'<div class="table"><table{kind}><thead><tr>{head}</tr></thead>'
                    f"<tbody>{cells}</tbody></table></div>"
                )
            case Image(path, alt):
                body.append(f'<p><img src="{html.escape(path)}" alt="{html.escape(alt)}"></p>')
            case Link(path, text):
                body.append(f'<p><a href="{html.escape(path)}">{_inline(text)}</a></p>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
