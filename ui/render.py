"""HTML for the chat and the side panel.

Every piece of article text, answer text, question and file name is escaped with html.escape
before any markup of ours is added: articles may carry hostile HTML.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from rag.answer import page_label
from rag.citations import MARKER, find_sentence, split_reply
from rag.retrieve import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Retrieval's stopwords, plus the reporting verbs that every news sentence shares.
_STOPWORDS = STOPWORDS | {"also", "said", "says", "according"}
# A sentence ends at . ! ? (then optional quotes/brackets) followed by space, or at a line break.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n+")


def e(text: object) -> str:
    return escape(str(text or ""), quote=True)


def source_id(turn: int, n: int) -> str:
    """The id of source [n] in the turn-th answer (ids stay unique across the chat)."""
    return f"src-{turn}-{n}"


def evidence_id(turn: int, n: int) -> str:
    """The id of passage [n] in the list shown while the turn-th answer is written."""
    return f"ev-{turn}-{n}"


def link_markers(escaped: str, turn: int, available: int, target=source_id) -> str:
    """[1] / [1, 2] in already escaped text -> links to the source blocks (`target` names them)."""

    def link(m: re.Match[str]) -> str:
        numbers = [int(p) for p in re.split(r"[,;]", m.group(1))]
        if not all(1 <= n <= available for n in numbers):
            return m.group(0)
        return "".join(f'<a class="cite" href="#{target(turn, n)}" title="Show source {n}">[{n}]</a>'
                       for n in numbers)

    return MARKER.sub(link, escaped)


def paragraphs(escaped: str) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in parts)


def user_html(question: str) -> str:
    return f'<div class="q">{e(question)}</div>'


def searched_html(standalone: str | None) -> str:
    return f'<div class="searched">Searched for: {e(standalone)}</div>' if standalone else ""


def pending_html(standalone: str | None, what: str = "Searching the articles…") -> str:
    return f'<div class="rag-reply">{searched_html(standalone)}<div class="pending">{e(what)}</div></div>'


def streaming_html(text: str, standalone: str | None, turn: int, available: int,
                   passages: list | None = None) -> str:
    """The answer as far as it is written, above the passages being read (`passages`): their
    [n], title, outlet, date and best sentence, on screen from the moment retrieval is done."""
    waiting = "Reading the passages…" if passages else "Writing the answer…"
    body = paragraphs(link_markers(e(text), turn, available, evidence_id if passages else source_id)) if (
        text.strip()) else f'<div class="pending">{waiting}</div>'
    return (f'<div class="rag-reply">{searched_html(standalone)}<div class="answer">{body}</div>'
            f'{evidence_html(passages, turn) if passages else ""}</div>')


def evidence_html(passages: list, turn: int, heading: bool = True) -> str:
    """The passages the model reads, each with its best sentence (rag.context.focus)."""
    items = []
    for n, p in enumerate(passages, start=1):
        best = " ".join((getattr(p, "best", "") or p.text).split())
        items.append(
            f'<div class="ev" id="{evidence_id(turn, n)}"><span class="src-n">[{n}]</span> '
            f'<span class="ev-title">{e(p.title or Path(p.path).name)}</span> '
            f'<span class="src-meta">{e(meta_line(p.outlet, p.date, p.date_inferred, ""))}</span>'
            f'<div class="ev-best">{e(best[:400])}{"…" if len(best) > 400 else ""}</div></div>')
    head = f"Reading {len(passages)} passage{'s' * (len(passages) != 1)}"
    head = f'<div class="sources-title">{e(head)}</div>' if heading else ""
    return f'<div class="evidence">{head}{"".join(items)}</div>'


def error_html(title: str, detail: str = "", standalone: str | None = None) -> str:
    more = f"<div>{e(detail)}</div>" if detail else ""
    return (f'<div class="rag-reply">{searched_html(standalone)}<div class="error"><b>{e(title)}</b>'
            f"{more}</div></div>")


def reply_html(answer: Any, standalone: str | None, turn: int, show_passages: bool = False) -> str:
    """The finished reply: the answer with linked markers, notes, cited sources with the
    supporting sentence highlighted, optionally every retrieved passage, and timings."""
    available = len(answer.passages)
    cls = "answer" if answer.answered else "answer unanswered"
    out = ['<div class="rag-reply">', searched_html(standalone),
           f'<div class="{cls}">{paragraphs(link_markers(e(answer.text), turn, available))}</div>']
    for note in answer.notes:
        out.append(f'<div class="note">{e(note)}</div>')
    if answer.citations:
        quotes = split_reply(answer.raw_reply)[0] if answer.raw_reply else []
        out.append('<div class="sources"><div class="sources-title">Sources</div>')
        for c in answer.citations:
            own = [q for hint, q in quotes if hint in (None, c.n)]
            out.append(source_html(c, answer.text, own, turn))
        out.append("</div>")
    if show_passages and answer.passages:
        out.append(passages_html(answer.passages, turn))
    elif answer.passages and getattr(answer, "route", "passages") == "passages":
        # What was read while the answer was written stays at hand, folded away.
        out.append(f'<details class="passages read"><summary>Read {len(answer.passages)} passages'
                   f"</summary>{evidence_html(answer.passages, turn, heading=False)}</details>")
    out.append(f'<div class="meta">{e(timing_line(answer))}</div></div>')
    return "".join(out)


def source_html(c: Any, answer_text: str, quotes: list[str], turn: int) -> str:
    title = e(c.title or Path(c.path).name)
    headline = " ".join((c.title or "").split())
    on_title = bool(headline) and headline in (" ".join(line.split()) for line in c.support.splitlines())
    if on_title:
        title = f"<mark>{title}</mark>"  # the answer rests on the headline
    if c.url and re.match(r"https?://", c.url):
        title = f'<a href="{e(c.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    meta = meta_line(c.outlet, c.date, c.date_inferred, c.path, getattr(c, "page", None))
    return (f'<div class="src" id="{source_id(turn, c.n)}">'
            f'<div class="src-head"><span class="src-n">[{c.n}]</span> {title}</div>'
            f'<div class="src-meta">{e(meta)}</div>'
            f'<blockquote class="src-text">{highlight(c.text, answer_text, quotes, c.support, not on_title)}'
            "</blockquote></div>")


def passages_html(passages: list, turn: int) -> str:
    items = []
    for n, p in enumerate(passages, start=1):
        meta = meta_line(p.outlet, p.date, p.date_inferred, p.path, getattr(p, "page", None))
        items.append(
            f'<div class="passage" id="passage-{turn}-{n}"><div class="src-head"><span class="src-n">'
            f"[{n}]</span> {e(p.title or Path(p.path).name)}</div>"
            f'<div class="src-meta">{e(meta)}'
            f" · score {p.score:.3f}</div>"
            f'<blockquote class="src-text">{e(p.text)}</blockquote></div>')
    return (f'<details class="passages" open><summary>All {len(passages)} retrieved passages</summary>'
            f'{"".join(items)}</details>')


def meta_line(outlet: str | None, date: str | None, inferred: bool, path: str,
              page: str | None = None) -> str:
    when = f"{date} (inferred)" if date and inferred else (date or "undated")
    where = Path(path.split("#")[0]).name + (f", {page_label(page)}" if page else "")
    return " · ".join(x for x in (outlet, when, where) if x)


def timing_line(answer: Any) -> str:
    t = answer.timings
    parts = [answer.model]
    if t.get("total_s"):
        parts.append(f"answered in {t['total_s']:.1f} s")
    if answer.period:
        parts.append(f"period {answer.period}")
    parts.append(f"{len(answer.passages)} passages retrieved")
    return " · ".join(p for p in parts if p)


def highlight(text: str, answer_text: str, quotes: list[str] | None = None, support: str = "",
              guess: bool = True) -> str:
    """The passage, escaped, with the part that supports the answer in <mark>: the exact
    sentences the citation rests on (`support`, one per line) where the passage has them,
    else (if `guess`) the sentence that shares the most words with the model's quote and the answer."""
    spans = support_spans(text, support) or (guess_span(text, answer_text, quotes) if guess else [])
    out, at = [], 0
    for start, end in spans:
        out += [e(text[at:start]), f"<mark>{e(text[start:end])}</mark>"]
        at = end
    return "".join(out) + e(text[at:])


