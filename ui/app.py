"""The web app: a chat over the indexed articles, with cited sources, an article list and uploads.

    rag ui [--index-dir DIR] [--corpus-dir DIR] [--host 127.0.0.1] [--port N] [--share]

Answers stream token by token; each [n] in an answer links to its source below it, where the
sentence that supports the answer is highlighted. Follow-ups ("and in 2020?") are rewritten
into standalone questions (ui/followup.py). One answer or indexing run at a time (llama.cpp
is not thread-safe); others wait in the queue and see their position.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from index.settings import Settings
from index.store import StoreError
from rag.api import QuestionError, ask, warm_up
from rag.models import ModelError, model_label
from ui import render
from ui.files import ALLOWED_SUFFIXES, MAX_UPLOAD_BYTES, save_upload
from ui.followup import rewrite

log = logging.getLogger("rag.ui")
SERVER_ANSWER_SLOTS = 8  # answers in flight per UI process when the LLM is a server

CSS = """
.gradio-container { max-width: 1400px !important; }
#rag-header h1 { font-size: 1.45rem; margin: 0; }
#rag-header p { margin: .15rem 0 0 0; color: var(--body-text-color-subdued); }
#chat .message-content, #chat .message { font-size: 0.96rem; }
.rag-reply .searched { font-style: italic; font-size: .85em; color: var(--body-text-color-subdued);
  margin-bottom: .4em; }
.rag-reply .answer p { margin: 0 0 .5em 0; }
.rag-reply .answer.unanswered { color: var(--body-text-color-subdued); }
.rag-reply .pending { color: var(--body-text-color-subdued); font-style: italic; }
.rag-reply .note { font-size: .85em; color: var(--body-text-color-subdued); margin: .2em 0;
  white-space: pre-line; }
