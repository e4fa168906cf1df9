"""The web app: follow-up rewriting, upload file names, HTML escaping (fast), and one end-to-end
browser test (slow: real models, headless chromium driven by Playwright)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from corpora import write_pdf
from helpers import missing

from index.settings import Settings
from rag.answer import Citation
from ui import render
from ui.files import MAX_UPLOAD_BYTES, safe_filename, save_upload
from ui.followup import rewrite

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "docs" / "screenshot.png"

SOLDIERS = "how many soldiers died in 2023?"


# --- follow-up questions -------------------------------------------------------------------------

@pytest.mark.parametrize(("follow_up", "previous", "expected"), [
    ("and in 2020?", SOLDIERS, "how many soldiers died in 2020?"),
    ("And in 2020?", "How many soldiers died in 2023?", "How many soldiers died in 2020?"),
    ("and 2020?", SOLDIERS, "how many soldiers died in 2020?"),
    ("2020?", SOLDIERS, "how many soldiers died in 2020?"),
    ("In 2020?", SOLDIERS, "how many soldiers died in 2020?"),
    ("what about between 2012 and 2015?", SOLDIERS, "how many soldiers died between 2012 and 2015?"),
    ("how about since 2015?", SOLDIERS, "how many soldiers died since 2015?"),
    ("and 2019?", "How many people were killed since 2020?", "How many people were killed since 2019?"),
    ("and in May 2021?", "What happened in Putis in February 2023?", "What happened in Putis in May 2021?"),
    ("and in the 1990s?", SOLDIERS, "how many soldiers died in the 1990s?"),
    ("and in 2012?", "Who leads the Shining Path?", "Who leads the Shining Path in 2012?"),
    # places
    ("and in Colombia?", SOLDIERS, "how many soldiers died in Colombia in 2023?"),
    ("what about Colombia?", SOLDIERS, "how many soldiers died in Colombia in 2023?"),
    ("and in Ayacucho?", "How many soldiers died in Putis in 2023?",
     "How many soldiers died in Ayacucho in 2023?"),
    ("and in Colombia in 2020?", SOLDIERS, "how many soldiers died in Colombia in 2020?"),
    # noun phrases
    ("what about rebels?", SOLDIERS, "how many rebels died in 2023?"),
    ("and the police officers in 2020?", SOLDIERS, "how many police officers died in 2020?"),
    ("and Comrade José?", "Who is Comrade Artemio?", "Who is Comrade José?"),
    ("what about the army?", "what happened in Putis?", "what happened in Putis, regarding the army?"),
])
def test_follow_up_is_rewritten(follow_up: str, previous: str, expected: str) -> None:
    assert rewrite(follow_up, previous) == expected


@pytest.mark.parametrize(("question", "previous"), [
    ("Who is Comrade Artemio?", SOLDIERS),  # a question of its own
    ("and who killed them?", SOLDIERS),  # carries a question word: left alone
    ("In what year did the attack happen?", SOLDIERS),
    ("what about the long history of the conflict in the region and its many causes?", SOLDIERS),
    ("hello", SOLDIERS),
    ("and in 2020?", None),  # nothing to follow
    ("and in 2020?", ""),
])
def test_not_a_follow_up_is_unchanged(question: str, previous: str | None) -> None:
    assert rewrite(question, previous) == question


def test_rewrite_normalises_spaces() -> None:
    expected = "how many soldiers died in 2020?"
    assert rewrite("  and   in 2020 ? ", "how  many soldiers died in 2023?") == expected


# --- upload file names ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\Windows\\evil.md", "evil.md"),
    ("/abs/path/article.html", "article.html"),
    ("Perú: ataque (2023).HTML", "Peru_ataque_2023.html"),
    (".hidden.txt", "hidden.txt"),
    ("..txt", "upload.txt"),
    ("<script>alert(1)</script>.htm", "script.htm"),  # "/" ends a folder name
    ("<b>alert(1) x.htm", "b_alert_1_x.htm"),
    ("文章.txt", "upload.txt"),
    ("rep  ort__--final..v2.txt", "rep_ort_final.v2.txt"),
    ("", "upload"),
])
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_is_short_and_plain() -> None:
    name = safe_filename("x" * 500 + ".jsonl")
    assert name.endswith(".jsonl") and len(name) <= 120
    for hostile in ["a/../../b.txt", "~/.ssh/id_rsa.txt", "C:\\x\\y.txt", "a\x00b.txt", "\n.txt"]:
        safe = safe_filename(hostile)
        assert "/" not in safe and "\\" not in safe and not safe.startswith(".") and ".." not in safe


def test_save_upload_never_leaves_the_folder_nor_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    a = tmp_path / "in" / "a.txt"
    a.parent.mkdir()
    a.write_text("first article")
    saved = save_upload(a, folder, "../../outside.txt")
    assert saved.status == "added" and saved.path == (folder / "outside.txt").resolve()
    assert not (tmp_path / "outside.txt").exists()
    assert save_upload(a, folder, "outside.txt").status == "unchanged"  # same content again
    b = tmp_path / "in" / "b.txt"
    b.write_text("a different article")
    other = save_upload(b, folder, "outside.txt")
    assert other.status == "renamed" and other.path.name == "outside-2.txt"
    assert (folder / "outside.txt").read_text() == "first article"


def test_save_upload_refuses_other_files(tmp_path: Path) -> None:
    src = tmp_path / "x.exe"
    src.write_bytes(b"MZ")
    assert save_upload(src, tmp_path / "c").status == "refused"
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_UPLOAD_BYTES + 1)
    refused = save_upload(big, tmp_path / "c")
    assert refused.status == "refused" and "limit" in refused.reason


def test_save_upload_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    target = tmp_path / "secret.txt"
    target.write_text("keep me")
    (folder / "a.txt").symlink_to(target)
    src = tmp_path / "up.txt"
    src.write_text("upload")
    saved = save_upload(src, folder, "a.txt")
    assert saved.path.name == "a-2.txt" and target.read_text() == "keep me"


# --- HTML: escaping, citation links, highlighting -------------------------------------------------

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>\nFour soldiers died on Monday. Rain.'


def _answer(text: str, passage_text: str) -> SimpleNamespace:
    c = Citation(1, "/c/<b>a.txt", "<i>Title</i>", "2023", True, "Out<let>", "javascript:alert(1)",
                 passage_text, 0.5)
    passage = SimpleNamespace(title=c.title, path=c.path, outlet=c.outlet, date=c.date, date_inferred=True,
                              text=passage_text, score=0.5)
    return SimpleNamespace(text=text, passages=[passage], citations=[c], notes=["<b>note</b>"],
                           answered=True, raw_reply=f"Quote: [1] Four soldiers died\nAnswer: {text}",
                           timings={"total_s": 1.0}, model="m<odel>", period="2023")


def test_reply_escapes_everything_and_links_citations() -> None:
    html = render.reply_html(_answer("Four <b>soldiers</b> died. [1] [7]", HOSTILE), "q <x>", 3, True)
    assert "<img" not in html and "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "javascript:" not in html
    assert '<a class="cite" href="#src-3-1"' in html and 'id="src-3-1"' in html
    assert "[7]" in html and "#src-3-7" not in html  # no passage 7: plain text, no link
    assert "<mark>Four soldiers died on Monday.</mark>" in html
    assert "2023 (inferred)" in html and "Searched for: q &lt;x&gt;" in html


def test_highlight_picks_the_supporting_sentence() -> None:
    text = "The army patrolled.\nFour soldiers and two rebels died in a clash. It rained."
    out = render.highlight(text, "Four soldiers and two rebels died [1].")
    assert out == "The army patrolled.\n<mark>Four soldiers and two rebels died in a clash.</mark> It rained."
    assert "<mark>" not in render.highlight("Nothing related here.", "Four soldiers died.")


# The seed article of the 2020 clash: the word guess for the counting answer below lands on the
# firefight sentence (it shares "Chachaspata" and the year), not on the one stating the deaths.
CLASH_2020 = ("A late August battle left four rebel fighters dead. Two soldiers were\n"
              "also killed, the Ministry stated.\n\nThe firefight occurred in Chachaspata in 2020.")
COUNTED_2020 = "2 soldiers died in 2020 in one event in Chachaspata [1]."


def test_highlight_marks_the_support_not_the_guess() -> None:
    guessed = render.highlight(CLASH_2020, COUNTED_2020)
    assert "<mark>The firefight occurred in Chachaspata in 2020.</mark>" in guessed  # why support exists
    support = "Two soldiers were also killed, the Ministry stated."  # joined onto one line
    marked = render.highlight(CLASH_2020, COUNTED_2020, support=support)
    assert "<mark>Two soldiers were\nalso killed, the Ministry stated.</mark>" in marked
    assert marked.count("<mark>") == 1
    # two supporting sentences, one of them not in the passage: the one found is marked
    both = render.highlight(CLASH_2020, COUNTED_2020,
                            support="left four rebel fighters dead.\nNot in this passage at all.")
    assert "<mark>left four rebel fighters dead.</mark>" in both and both.count("<mark>") == 1
    # support the passage does not hold: back to the guess
    assert render.highlight(CLASH_2020, COUNTED_2020, support="Five soldiers died in Junin.") == guessed


def test_reply_highlights_the_citations_support() -> None:
    answer = _answer(COUNTED_2020, CLASH_2020)
    answer.raw_reply = ""
    answer.citations[0].support = "Two soldiers were also killed, the Ministry stated."
    html = render.reply_html(answer, None, 1)
    assert "<mark>Two soldiers were\nalso killed, the Ministry stated.</mark>" in html


def test_a_passage_answers_support_is_its_located_quote() -> None:
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    def passage(n: int, text: str) -> Passage:
        return Passage(f"id{n}", f"/a/{n}.txt", f"/a/{n}.txt", "T", "2020", False, "W", "", text, [2020])

    answer = Answer("how many soldiers died?", passages=[passage(1, "Rain fell."), passage(2, CLASH_2020)])
    answer.raw_reply = ('Quote: [2] "Two soldiers were also killed, the Ministry stated."\n'
                        "Quote: [1] \"This sentence is made up entirely.\"\nAnswer: Two soldiers died [2].")
    _finish(answer, "", 0.0)
    assert [(c.n, c.support) for c in answer.citations] == [
        (2, "Two soldiers were also killed, the Ministry stated.")]
    assert answer.to_dict()["citations"][0]["support"] == answer.citations[0].support


def test_documents_list_marks_inferred_dates_and_duplicates() -> None:
    docs = [
        {"path": "/c/a.txt", "title": "<A>", "date": "2023", "date_inferred": True, "outlet": None,
         "duplicate_of": None},
        {"path": "/c/b.txt", "title": "B", "date": "2012-08-31", "date_inferred": False, "outlet": "X",
         "duplicate_of": "/c/a.txt"},
    ]
    html = render.documents_html(docs)
    assert "2023~" in html and "&lt;A&gt;" in html and "duplicate of &lt;A&gt; (a.txt)" in html
    assert "No articles" in render.documents_html([])
    undated = [{"path": "/c/u.txt", "title": "U", "date": "", "date_inferred": False, "outlet": None,
                "duplicate_of": None, "date_note": "year unknown: the text names no year"}]
    html = render.documents_html(undated)
    assert "undated" in html and 'title="year unknown: the text names no year"' in html


def test_date_range_inputs() -> None:
    from rag.api import QuestionError
    from ui.app import _period

    assert _period("", "") is None
    assert _period("2020", "2012") == (2012, 2020)
    assert _period("2012", "")[0] == 2012
    assert _period("", "2015") == (1900, 2015)
    with pytest.raises(QuestionError):
        _period("soon", "")


# --- the chat handler: every failure is a reply ------------------------------------------------

def _last_reply(settings: Settings, question: str, **kw: object) -> tuple[str, str | None]:
    from ui.app import respond

    args = {"history": [], "last_question": None, "top_k": 4, "year_from": "", "year_to": "",
            "show_passages": False, **kw}
    *_, (history, remembered) = respond(settings, question, **args)
    assert history[-2]["role"] == "user" and history[-1]["role"] == "assistant"
    return history[-1]["content"], remembered


def test_handler_without_an_index(tmp_path: Path) -> None:
    reply, _ = _last_reply(Settings.load(index_dir=tmp_path / "none"), "<b>how many died?</b>")
    assert "No articles are indexed yet" in reply and "upload box" in reply


def test_handler_question_too_long_and_bad_years(tmp_path: Path) -> None:
    settings = Settings.load(index_dir=tmp_path / "none")
    reply, remembered = _last_reply(settings, "why " * 1000, last_question="before?")
    assert "Cannot ask this question" in reply and "limit" in reply and remembered == "before?"
    reply, _ = _last_reply(settings, "who?", year_from="soon")
    assert "Check the date range" in reply and "&#x27;soon&#x27; is not a year" in reply


def test_handler_reports_a_missing_model(seeds_settings: Settings) -> None:
    settings = seeds_settings.with_(model_path="/nonexistent/model.gguf")
    reply, remembered = _last_reply(settings, "and in 2020?", last_question=SOLDIERS)
    assert "The language model is not available" in reply and "/nonexistent/model.gguf" in reply
    assert "Searched for: how many soldiers died in 2020?" in reply
    assert remembered == "how many soldiers died in 2020?"


def _streaming_answer(tokens: list[str], failure: Exception) -> object:
    """A streamed Answer whose model stops with `failure` after `tokens`."""
    from rag.answer import Answer

    closed = []

    def generate():
        try:
            yield from tokens
            raise failure
        finally:
            closed.append(True)  # the model lock would be released here

    answer = Answer("q", passages=[], _tokens=generate())
    answer.closed = closed
    return answer


def _all_replies(monkeypatch: pytest.MonkeyPatch, fake_ask, question: str = "who is Artemio?") -> list[str]:
    """Every state of the last reply as respond() streams it, with `ask` replaced."""
    from ui import app

    monkeypatch.setattr(app, "ask", fake_ask)
    settings = Settings.load(index_dir=Path("/nonexistent/index"))
    steps = list(app.respond(settings, question, [], None, 4, "", "", False))  # must not raise
    return [history[-1]["content"] for history, _ in steps]


def test_handler_reports_a_failure_partway_through_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = _streaming_answer(["Comrade ", "Artemio <b>was"], RuntimeError("the model <crashed>"))
    replies = _all_replies(monkeypatch, lambda *a, **k: answer)
    assert any("Comrade Artemio &lt;b&gt;was" in r for r in replies[:-1]), "the answer streamed first"
    assert "The answer failed." in replies[-1] and "RuntimeError: the model &lt;crashed&gt;" in replies[-1]
    assert "rag doctor" in replies[-1] and "<crashed>" not in replies[-1]
    assert answer.closed == [True]


def test_handler_reports_an_llm_server_that_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.models import ModelError

    down = ModelError("The LLM server at http://127.0.0.1:9/v1 is not reachable (connection refused). "
                      "Start it, e.g.: python -m llama_cpp.server --model MODEL.gguf")

    def refuse(*args, **kwargs):
        raise down

    reply = _all_replies(monkeypatch, refuse)[-1]
    assert "The language model is not available." in reply
    assert "http://127.0.0.1:9/v1 is not reachable" in reply and "Start it" in reply
    # the server dies mid-answer: the same clear reply, not a half answer
    died = ModelError("The LLM server at http://127.0.0.1:9/v1 failed mid-answer: upstream closed")
    reply = _all_replies(monkeypatch, lambda *a, **k: _streaming_answer(["Four "], died))[-1]
    assert "The language model is not available." in reply and "failed mid-answer" in reply


def test_upload_report_lists_skipped_files_with_their_reasons() -> None:
    from index.build import IndexReport
    from ui.files import Saved

    saved = [Saved("good.txt", Path("/c/good.txt"), "added"),
             Saved("feed.jsonl", Path("/c/feed.jsonl"), "added"),
             Saved("<b>x.pdf", None, "refused", "only .txt .md .html .htm .jsonl files are accepted"),
             Saved("copy.txt", Path("/c/copy-2.txt"), "renamed")]
    report = IndexReport(documents=[{}] * 7, chunks=30, changes={"added": 2}, seconds=1.25, skipped=[
        {"path": "/c/empty.txt", "reason": "empty: no article text"},
        {"path": "/c/bin.txt", "reason": "binary file (contains NUL bytes)"},
        {"path": "/c/feed.jsonl#L3", "reason": "invalid JSON on line 3: Expecting value"},
    ])
    html = render.upload_report_html(saved, report)
    assert '<li class="good">good.txt: added</li>' in html
    assert "copy.txt: added (saved as copy-2.txt)" in html
    assert "&lt;b&gt;x.pdf: not added, only .txt" in html and "<b>" not in html
    assert '<li class="bad">empty.txt: skipped, empty: no article text</li>' in html
    assert '<li class="bad">bin.txt: skipped, binary file (contains NUL bytes)</li>' in html
    assert "feed.jsonl#L3: skipped, invalid JSON on line 3" in html
    assert "Index: 7 articles, 30 chunks (added 2, updated 0; 1.2 s)" in html
    failed = render.upload_report_html(saved[:1], None, "Indexing failed: OSError: disk full")
    assert '<li class="bad">Indexing failed: OSError: disk full</li>' in failed


# --- launching: loopback, optional login --------------------------------------------------------

def test_launch_asks_for_a_login_when_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.error

    from ui.app import launch

    settings = Settings.load(index_dir=tmp_path / "index")
    for login, expected in ((None, 200), (("reader", "s3cret"), 401)):
        if login:
            monkeypatch.setenv("RAG_UI_USER", login[0])
            monkeypatch.setenv("RAG_UI_PASSWORD", login[1])
        else:
            monkeypatch.delenv("RAG_UI_USER", raising=False)
            monkeypatch.delenv("RAG_UI_PASSWORD", raising=False)
        port = _free_port()
        demo = launch(settings, port=port, prevent_thread_lock=True)
        try:
            assert demo.server_name == "127.0.0.1"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            assert status == expected
        finally:
            demo.close()


# --- end to end, in a real browser ---------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"rag ui exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"rag ui did not answer at {url} within {timeout:.0f}s")


ARTICLE = """# Zorbulan Llama Patrol Spotted Near Lake Titicaca