def support_spans(text: str, support: str) -> list[tuple[int, int]]:
    """Where each line of `support` is in `text`, allowing other spacing and line breaks
    (the passage keeps the article's; the support sentence was joined onto one line)."""
    spans = sorted(span for line in support.splitlines() if (span := find_sentence(line, text)))
    # Overlapping sentences (a quote inside another) become one mark.
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def guess_span(text: str, answer_text: str, quotes: list[str] | None = None) -> list[tuple[int, int]]:
    """The sentence sharing the most words with the answer and (counted twice) the model's quote;
    none when no sentence shares at least two."""
    answer_words = _content_words(MARKER.sub(" ", answer_text))
    quote_words = set().union(*(_content_words(q) for q in quotes or [])) if quotes else set()
    best, best_score = [], 1.5
    for start, end in sentence_spans(text):
        words = _content_words(text[start:end])
        score = len(words & answer_words) + 2 * len(words & quote_words)
        if score > best_score:
            best, best_score = [(start, end)], score
    return best


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(0).rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and (len(w) > 2 or w.isdigit())}


def documents_html(docs: list[dict]) -> str:
    """The article list of the side panel: title, date (~ when inferred), outlet, duplicates."""
    if not docs:
        return '<div class="docs-empty">No articles indexed yet. Add some with the box below.</div>'
    by_source = {d["path"]: d for d in docs}
    duplicates = sum(1 for d in docs if d.get("duplicate_of"))
    head = f"{len(docs)} article{'s' * (len(docs) != 1)}"
    if duplicates:
        head += f" · {duplicates} duplicate{'s' * (duplicates != 1)}"
    items = []
    for d in sorted(docs, key=lambda d: (d.get("date") or "", d.get("title") or ""), reverse=True):
        date = (d.get("date") or "undated") + ("~" if d.get("date_inferred") else "")
        name = Path(d["path"].split("#")[0]).name
        meta = " · ".join(x for x in (date, d.get("outlet"), name) if x)
        dup = ""
        if d.get("duplicate_of"):
            original = by_source.get(d["duplicate_of"], {})
            target = Path(d["duplicate_of"].split("#")[0]).name
            label = f"{e(original.get('title') or target)} ({e(target)})"
            dup = f'<div class="doc-dup">duplicate of {label}</div>'
        note = e(d.get("date_note") or "")
        # An inferred date shows its evidence; an unknown one why the year is unknown.
        tip = (f' title="date inferred from the text: {note}"' if d.get("date_inferred")
               else f' title="{note}"' if note and not d.get("date") else "")
        items.append(f'<li class="doc{" is-dup" if dup else ""}"><div class="doc-title">'
                     f'{e(d.get("title") or name)}</div><div class="doc-meta"{tip}>{e(meta)}</div>{dup}</li>')
    return (f'<div class="docs-head">{e(head)} <span class="hint">(~ = date inferred)</span></div>'
            f'<ul class="docs">{"".join(items)}</ul>')


