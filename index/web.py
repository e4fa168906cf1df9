"""Web pages -> article text and metadata, by trafilatura (main text, title, author, site name,
publication date); a page in which it finds no main text gives its whole visible text instead."""

from __future__ import annotations

import logging
import re

import lxml.etree
import lxml.html
import trafilatura

# Measured on ../shared/htmleval (python -m eval.extraction --options): readers' comments are
# not the article (F1 0.916 -> 0.931), and trafilatura's own fallbacks (readability, jusText)
# bring back more furniture than text (-> 0.935). Its `deduplicate` is left off: it remembers
# text across calls, so what a page keeps would depend on the pages read before it.
OPTIONS = {"include_comments": False, "fast": True, "include_tables": True}
# Only dates the page states in its markup or URL: the extensive search also takes a date
# from anywhere in the text (a copyright year), which would pass for a stated date.
DATE_PARAMS = {"extensive_search": False, "original_date": True}
# Below this trafilatura has found no main text of its own: what it returns then is every text
# node of the page on a line of its own ("Two\nsoldiers\ndied."), and the visible text reads better.
MIN_MAIN_TEXT = trafilatura.settings.DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
FALLBACK_NOTE = "no main text found by trafilatura: the page's whole visible text was read"

INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object", "head", "title")
BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "main",
         "blockquote", "figcaption", "ul", "ol", "table", "pre", "header", "footer", "nav", "aside", "dd",
         "dt", "form", "hr"}

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs every odd page as an error


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """The article text of a page and the metadata it states (title, date, author, outlet,
    url). Never raises: markup too broken for trafilatura gives the visible text."""
    fields: dict[str, str] = {}
    text = ""
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, date_extraction_params=DATE_PARAMS,
                                          **OPTIONS)
    except Exception:  # noqa: BLE001 - a parser's failure on odd markup is the fallback's case
        doc = None
    if doc is not None:
        text, fields = doc.text or "", _fields(doc)
    if len(text.strip()) >= MIN_MAIN_TEXT:
        return text, fields
    tree = _parse(html)
    if tree is None:
        return text, fields
    if not fields:
        try:
            fields = _fields(trafilatura.extract_metadata(tree, date_config=DATE_PARAMS, extensive=False))
        except Exception:  # noqa: BLE001 - metadata is a bonus; the text matters
            fields = {}
    visible = visible_text(tree)
    if not visible:
        return text, fields
    fields["note"] = FALLBACK_NOTE
    return visible, fields


def _fields(doc: trafilatura.settings.Document) -> dict[str, str]:
    found = {"title": doc.title, "date": doc.date, "author": doc.author, "outlet": doc.sitename,
             "url": doc.url}
    return {k: " ".join(str(v).split()) for k, v in found.items() if v and str(v).strip()}


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # a str that declares its encoding: lxml wants the bytes
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"))
        except Exception:  # noqa: BLE001
            return None
    except Exception:  # noqa: BLE001 - lxml.etree.ParserError for an empty document, and the like
        return None


def visible_text(tree: lxml.html.HtmlElement) -> str:
    """What a browser shows of a page: scripts, styles and comments out (the text after them
    stays), one line per block. Changes `tree`."""
    for el in list(tree.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction, *INVISIBLE)):
        el.drop_tree()  # keeps the text that follows the element
    parts: list[str] = []
    in_pre = 0
    for event, el in lxml.etree.iterwalk(tree, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            in_pre += tag == "pre"
            if tag in BLOCK:
                parts.append("\n")
            if el.text:
                parts.append(el.text if in_pre else re.sub(r"\s+", " ", el.text))
            continue
        in_pre -= tag == "pre"
        if tag in BLOCK:
            parts.append("\n")
        if el.tail:  # the text after an element belongs to its parent
            parts.append(el.tail if in_pre else re.sub(r"\s+", " ", el.tail))
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parts))
    return re.sub(r"\s*\n\s*", "\n", text).strip()  # a line a block, as trafilatura gives them
