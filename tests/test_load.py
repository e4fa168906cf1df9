"""Unit tests for index/load.py: files on disk -> RawDocument / Skipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import write as _write

from index.load import RawDocument, Skipped, decode, html_to_text, iter_files, load_file, markdown_to_text


def _load_one(path: Path) -> RawDocument:
    docs, skipped = load_file(path)
    assert skipped == [], skipped
    assert len(docs) == 1
    return docs[0]


# --------------------------------------------------------------------------- plain text


def test_txt_file_loads_verbatim_with_path_as_source(tmp_path):
    text = "Rebels attacked a base in Valle.\n\nFive soldiers died."
    path = _write(tmp_path / "story.txt", text)
    doc = _load_one(path)
    assert doc.source == str(path)
    assert doc.path == str(path)
    assert doc.text == text
    assert doc.fields == {}


def test_utf8_bom_is_stripped(tmp_path):
    path = _write(tmp_path / "bom.txt", "\ufeffBody with a BOM.".encode())
    assert _load_one(path).text == "Body with a BOM."


def test_latin1_bytes_are_decoded(tmp_path):
    path = _write(tmp_path / "old.txt", "Café in Mazán: señor Núñez said «no».".encode("latin-1"))
    assert _load_one(path).text == "Café in Mazán: señor Núñez said «no»."


def test_windows_1252_smart_quotes_are_decoded(tmp_path):
    path = _write(tmp_path / "quotes.txt", b"He said \x93it is over\x94 \x96 then left.")
    assert _load_one(path).text == "He said \u201cit is over\u201d \u2013 then left."


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  "])
def test_empty_or_blank_file_is_skipped(tmp_path, content):
    path = _write(tmp_path / "empty.txt", content)
    docs, skipped = load_file(path)
    assert docs == []
    assert skipped == [Skipped(str(path), "empty file")]


def test_binary_file_with_nul_bytes_is_skipped(tmp_path):
    path = _write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    docs, skipped = load_file(path)
    assert docs == []
    assert len(skipped) == 1
    assert skipped[0].path == str(path)
    assert "binary" in skipped[0].reason


def test_unsupported_suffix_is_reported(tmp_path):
    path = _write(tmp_path / "table.csv", "a,b\n1,2\n")
    docs, skipped = load_file(path)
    assert docs == []
    assert skipped == [Skipped(str(path), "unsupported file type '.csv'")]


def test_unreadable_missing_file_is_reported_not_raised(tmp_path):
    docs, skipped = load_file(tmp_path / "gone.txt")
    assert docs == []
    assert len(skipped) == 1 and skipped[0].reason.startswith("cannot read")


def test_decode_rejects_control_garbage():
    text, problem = decode(b"\x81" + bytes(range(1, 9)) * 20)  # not UTF-8, mostly control codes
    assert text == ""
    assert problem == "not text: neither UTF-8 nor Latin-1"


# --------------------------------------------------------------------------- sidecar metadata


def test_sidecar_json_metadata_is_attached(tmp_path):
    path = _write(tmp_path / "story.txt", "Body of the story.")
    _write(
        tmp_path / "story.json",
        json.dumps({"title": "Clash in Valle", "date": "2023-02-11", "author": "Ana Ruiz",
                    "outlet": "Valle Daily", "url": "https://example.org/a", "views": 12, "tags": ["x"]}),
    )
    doc = _load_one(path)
    assert doc.fields == {
        "title": "Clash in Valle", "date": "2023-02-11", "author": "Ana Ruiz",
        "outlet": "Valle Daily", "url": "https://example.org/a",
    }


def test_sidecar_meta_json_variant_is_read(tmp_path):
    path = _write(tmp_path / "story.txt", "Body of the story.")
    _write(tmp_path / "story.txt.meta.json", json.dumps({"outlet": "Valle Daily"}))
    assert _load_one(path).fields == {"outlet": "Valle Daily"}


def test_sidecar_overrides_fields_found_in_the_file(tmp_path):
    path = _write(tmp_path / "story.md", "---\ntitle: From front matter\n---\nBody text here.\n")
    _write(tmp_path / "story.json", json.dumps({"title": "From sidecar"}))
    assert _load_one(path).fields["title"] == "From sidecar"


def test_broken_sidecar_is_ignored(tmp_path):
    path = _write(tmp_path / "story.txt", "Body of the story.")
    _write(tmp_path / "story.json", "{not json")
    doc = _load_one(path)
    assert doc.text == "Body of the story."
    assert doc.fields == {}


# --------------------------------------------------------------------------- markdown


def test_markdown_front_matter_and_heading(tmp_path):
    md = (
        "---\n"
        "date: 2023-02-11T10:00:00Z\n"
        "author: \"Ana Ruiz\"\n"
        "outlet: 'Valle Daily'\n"
        "layout: post\n"
        "---\n"
        "# Six killed in Valle clash\n"
        "\n"
        "Rebels **attacked** a [military base](https://example.org/base) on `Monday`.\n"
    )
    doc = _load_one(_write(tmp_path / "story.md", md))
    assert doc.fields == {
        "date": "2023-02-11T10:00:00Z",
        "author": "Ana Ruiz",
        "outlet": "Valle Daily",
        "title": "Six killed in Valle clash",
    }
    assert doc.text.startswith("Six killed in Valle clash\n")
    assert "Rebels attacked a military base on Monday." in doc.text
    assert "---" not in doc.text and "layout" not in doc.text and "https://" not in doc.text


def test_markdown_front_matter_title_wins_over_heading():
    text, fields = markdown_to_text("---\ntitle: Stated title\n---\n# Heading title\nBody.\n")
    assert fields["title"] == "Stated title"
    assert text.splitlines()[0] == "Heading title"


def test_markdown_first_heading_is_title():
    _, fields = markdown_to_text("Intro line.\n## First heading\n# Second heading\n")
    assert fields == {"title": "First heading"}


# --------------------------------------------------------------------------- html

# A page as news sites serve it: trafilatura needs an article of some length to tell it from the
# furniture around it (a page of two short lines is all text to it).
BODY = "".join(f"<p>Paragraph {i} says the valley council met again and the army sent   more\ntroops to "
               "guard the road, residents said on Monday.</p>" for i in range(5))
PAGE = f"""<!doctype html>
<html><head>
<title>Six killed in Valle | Valle Daily</title>
<meta property="article:published_time" content="2023-02-11T10:00:00-05:00">
<meta property="og:site_name" content="Valle Daily">
<meta name="author" content="Ana Ruiz">
<link rel="canonical" href="https://valle.example/six-killed">
<style>.x {{ color: red }}</style>
<script>var tracking = "SCRIPTCODE";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">NAVLINK World</a></nav>
<div class="promo">PROMO Subscribe to our newsletter</div>
<article>
<h1>Six killed in <em>Valle</em></h1>
<p>Rebels attacked a base &amp; killed six soldiers.</p>
<script>console.log("INLINESCRIPT")</script>
{BODY}
</article>
<footer>FOOTERTEXT Copyright</footer>
</body></html>"""


def test_html_page_text_is_the_article_without_furniture(tmp_path):
    doc = _load_one(_write(tmp_path / "page.html", PAGE))
    assert doc.text.startswith("Six killed in Valle\nRebels attacked a base & killed six soldiers.\n")
    assert "the army sent more troops" in doc.text, "a source line break inside a paragraph is a space"
    assert doc.text.count("Paragraph ") == 5
    for junk in ("SCRIPTCODE", "INLINESCRIPT", "color: red", "NAVLINK", "FOOTERTEXT", "PROMO"):
        assert junk not in doc.text


def test_html_metadata_fields(tmp_path):
    doc = _load_one(_write(tmp_path / "page.htm", PAGE))
    assert doc.fields == {
        "date": "2023-02-11",
        "outlet": "Valle Daily",
        "author": "Ana Ruiz",
        "url": "https://valle.example/six-killed",
        "title": "Six killed in Valle",
    }


def test_html_without_article_element_drops_menu_footer_and_script():
    html = ("<html><head><title>Page title</title><style>p{}</style></head><body>"
            f"<nav>MENU ITEMS</nav>{BODY}<script>x=1</script><footer>FOOT</footer></body></html>")
    text, fields = html_to_text(html)
    assert text.count("Paragraph ") == 5
    assert "MENU" not in text and "FOOT" not in text and "x=1" not in text
    assert fields == {"title": "Page title"}


def test_html_time_element_gives_the_date():
    _, fields = html_to_text(f'<html><body><p>Posted <time datetime="2020-09-04">4 Sep</time></p>{BODY}'
                             "</body></html>")
    assert fields["date"] == "2020-09-04"


def test_html_meta_date_takes_precedence_over_a_time_element():
    html = (f'<html><head><meta property="article:published_time" content="2021-05-25"></head><body>'
            f'<p><time datetime="2020-01-01">then</time> body</p>{BODY}</body></html>')
    assert html_to_text(html)[1]["date"] == "2021-05-25"


def test_html_page_without_main_text_falls_back_to_its_visible_text_and_says_so(tmp_path):
    # Too little text for trafilatura, and an unclosed menu that swallows the rest of the page.
    page = ("<html><body><nav><a href=/>Home</a> <ul><li>World<p>The army sent   more\ntroops to "
            "the valley.</p><script>x()</script><p>Two <b>soldiers</b> died.</p></body></html>")
    doc = _load_one(_write(tmp_path / "short.html", page))
    assert doc.text == "Home\nWorld\nThe army sent more troops to the valley.\nTwo soldiers died."
    assert "visible text" in doc.fields["note"]


def test_html_page_with_no_visible_text_is_skipped(tmp_path):
    path = _write(tmp_path / "empty.html", "<html><script>x()</script><style>p{}</style><!-- c --></html>")
    docs, skipped = load_file(path)
    assert docs == []
    assert skipped == [Skipped(str(path), "empty: no article text")]


# --------------------------------------------------------------------------- jsonl


def test_jsonl_lines_become_documents_and_broken_line_is_reported(tmp_path):
    lines = [
        json.dumps({"text": "First story body.", "title": "First", "date": "2023-02-11", "extra": "x"}),
        "",
        "{this is not json",
        json.dumps({"title": "No text here"}),
        json.dumps({"text": "Second story body.", "outlet": "Valle Daily"}),
    ]
    path = _write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    docs, skipped = load_file(path)

    assert [d.source for d in docs] == [f"{path}#L1", f"{path}#L5"]
    assert all(d.path == str(path) for d in docs)
    assert docs[0].text == "First story body."
    assert docs[0].fields == {"title": "First", "date": "2023-02-11"}
    assert docs[1].fields == {"outlet": "Valle Daily"}

    assert [s.path for s in skipped] == [f"{path}#L3", f"{path}#L4"]
    assert skipped[0].reason.startswith("invalid JSON on line 3")
    assert skipped[1].reason == "line 4 has no 'text' field"


def test_jsonl_non_object_line_is_reported(tmp_path):
    path = _write(tmp_path / "feed.jsonl", '["a list"]\n{"text": "ok"}\n')
    docs, skipped = load_file(path)
    assert [d.source for d in docs] == [f"{path}#L2"]
    assert skipped == [Skipped(f"{path}#L1", "line 1 has no 'text' field")]


def test_jsonl_with_only_blank_lines_is_reported_empty(tmp_path):
    path = _write(tmp_path / "feed.jsonl", "\n \n")
    docs, skipped = load_file(path)
    assert docs == []
    # whitespace-only bytes are caught by decode() before the JSONL parser runs
    assert skipped == [Skipped(str(path), "empty file")]


def test_jsonl_record_with_raw_line_separator_in_text_loads(tmp_path):
    line = json.dumps({"text": "First paragraph.\u2028Second paragraph."}, ensure_ascii=False)
    path = _write(tmp_path / "feed.jsonl", line + "\n")
    docs, skipped = load_file(path)
    assert skipped == []
    assert [d.text for d in docs] == ["First paragraph.\u2028Second paragraph."]


# --------------------------------------------------------------------------- iter_files


def test_iter_files_walks_nested_folders_sorted_and_skips_hidden_and_non_articles(tmp_path):
    _write(tmp_path / "b.txt", "b")
    _write(tmp_path / "a.md", "a")
    _write(tmp_path / "sub" / "deeper" / "c.html", "<p>c</p>")
    _write(tmp_path / "sub" / "d.jsonl", '{"text": "d"}')
    _write(tmp_path / "sub" / "d.json", "{}")  # sidecar, not an article
    _write(tmp_path / "sub" / "photo.png", b"\x89PNG")
    _write(tmp_path / ".hidden.txt", "hidden")
    _write(tmp_path / ".git" / "notes.txt", "hidden dir")
    _write(tmp_path / "sub" / ".cache" / "e.txt", "hidden dir")
    _write(tmp_path / "README.md", "not an article")
    _write(tmp_path / "~$memo.docx", b"\x05Word lock file")

    found = list(iter_files([tmp_path]))
    assert found == [
        tmp_path / "a.md",
        tmp_path / "b.txt",
        tmp_path / "sub" / "d.jsonl",
        tmp_path / "sub" / "deeper" / "c.html",
    ]


def test_iter_files_reports_missing_root(tmp_path):
    missing = tmp_path / "nope"
    assert list(iter_files([missing])) == [Skipped(str(missing), "no such file or folder")]


def test_iter_files_yields_an_explicit_file_once(tmp_path):
    path = _write(tmp_path / "one.txt", "x")
    assert list(iter_files([path, path, tmp_path])) == [path]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_iter_files_symlink_loop_terminates_and_symlinked_file_is_yielded_once(tmp_path):
    _write(tmp_path / "a" / "one.txt", "one")
    _write(tmp_path / "a" / "b" / "two.txt", "two")
    try:
        os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "loop")  # a/b/loop -> a
        os.symlink(tmp_path / "a" / "one.txt", tmp_path / "alias.txt")
    except OSError as e:  # pragma: no cover - e.g. unprivileged Windows
        pytest.skip(f"cannot create symlinks: {e}")

    found = []
    for item in iter_files([tmp_path]):
        found.append(item)
        assert len(found) < 50, "iter_files does not terminate on a symlink loop"
    real = sorted(os.path.realpath(p) for p in found)
    assert real == sorted(
        os.path.realpath(p) for p in (tmp_path / "a" / "one.txt", tmp_path / "a" / "b" / "two.txt")
    )