.rag-reply .error { border-left: 3px solid #d9534f; padding: .3em .7em; background: rgba(217,83,79,.08); }
.rag-reply .error b { display: block; margin-bottom: .2em; }
a.cite { font-weight: 600; text-decoration: none; color: var(--color-accent, #2563eb);
  padding: 0 1px; cursor: pointer; }
a.cite:hover { text-decoration: underline; }
.rag-reply .sources { margin-top: .8em; border-top: 1px solid var(--border-color-primary);
  padding-top: .5em; }
.rag-reply .sources-title { font-size: .75em; letter-spacing: .06em; text-transform: uppercase;
  color: var(--body-text-color-subdued); margin-bottom: .3em; }
.rag-reply .src, .rag-reply .passage { margin: .5em 0 .8em 0; padding: .45em .7em; border-radius: 6px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
  scroll-margin: 80px; transition: box-shadow .3s; }
.rag-reply .src.flash { box-shadow: 0 0 0 3px var(--color-accent, #2563eb); }
.rag-reply .src-head { font-weight: 600; }
.rag-reply .src-n { color: var(--color-accent, #2563eb); }
.rag-reply .src-meta { font-size: .8em; color: var(--body-text-color-subdued); margin: .1em 0 .3em 0; }
.rag-reply blockquote.src-text { margin: 0; padding: 0 0 0 .6em;
  border-left: 3px solid var(--border-color-primary); white-space: pre-wrap; font-size: .88em;
  max-height: 16em; overflow-y: auto; }
.rag-reply mark { background: #fff1a8; color: inherit; padding: 0 1px; border-radius: 2px; }
.rag-reply details.passages summary { cursor: pointer; font-size: .85em; margin-top: .5em; }
.rag-reply .evidence { margin-top: .7em; border-top: 1px solid var(--border-color-primary);
  padding-top: .4em; }
.rag-reply .ev { margin: .35em 0 .55em 0; scroll-margin: 80px; }
.rag-reply .ev-title { font-weight: 600; font-size: .9em; }
.rag-reply .ev .src-meta { display: inline; margin-left: .3em; }
.rag-reply .ev-best { font-size: .86em; padding-left: .6em; margin-top: .15em;
  border-left: 3px solid var(--border-color-primary); }
.rag-reply .meta { font-size: .75em; color: var(--body-text-color-subdued); margin-top: .5em; }
.docs-head { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .3em; }
.docs-head .hint { font-size: .9em; }
ul.docs { list-style: none; padding: 0; margin: 0; max-height: 45vh; overflow-y: auto; }
ul.docs li.doc { padding: .35em 0; border-bottom: 1px solid var(--border-color-primary); }
ul.docs li.doc .doc-title { font-weight: 600; font-size: .88em; line-height: 1.25; }
ul.docs li.doc .doc-meta { font-size: .78em; color: var(--body-text-color-subdued); }
ul.docs li.doc .doc-dup { font-size: .78em; color: #b7791f; }
ul.docs li.is-dup .doc-title { font-weight: 500; color: var(--body-text-color-subdued); }
.docs-empty { font-size: .9em; color: var(--body-text-color-subdued); }
.corpus-note { font-size: .75em; color: var(--body-text-color-subdued); word-break: break-all; }
ul.upload-report { font-size: .82em; padding-left: 1.1em; margin: .3em 0; }
ul.upload-report .bad { color: #c0392b; }
ul.upload-report .good { color: #2f855a; }
.article-view { font-size: .82em; max-height: 45vh; overflow-y: auto; }
.article-view table.article-meta th { text-align: left; padding-right: .6em; vertical-align: top; }
.article-view .article-text { white-space: pre-wrap; margin-top: .5em; }
"""

# Clicking [n] scrolls its source into view and flashes it. A plain #src-... link already
# jumps there; this makes it smooth and keeps the page URL unchanged.
HEAD = """
<script>
if (!window.ragCiteClicks) {
window.ragCiteClicks = true;
document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("a.cite") : null;
  if (!a) return;
  var id = (a.getAttribute("href") || "").replace(/^#/, "");
  var el = id && document.getElementById(id);
  if (!el) return;
  ev.preventDefault();
  el.scrollIntoView({behavior: "smooth", block: "center"});
  el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
  setTimeout(function () { el.classList.remove("flash"); }, 1600);
}, true);
}
</script>
"""

PLACEHOLDER = (
    "**Ask a question about the indexed articles.**\n\n"
    "Answers cite their sources as [1], [2]; click one to see the passage.  \n"
    "Follow-ups work: *how many soldiers died in 2023?* then *and in 2020?*"
)


def build_app(settings: Settings, corpus_dir: Path | None = None) -> gr.Blocks:
    corpus_dir = Path(corpus_dir) if corpus_dir else Path(settings.index_dir) / "uploads"
    top_k_default = min(8, max(1, settings.top_k))
    # In-process llama.cpp: one answer or indexing run at a time. An LLM server queues requests
    # itself, so answers run side by side and only indexing stays one at a time.
    answer_slots, answer_group = (SERVER_ANSWER_SLOTS, "answer") if settings.llm_url else (1, "model")

    def documents() -> str:
        try:
            from index.build import describe_index

            return render.documents_html(describe_index(settings))
        except StoreError:
            return render.documents_html([])

    def articles() -> dict:
        return gr.update(choices=article_choices(settings), value=None)

    def take_message(message: str) -> tuple[str, str]:
        return "", message

    def answer(message: str, history: list, last_question: str | None, top_k: float, year_from: str,
               year_to: str, show_passages: bool) -> Iterator[tuple[list, str | None]]:
        yield from respond(settings, message, history, last_question, top_k, year_from, year_to,
                           show_passages)

    def upload(files: list | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:  # noqa: B008
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0.05, desc="Saving the files")
        saved = [save_upload(_file_path(f), corpus_dir, Path(_file_path(f)).name) for f in files]
        report, error = None, ""
        if any(s.path for s in saved):
            progress(0.2, desc="Indexing")
            try:
                from index.build import build_index

                report = build_index([corpus_dir], settings, progress=True)
            except Exception as e:  # a broken upload must not take the app down
                log.exception("indexing %s failed", corpus_dir)
                error = f"Indexing failed: {type(e).__name__}: {e}"
        return render.upload_report_html(saved, report, error), documents(), None, articles()

    theme = gr.themes.Soft(
        primary_hue="indigo", neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )
    with gr.Blocks(title="rag-news · questions over your articles", analytics_enabled=False) as demo:
        demo.rag_theme, demo.rag_css, demo.rag_head = theme, CSS, HEAD  # for launch()
        last_question = gr.State(None)
        pending = gr.State("")
        with gr.Sidebar(width=390, open=True, label="Articles"):
            gr.Markdown("### Articles")
            docs = gr.HTML(documents(), elem_id="doc-list")
            article = gr.Dropdown(article_choices(settings), value=None, label="What the indexer read from",
                                  elem_id="article-pick", filterable=True)
            article_view = gr.HTML("", elem_id="article-view")
            files = gr.File(
                label=f"Add articles ({' '.join(ALLOWED_SUFFIXES)}; up to {MAX_UPLOAD_BYTES >> 20} MB each)",
                file_count="multiple", file_types=list(ALLOWED_SUFFIXES), elem_id="upload", height=120,
            )
            upload_status = gr.HTML("", elem_id="upload-status")
            gr.HTML(f'<div class="corpus-note">Uploads are saved in {render.e(corpus_dir)}</div>')
        gr.HTML('<div id="rag-header"><h1>News questions</h1><p>Answers from your articles only, '
                "with the passages they rest on. Runs offline.</p></div>")
        chatbot = gr.Chatbot(
            elem_id="chat", height=640, render_markdown=False, sanitize_html=True, latex_delimiters=[],
            feedback_options=None, buttons=["copy"], placeholder=PLACEHOLDER, show_label=False,
            group_consecutive_messages=False,
        )
        with gr.Row(equal_height=True):
            box = gr.Textbox(placeholder="Ask about the articles, e.g. how many soldiers died in 2023?",
                             show_label=False, scale=8, autofocus=True, elem_id="question", max_lines=4)
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
            clear = gr.Button("New chat", scale=1, min_width=120, elem_id="clear")
        with gr.Accordion("Settings", open=True):
            with gr.Row(equal_height=True):
                top_k = gr.Slider(1, 8, value=top_k_default, step=1, label="Passages",
                                  info="how many passages the model reads",
                                  elem_id="top-k", scale=2)
                # Textboxes, not gr.Number: gradio 6.31's number input cannot be empty (shows 0).
                year_from = gr.Textbox("", label="From year", placeholder="any", max_lines=1,
                                       elem_id="year-from", scale=1, min_width=90)
                year_to = gr.Textbox("", label="To year", placeholder="any", max_lines=1,
                                     elem_id="year-to", scale=1, min_width=90)
                with gr.Column(scale=2):
                    model = gr.Textbox(model_label(settings), label="Model", interactive=False,
                                       elem_id="model")
                    show = gr.Checkbox(False, label="Show retrieved passages", elem_id="show-passages")
        _ = model

        answer_inputs = [pending, chatbot, last_question, top_k, year_from, year_to, show]
        for trigger in (box.submit, send.click):
            trigger(take_message, [box], [box, pending], concurrency_limit=None, show_progress="hidden",
                    queue=False).then(
                answer, answer_inputs, [chatbot, last_question], concurrency_limit=answer_slots,
                concurrency_id=answer_group, show_progress="minimal",
            )
        clear.click(lambda: ([], None), None, [chatbot, last_question], concurrency_limit=None,
                    queue=False)
        chatbot.clear(lambda: None, None, [last_question], concurrency_limit=None, queue=False)
        files.upload(upload, [files], [upload_status, docs, files, article], concurrency_limit=1,
                     concurrency_id="model")
        article.change(lambda source: show_article(settings, source), [article], [article_view],
                       concurrency_limit=None, queue=False)
        demo.load(documents, None, [docs], concurrency_limit=None, queue=False)
        demo.load(articles, None, [article], concurrency_limit=None, queue=False)
    return demo


def article_choices(settings: Settings) -> list[tuple[str, str]]:
    """(label, source) of every indexed article, for the article picker."""
    from index.build import describe_index

    try:
        docs = describe_index(settings)
    except StoreError:
        return []
    return [(f"{d['title'] or Path(d['path']).name} · {d['date'] or 'undated'}", d["path"]) for d in docs]


def show_article(settings: Settings, source: str | None) -> str:
    """The article view: what the indexer read from one indexed article (as `rag show`)."""
    if not source:
        return ""
    from index.build import show_indexed

    try:
        return render.article_html(show_indexed(source, settings))
    except (StoreError, ValueError) as e:
        return render.error_html("Cannot show this article.", str(e))


def respond(settings: Settings, message: str, history: list, last_question: str | None, top_k: float,
            year_from: str, year_to: str, show_passages: bool) -> Iterator[tuple[list, str | None]]:
    """The chat handler: yields (chat history, standalone question to remember) as the answer
    streams. Every failure becomes a reply; nothing escapes to take the app down."""
    history = list(history or [])
    message = (message or "").strip()
    if not message:
        yield history, last_question
        return
    standalone = rewrite(message, last_question)
    shown = standalone if standalone != message else None
    turn = sum(1 for m in history if _role(m) == "assistant") + 1
    history.append({"role": "user", "content": render.user_html(message)})

    def say(content: str) -> list:
        return [*history, {"role": "assistant", "content": content}]

    try:
        period = _period(year_from, year_to)
    except QuestionError as e:
        yield say(render.error_html("Check the date range.", str(e), shown)), last_question
        return
    yield say(render.pending_html(shown)), last_question
    tokens = None
    try:
        answer = ask(standalone, settings, stream=True, period=period, top_k=int(top_k))
        # Retrieval is done: the passages being read are shown before the model's first token.
        reading = answer.passages if answer.route == "passages" else None
        if reading:
            yield say(render.streaming_html("", shown, turn, len(reading), reading)), standalone
        tokens = iter(answer)
        streamed = ""
        for token in tokens:
            streamed += token
            yield say(render.streaming_html(streamed, shown, turn, len(answer.passages), reading)), standalone
        yield say(render.reply_html(answer, shown, turn, show_passages)), standalone
    except StoreError as e:
        if "Chroma server" in str(e):  # a deployment problem, not an empty archive
            yield say(render.error_html("The article store is not available.", str(e), shown)), standalone
            return
        yield say(render.error_html("No articles are indexed yet.",
                                    f"{e} Or add articles with the upload box in the side panel.",
                                    shown)), last_question
    except QuestionError as e:
        title = "No articles are indexed yet." if "no articles" in str(e) else "Cannot ask this question."
        detail = str(e) + (" Or add articles with the upload box in the side panel."
                           if "no articles" in str(e) else "")
        yield say(render.error_html(title, detail, shown)), last_question
    except ModelError as e:
        yield say(render.error_html("The language model is not available.", str(e), shown)), standalone
    except Exception as e:  # the app must stay up: show the failure as the reply
        log.exception("answering %r failed", standalone)
        yield say(render.error_html("The answer failed.", f"{type(e).__name__}: {e}. Try again; if it "
                                    "keeps failing, run `rag doctor`.", shown)), standalone
    finally:
        if tokens is not None:
            tokens.close()  # releases the model lock if the user went away mid-answer


def launch(settings: Settings, host: str = "127.0.0.1", port: int | None = None, share: bool = False,
           corpus_dir: Path | None = None, prevent_thread_lock: bool = False) -> gr.Blocks:
    """Build and start the app; with basic auth if RAG_UI_USER and RAG_UI_PASSWORD are set."""
    demo = build_app(settings, corpus_dir)
    user, password = os.environ.get("RAG_UI_USER"), os.environ.get("RAG_UI_PASSWORD")
    auth = (user, password) if user and password else None
    if auth is None and (share or host not in ("127.0.0.1", "localhost", "::1")):
        print("rag ui: warning: reachable from other machines without a password; set RAG_UI_USER "
              "and RAG_UI_PASSWORD to require one.", flush=True)
    demo.queue(default_concurrency_limit=1)
    # Loading the models and reading the prompts' fixed opening takes ~10 s on 2 cores: done while
    # the page loads, not during the first question. A failure here shows again, in words, then.
    threading.Thread(target=_warm_up, args=(settings,), daemon=True, name="rag-warm-up").start()
    demo.launch(
        server_name=host, server_port=port, share=share, auth=auth, prevent_thread_lock=prevent_thread_lock,
        max_file_size=f"{MAX_UPLOAD_BYTES // 2**20}mb", theme=demo.rag_theme, css=demo.rag_css,
        head=demo.rag_head, show_error=True, quiet=False, footer_links=["settings"],
        auth_message="rag-news: sign in (RAG_UI_USER / RAG_UI_PASSWORD)" if auth else None,
    )
    return demo


def _warm_up(settings: Settings) -> None:
    try:
        warm_up(settings)
    except Exception as e:  # noqa: BLE001 - the first question reports it to the user
        log.warning("warming up the models failed (the first question will say why): %s", e)


def _period(year_from: str | float | None, year_to: str | float | None) -> tuple[int, int] | None:
    """Two optional years -> (first, last); an empty one means open on that side."""
    a, b = _year(year_from), _year(year_to)
    if a is None and b is None:
        return None
    a = 1900 if a is None else a
    b = max(a, dt.date.today().year) if b is None else b
    return (min(a, b), max(a, b))


def _year(value: str | float | None) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        year = int(float(text))
    except ValueError:
        year = 0
    if not 1000 <= year <= 2999:
        raise QuestionError(f"'{text}' is not a year: give the date range as years like 2020, "
                            "or leave the fields empty.")
    return year


def _role(message: Any) -> str:
    return message.get("role", "") if isinstance(message, dict) else getattr(message, "role", "")


def _file_path(f: Any) -> str:
    return f if isinstance(f, str) else getattr(f, "path", None) or getattr(f, "name", "") or str(f)