Published: 2024-03-05
Outlet: Altiplano Test Gazette

Park rangers near Lake Titicaca reported on Tuesday that a patrol of eleven llamas, trained
by the invented Zorbulan cooperative, guarded a reed harvest for three days without incident.
"""


@pytest.mark.slow
def test_browser_end_to_end(tmp_path: Path) -> None:
    if not SEEDS.is_dir():
        missing(f"seed articles not found at {SEEDS}")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing; install it with: apt-get install -y chromium")
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed: .venv/bin/pip install playwright")
    from index.build import build_index

    index_dir = tmp_path / "index"
    build_index([SEEDS], Settings.load(index_dir=index_dir), progress=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    env.pop("RAG_UI_USER", None)
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--index-dir", str(index_dir)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_for_http(url, proc, timeout=180)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                _drive(sync_api, browser.new_page(viewport=VIEWPORT), url, tmp_path)
                _two_pages_at_once(sync_api, browser, url)
            finally:
                browser.close()
    except Exception:
        log.flush()
        print((tmp_path / "server.log").read_text()[-5000:])
        raise
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


VIEWPORT = {"width": 1440, "height": 1100}

SCROLL_TO_BOTTOM_EDGE = """el => {
  let box = el.parentElement;
  const scrolls = b => /(auto|scroll)/.test(getComputedStyle(b).overflowY) && b.scrollHeight > b.clientHeight;
  while (box && !scrolls(box)) box = box.parentElement;
  if (!box) return false;
  box.scrollTop += el.getBoundingClientRect().bottom - box.getBoundingClientRect().bottom + 1;
  return true;
}"""


# What playwright's to_be_in_viewport measures: the visible share, clipping by scroll boxes included.
IN_VIEW = """el => new Promise(resolve => {
  const seen = new IntersectionObserver(([entry]) => {
    seen.disconnect();
    resolve(entry.intersectionRatio > 0);
  });
  seen.observe(el);
})"""


def _hide_below(page, cite, source) -> None:
    """Scroll so that `cite` sits at the chat's bottom edge and `source` is out of view. The chat
    scrolls itself to the bottom whenever a reply updates, so retry until the position holds."""
    for _ in range(20):
        assert cite.evaluate(SCROLL_TO_BOTTOM_EDGE)
        page.wait_for_timeout(250)
        if cite.evaluate(IN_VIEW) and not source.evaluate(IN_VIEW):
            return
    raise AssertionError("could not scroll the citation's source out of view")


def _drive(sync_api, page, url: str, tmp_path: Path) -> None:
    expect = sync_api.expect
    page.goto(url)
    docs = page.locator("#doc-list")
    expect(docs).to_contain_text("Shining Path", timeout=60_000)
    expect(docs).to_contain_text("duplicate of")

    # 2012, not 2023: the seeds' two 2023 reports print no year, so that count is not given.
    page.locator("#question textarea").fill("how many soldiers died in 2012?")
    page.locator("#question textarea").press("Enter")
    first = page.locator("#chat .rag-reply").nth(0)
    # The timing line is the last thing a finished answer gets.
    expect(first.locator(".meta")).to_be_visible(timeout=300_000)
    answer = first.locator(".answer").inner_text()
    assert re.search(r"\b(five|5) soldiers", answer, re.I), answer
    cite = first.locator(".answer a.cite").first
    expect(cite).to_be_visible()
    source = page.locator(f"[id='{cite.get_attribute('href').lstrip('#')}']")
    expect(source).to_have_count(1)
    assert source.locator(".src-text").inner_text().strip()
    # Each source highlights the sentence its article states the five deaths in.
    for mark in first.locator(".src mark").all():
        assert re.search(r"five (peruvian )?soldiers", mark.inner_text(), re.I), mark.inner_text()
    expect(source.locator("mark")).to_have_count(1)

    # A follow-up is rewritten into a standalone question, shown in the reply.
    page.locator("#question textarea").fill("and in 2020?")
    page.locator("#question textarea").press("Enter")
    expect(page.locator("#chat .rag-reply")).to_have_count(2, timeout=60_000)
    second = page.locator("#chat .rag-reply").last
    expect(second.locator(".searched")).to_have_text("Searched for: how many soldiers died in 2020?")
    expect(second.locator(".meta")).to_be_visible(timeout=300_000)
    # The 2020 clash: "Two soldiers were also killed, ...", not the sentence naming the place,
    # which a guess by shared words would mark.
    marked = second.locator(".src mark").first.inner_text()
    assert "Two soldiers were also killed" in marked and "firefight" not in marked, marked

    # Clicking a marker brings its source into view: put the follow-up's marker at the bottom
    # edge of the chat's scroll box (its source below is then hidden) and click it.
    markers = second.locator(".answer a.cite")
    assert markers.count() > 0, second.inner_text()
    cite = markers.first
    source = page.locator(f"[id='{cite.get_attribute('href').lstrip('#')}']")
    _hide_below(page, cite, source)
    cite.click()
    expect(source).to_be_in_viewport(ratio=0.5, timeout=10_000)

    # Upload an article; it is indexed and listed.
    article = tmp_path / "llama patrol.md"
    article.write_text(ARTICLE, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(article))
    expect(docs).to_contain_text("Zorbulan Llama Patrol Spotted", timeout=240_000)
    expect(page.locator("#upload-status")).to_contain_text("added")

    # The screenshot of the README: the follow-up's answer with its source in view.
    cite.click()
    page.wait_for_timeout(1200)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    shutil.copy(SCREENSHOT, tmp_path / "screenshot.png")

    # A PDF too: listed, and the article picker opens what the indexer read from it.
    report = write_pdf(tmp_path / "valle report.pdf", [["Valle Water Board report.", "The board repaired "
                       "47 wells in the Zorbul district in 2021."]], title="Valle Water Board report")
    page.locator("#upload input[type=file]").set_input_files(str(report))
    expect(docs).to_contain_text("Valle Water Board report", timeout=240_000)
    page.locator("#article-pick input").click()
    page.get_by_role("option", name=re.compile("Valle Water Board report")).click()
    expect(page.locator("#article-view")).to_contain_text("47 wells in the Zorbul district", timeout=30_000)


# Records, from before a question is sent, what the page shows while it waits and streams: gradio's
# queue indicator (over the chat "queue: 1/1 | 2.3/10.8s", kept without the timer; "In queue: 1 of 1"
# for screen readers) and each state of the answer text until the finished reply's timing line appears.
RECORD = """() => {
  const rec = window.ragRecord = {queue: [], states: []};
  // When the question is sent (Enter), and when its reply first shows the passages being read
  // and the first word of the answer (performance.now(), ms).
  document.querySelector("#question textarea").addEventListener("keydown", ev => {
    if (ev.key === "Enter" && rec.sent === undefined) rec.sent = performance.now();
  }, true);
  const look = () => {
    const reply = document.querySelector("#chat .rag-reply");
    if (reply && rec.sent !== undefined) {
      const shown = reply.querySelector(".evidence .ev");
      if (rec.evidence === undefined && shown) rec.evidence = performance.now();
      const words = reply.querySelector(".answer");
      if (rec.token === undefined && words && !words.querySelector(".pending") && words.innerText.trim())
        rec.token = performance.now();
    }
    const shown = document.evaluate("//*[contains(text(), 'queue:')]", document.body, null,
                                    XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    for (let i = 0; i < shown.snapshotLength; i++) {
      const el = shown.snapshotItem(i);
      const position = el.textContent.split("|")[0].trim();  // "queue: 1/1 | 2.3/10.8s": no timer
      if (el.getClientRects().length && !rec.queue.includes(position)) rec.queue.push(position);
    }
    const answer = document.querySelector("#chat .rag-reply .answer");
    const done = document.querySelector("#chat .rag-reply .meta");
    if (!answer || answer.querySelector(".pending") || done) return;
    const text = answer.innerText.trim();
    if (text && text !== rec.states[rec.states.length - 1]) rec.states.push(text);
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

STREAMED = "Who was Comandante Artemio?"  # a fact from one article: retrieval and the LLM, streamed
TOTAL = "how many soldiers were killed in total across the articles?"  # from the event table


def _ask(page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")


def _two_pages_at_once(sync_api, browser, url: str) -> None:
    """Two users: the second question waits in gradio's queue (one answer at a time with the
    in-process model) and says so; both get whole answers, and the first streams token by token."""
    expect = sync_api.expect
    first, second = browser.new_page(viewport=VIEWPORT), browser.new_page(viewport=VIEWPORT)
    for page in (first, second):
        page.goto(url)
        expect(page.locator("#question textarea")).to_be_visible(timeout=60_000)
        page.evaluate(RECORD)
    _ask(first, STREAMED)
    # Once the first answer is being worked on, the second question can only queue behind it.
    expect(first.locator("#chat .rag-reply")).to_have_count(1, timeout=60_000)
    _ask(second, TOTAL)

    reply = first.locator("#chat .rag-reply")
    # As soon as retrieval is done, the passages being read are on screen, each with its number,
    # title, outlet and date and its best sentence; the answer then streams above them.
    expect(reply.locator(".evidence .ev").first).to_be_visible(timeout=60_000)
    for item in reply.locator(".evidence .ev").all():
        assert re.match(r"\[\d\] \S", item.inner_text()) and item.locator(".ev-best").inner_text().strip()
    expect(reply.locator(".meta")).to_be_visible(timeout=300_000)
    expect(reply.locator(".error")).to_have_count(0)
    timing = first.evaluate("window.ragRecord")
    assert timing["evidence"] < timing["token"], timing  # evidence before the first word
    evidence_s = (timing["evidence"] - timing["sent"]) / 1000
    token_s = (timing["token"] - timing["sent"]) / 1000
    print(f"evidence on screen {evidence_s:.2f} s after the question; first answer word {token_s:.2f} s")
    assert reply.locator(".answer").inner_text().strip()
    # Distinct texts (a token of whitespace changes nothing shown), each extending the one before.
    states = list(dict.fromkeys(" ".join(s.split()) for s in first.evaluate("window.ragRecord.states")))
    assert len(states) >= 3, f"the answer did not stream: {states}"
    for before, after in zip(states, states[1:], strict=False):
        assert after.startswith(before), states
    # Whole: the finished answer goes on from the last streamed text, unless a note says why the
    # checked answer replaced the model's (a quote not found in the articles).
    final = " ".join(reply.locator(".answer").inner_text().split())
    assert final.startswith(states[-1]) or reply.locator(".note").count(), (final, states[-1])

    counted = second.locator("#chat .rag-reply")
    expect(counted.locator(".meta")).to_be_visible(timeout=300_000)
    expect(counted.locator(".answer")).to_contain_text("11")
    queue = second.evaluate("window.ragRecord.queue")
    assert any(re.match(r"queue: \d+/\d+", q) for q in queue), f"no queue position shown: {queue}"
    print(f"streamed {len(states)} states: {states[0]!r} ... {states[-1]!r}; queue shown: {queue}")
    for page in (first, second):
        page.close()