def article_html(a: dict | None) -> str:
    """One article as the indexer read it (the record of `rag show`): its metadata, where its
    date comes from, and the body text that is chunked."""
    if not a:
        return ""
    date = a.get("date") or "none found"
    if a.get("date"):
        date += f" ({a.get('date_source')}: {a.get('date_note')})" if a.get("date_note") else ""
    rows = [("Title", a.get("title")), ("Date", date), ("Outlet", a.get("outlet")),
            ("Author", a.get("author")), ("Pages", a.get("pages")), ("Duplicate of", a.get("duplicate_of")),
            ("Note", a.get("note")), ("File", a.get("path"))]
    meta = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v)
    return (f'<div class="article-view"><table class="article-meta">{meta}</table>'
            f'<div class="article-text">{e(a.get("text") or "")}</div></div>')


def upload_report_html(saved: list, report: Any | None, error: str = "") -> str:
    lines = []
    for s in saved:
        if s.status == "refused":
            lines.append(f'<li class="bad">{e(s.name)}: not added, {e(s.reason)}</li>')
        elif s.status == "unchanged":
            lines.append(f"<li>{e(s.name)}: already in the corpus</li>")
        else:
            renamed = f" (saved as {e(s.path.name)})" if s.path and s.path.name != s.name else ""
            lines.append(f'<li class="good">{e(s.name)}: added{renamed}</li>')
    if report is not None:
        for sk in report.skipped:
            lines.append(f'<li class="bad">{e(Path(sk["path"]).name)}: skipped, {e(sk["reason"])}</li>')
        c = report.changes
        lines.append(f"<li>Index: {len(report.documents)} articles, {report.chunks} chunks "
                     f"(added {c.get('added', 0)}, updated {c.get('updated', 0)}; "
                     f"{report.seconds:.1f} s)</li>")
    if error:
        lines.append(f'<li class="bad">{e(error)}</li>')
    return f'<ul class="upload-report">{"".join(lines)}</ul>'
