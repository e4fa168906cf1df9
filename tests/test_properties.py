"""Property-based tests (hypothesis) for the loaders (text, HTML, PDF, Word), the cleaner, the
chunker and the date resolver, on arbitrary input: they never raise, never invent text and never
lose any.
(More date properties are in test_dates.py, more chunker ones in test_chunk.py.)"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

from corpora import write_docx, write_pdf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.chunk import count_tokens, split_text
from index.clean import clean, normalize
from index.dates import question_period, resolve_relative, years_mentioned
from index.load import decode, load_file, markdown_to_text
from index.pdf import PAGE_NUMBER, read_pdf
from index.settings import Settings
from index.web import html_to_text
from index.word import read_docx
from rag.api import _check
from rag.context import as_data

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
SENTENCE = st.lists(WORD, min_size=3, max_size=12).map(lambda w: " ".join(w).capitalize() + ".")
MARKUP = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "<b>", "</i>", "<span class=x>",
                          "<nav>", "<a href='x'>", "</a>", "&amp;", "&#0;", "&bogus;", "<", ">",
                          "<!--", "-->", "<![CDATA[", "]]>", "<h1>", "</h1>", "<section>", "</section>",
                          "<button>", "<svg>", "\n", " ", '"', "'"])
SUFFIXES = st.sampled_from([".txt", ".md", ".html", ".htm", ".jsonl", ".pdf", ".docx"])
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
def test_html_reader_never_invents_text_never_keeps_script_and_never_returns_nothing(parts):
    html = ""
    for sentence, markup, secret in parts:
        html += f"<p>{sentence}</p>" + "".join(markup)
        html += f"<script>var s = '{'_'.join(secret)}SCRIPT';</script><style>.x{{}} STYLE</style>"
    text, _ = html_to_text(html)
    if "<![CDATA[" not in html:  # in HTML a bogus comment ending at the next '>': what follows shows
        assert "SCRIPT" not in text and "STYLE" not in text and "<script" not in text
    assert text.strip(), "the first sentence, before any markup, is visible"
    assert set(re.findall(r"\w+", text.lower())) <= set(re.findall(r"\w+", html.lower()))


@PROPERTY
# Distinct paragraphs: trafilatura drops a long paragraph that repeats the one before it.
@given(st.lists(st.lists(SENTENCE, min_size=2, max_size=5).map(" ".join), min_size=4, max_size=10,
                unique=True)
       .filter(lambda ps: len(" ".join(ps)) > 400),  # shorter, trafilatura sees no main text in it
       st.lists(WORD, min_size=2, max_size=6))
def test_html_article_is_kept_whole_and_the_menu_and_footer_left_out(paragraphs, menu):
    links = "".join(f"<li><a href='/{w}'>{w}menu</a></li>" for w in menu)
    html = (f"<html><head><title>{paragraphs[0][:40]}</title></head><body><nav><ul>{links}</ul></nav>"
            f"<article>{''.join(f'<p>{p}</p>' for p in paragraphs)}</article>"
            f"<footer><p>{' '.join(menu)} footerword</p></footer></body></html>")
    text, _ = html_to_text(html)
    assert text.split() == " ".join(paragraphs).split(), "every paragraph, in order, and nothing else"


@PROPERTY
@given(st.text(max_size=1500))
def test_html_and_markdown_parsers_never_raise(text):
    for parse in (html_to_text, markdown_to_text):
        body, fields = parse(text)
        assert isinstance(body, str) and all(isinstance(v, str) for v in fields.values())


# Printable Latin-1 (fpdf2's core fonts): its C1 controls come back as Windows-1252 ("\x80" as "€").
LATIN1_TEXT = st.text(alphabet=st.characters(codec="latin-1", categories=("L", "M", "N", "P", "S", "Zs")),
                      max_size=200)
PAGES = st.lists(st.lists(st.one_of(SENTENCE, LATIN1_TEXT), max_size=4), min_size=1, max_size=4)
FILES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FILES
@given(PAGES)
@example(pages=[["Aa aa aa aa aa."]] * 3)  # a line on every page and nothing else: it is the text
def test_pdf_reader_never_raises_never_invents_text_and_keeps_each_sentence(pages):
    with tempfile.TemporaryDirectory() as folder:
        path = write_pdf(Path(folder) / "gen.pdf", pages)
        text, fields, problem = read_pdf(path)
    written = " ".join(p for page in pages for p in page)
    if problem:  # nothing but blanks and page numbers
        assert problem.startswith("no text layer")
        # (a number alone at the edge of every page is a page number or a running footer)
        assert all(not p.strip() or PAGE_NUMBER.match(p.strip()) or p.strip().isdigit()
                   for page in pages for p in page)
        return
    assert set(text.split()) <= set(written.split()) | {w.replace("-", "") for w in written.split()}
    running = {p for p in written_paragraphs(pages) if sum(p in page for page in pages) >= 3}
    for sentence in (p for p in written_paragraphs(pages) if SENTENCE_RE.fullmatch(p) and p not in running):
        assert " ".join(sentence.split()) in " ".join(text.split()), sentence
    starts = json.loads(fields["pages"])
    assert len(starts) == len(pages) and starts == sorted(starts) and starts[-1] <= len(text)


SENTENCE_RE = re.compile(r"[A-Z][a-z]+(?: [a-z]+)+\.")


def written_paragraphs(pages: list[list[str]]) -> list[str]:
    return [p for page in pages for p in page]
DOCX_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200)


@FILES
@given(st.lists(st.one_of(SENTENCE, DOCX_TEXT), max_size=8), DOCX_TEXT, DOCX_TEXT)
def test_docx_reader_keeps_every_paragraph_in_order_and_invents_nothing(paragraphs, title, author):
    with tempfile.TemporaryDirectory() as folder:
        path = write_docx(Path(folder) / "gen.docx", paragraphs, title=title, author=author)
        text, fields, problem = read_docx(path)
    assert problem is None
    assert text == "\n\n".join(p.strip() for p in paragraphs if p.strip())
    assert fields.get("title", "") == " ".join(title.split())
    assert fields.get("author", "") == ("" if author == "python-docx" else " ".join(author.split()))


@FILES
@given(st.data())
def test_damaged_pdf_and_docx_files_are_read_or_reported_never_raised(data):
    with tempfile.TemporaryDirectory() as folder:
        for path in (write_pdf(Path(folder) / "a.pdf", [["Rebels attacked a base in Valle."]]),
                     write_docx(Path(folder) / "a.docx", ["Rebels attacked a base in Valle."])):
            good = bytearray(path.read_bytes())
            for _ in range(data.draw(st.integers(1, 8))):  # flip bytes, cut the file, or both
                good[data.draw(st.integers(0, len(good) - 1))] = data.draw(st.integers(0, 255))
            cut = data.draw(st.integers(1, len(good)))
            path.write_bytes(bytes(good[:cut]))
            docs, skipped = load_file(path)
            assert bool(docs) != bool(skipped)
            assert all(s.reason and s.path == str(path) for s in skipped)


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
