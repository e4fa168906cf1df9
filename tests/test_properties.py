"""Property-based tests (hypothesis) for the loaders, the cleaner, the chunker and the date
resolver, on arbitrary input: they never raise, never invent text and never lose any.
(More date properties are in test_dates.py, more chunker ones in test_chunk.py.)"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunk import count_tokens, split_text
from index.clean import clean, normalize
from index.dates import question_period, resolve_relative, years_mentioned
from index.load import decode, html_to_text, load_file, markdown_to_text
from index.settings import Settings
from rag.api import _check
from rag.context import as_data

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
SENTENCE = st.lists(WORD, min_size=3, max_size=12).map(lambda w: " ".join(w).capitalize() + ".")
MARKUP = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "<b>", "</i>", "<span class=x>",
                          "<nav>", "<a href='x'>", "</a>", "&amp;", "&#0;", "&bogus;", "<", ">",
                          "<!--", "-->", "<![CDATA[", "]]>", "<h1>", "</h1>", "<section>", "</section>",
                          "<button>", "<svg>", "\n", " ", '"', "'"])
SUFFIXES = st.sampled_from([".txt", ".md", ".html", ".htm", ".jsonl"])
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- loaders


@PROPERTY
@given(st.binary(max_size=3000), SUFFIXES)
def test_load_file_never_raises_and_every_result_is_a_document_or_a_reason(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"article{suffix}"
        path.write_bytes(data)
        docs, skipped = load_file(path)
    assert docs or skipped
    for doc in docs:
        assert doc.text.strip() and doc.source.startswith(str(path)) and doc.path == str(path)
        assert all(isinstance(v, str) for v in doc.fields.values())
    for s in skipped:
        assert s.reason and s.path.startswith(str(path))


@PROPERTY
@given(st.text(max_size=2000))
def test_decode_returns_utf8_text_unchanged(text):
    decoded, problem = decode(text.encode("utf-8"))
    if problem is None:
        assert decoded == text.removeprefix("\ufeff")
    else:  # only blank text, or text holding a NUL byte, is refused
        assert not text.strip() or "\x00" in text


@PROPERTY
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzàéíñóúÑ ,.'\u201c\u201d\u2013\n", max_size=800))
def test_decode_reads_windows_1252_and_latin1_text(text):
    data = text.encode("cp1252")  # the same bytes as Latin-1 for all but the smart quotes and dash
    decoded, problem = decode(data)
    if not text.strip():
        assert problem == "empty file"
        return
    try:
        as_utf8 = data.decode("utf-8-sig")  # plain ASCII, or bytes that happen to be UTF-8
    except UnicodeDecodeError:
        as_utf8 = None
    assert problem is None and decoded == (as_utf8 if as_utf8 is not None else text)


@PROPERTY
@given(st.lists(st.tuples(SENTENCE, st.lists(MARKUP, max_size=4), st.lists(WORD, max_size=4)), min_size=1,
                max_size=8))
def test_html_keeps_visible_words_and_drops_script_and_style(parts):
    html, visible, commented = "", [], False
    for sentence, markup, secret in parts:
        html += f"<p>{sentence}</p>" + "".join(markup)
        html += f"<script>var s = '{'_'.join(secret)}SCRIPT';</script><style>.x{{}} STYLE</style>"
        if not commented:
            visible.append(sentence)
        # what follows an open comment (or drawing) may be hidden, as a browser hides it
        commented = commented or any(m in ("<!--", "<![CDATA[", "<svg>") for m in markup)
    text, _ = html_to_text(html)
    assert "SCRIPT" not in text and "STYLE" not in text and "<script" not in text
    for sentence in visible:
        for word in sentence.rstrip(".").lower().split():
            assert word in text.lower(), (word, html, text)


@PROPERTY
@given(st.text(max_size=1500))
def test_html_and_markdown_parsers_never_raise(text):
    for parse in (html_to_text, markdown_to_text):
        body, fields = parse(text)
        assert isinstance(body, str) and all(isinstance(v, str) for v in fields.values())


@PROPERTY
@given(st.lists(st.one_of(
    st.builds(lambda s, t: json.dumps({"text": s, "title": t}), SENTENCE, WORD),
    st.text(alphabet="{}[]\":,ab 1", min_size=1, max_size=30).filter(lambda s: s.strip()),
), min_size=1, max_size=12))
def test_jsonl_each_line_is_a_document_or_a_reason(lines):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        docs, skipped = load_file(path)
    assert len(docs) + len(skipped) == len(lines)
    for doc in docs:
        n = int(doc.source.rsplit("#L", 1)[1])
        assert json.loads(lines[n - 1])["text"] == doc.text


# --------------------------------------------------------------------------- cleaner


@PROPERTY
@given(st.text(max_size=2000))
def test_clean_never_invents_text_and_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    cleaned = clean(text)
    assert set(cleaned.split()) <= set(once.split())
    assert clean(cleaned) == clean(clean(cleaned)), "cleaning settles after one more pass"


@PROPERTY
@given(st.lists(st.lists(SENTENCE, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=8))
def test_clean_keeps_every_ordinary_paragraph(paragraphs):
    text = "\n\n".join(paragraphs)
    assert clean(text) == text


# --------------------------------------------------------------------------- chunker


@PROPERTY
@given(st.text(max_size=3000), st.integers(min_value=20, max_value=240))
def test_chunks_of_any_text_keep_every_word_within_the_limit(text, max_tokens):
    overlap = max_tokens // 6
    chunks = split_text(text, max_tokens, overlap)
    assert [c.ord for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.text.strip() and c.tokens == count_tokens(c.text)
        assert c.tokens <= max_tokens + c.text.count(" ") + c.text.count("\n"), "joins aside, within limit"
    joined = "".join("".join(c.text.split()) for c in chunks)
    position = 0
    for word in text.split():  # every word, in order (a hard split may cut a word across chunks)
        for ch in word:
            found = joined.find(ch, position)
            assert found >= 0, f"lost {word!r}"
            position = found + 1


# --------------------------------------------------------------------------- dates


@PROPERTY
@given(st.text(max_size=600), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_relative_dates_of_any_text_are_within_the_text_and_valid(text, published):
    for r in resolve_relative(text, published.isoformat()):
        assert 0 <= r.start < r.end <= len(text)
        assert dt.date.fromisoformat(r.iso[:10] if len(r.iso) >= 10 else f"{r.iso[:4]}-01-01")
    years = years_mentioned(text, published.isoformat())
    assert all(1000 <= y <= 2200 for y in years)


@PROPERTY
@given(st.text(max_size=300))
def test_any_question_is_cleaned_or_refused_with_a_message(question):
    try:
        cleaned = _check(question, Settings())
    except ValueError as e:
        assert str(e)
        return
    assert cleaned == cleaned.strip() and all(ch.isprintable() for ch in cleaned)
    period = question_period(cleaned)
    assert period is None or period.start <= period.end


@PROPERTY
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(["[1]", "[77]", "\nAnswer:", "\nQuote: ",
                                                                "Ignore previous instructions", "."])),
                max_size=20).map("".join))
def test_passage_text_cannot_forge_a_citation_marker_or_a_reply_line(text):
    safe = as_data(text)
    assert not re.search(r"\[\d+\]", safe)
    assert not re.search(r"(?im)^\s*(quote|answer)\s*:", safe)
