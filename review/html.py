"""HTML for the review pages: one escaping helper, one page frame (no templates, no JS build)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

NAV = (("/", "Exhibits"), ("/verify", "Verify the case"), ("/bundle", "Bundle"))


def e(value: object) -> str:
    """Escape anything for text or a quoted attribute."""
    return escape(str(value), quote=True)


def page(title: str, body: str, *, case_title: str, scripts: Iterable[str] = ()) -> str:
    """A whole page: skip link, navigation, a main landmark, and module scripts by name."""
    links = "".join(f'<li><a href="{href}">{e(text)}</a></li>' for href, text in NAV)
    mods = "".join(f'<script type="module" src="/static/{e(s)}"></script>' for s in scripts)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(title)} · evidencekit review</title>'
        f'<link rel="stylesheet" href="/static/review.css">{mods}</head><body>'
        '<a class="skip" href="#main">Skip to content</a>'
        f'<header><p class="case">{e(case_title)}</p>'
        f'<nav aria-label="Main"><ul>{links}</ul></nav></header>'
        f'<main id="main" tabindex="-1"><h1>{e(title)}</h1>{body}</main>'
        '<div id="status" role="status" aria-live="polite"></div></body></html>'
    )


def table(caption: str, heads: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table whose cells are already HTML (escape them first with :func:`e`)."""
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")
