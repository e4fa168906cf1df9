"""Beyond one machine: a real Chroma server and a real OpenAI-compatible LLM server
(llama_cpp.server with the tiny SmolLM2-135M, which answers badly: these tests check the
mechanics, not answer quality), started as subprocesses on free loopback ports."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import missing

from eval.servers import ServerError, start_chroma, start_llm, tiny_model
from index.settings import Settings
from index.store import Store, StoreError
from rag import ask
from rag.models import ModelError

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "eval" / "suites" / "seeds.jsonl"

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    try:
        tiny_model()
    except ModelError as e:
        missing(str(e))
    folder = tmp_path_factory.mktemp("servers")
    started = []
    try:
        started.append(start_chroma(folder / "chroma-data", folder))
        started.append(start_llm(tiny_model(), folder))
        yield {s.name: s for s in started}
    except ServerError as e:
        pytest.fail(str(e))
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="module")
def server_settings(servers, seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed articles, indexed by `rag index` through the Chroma server."""
    index_dir = tmp_path_factory.mktemp("server-index")
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "index", str(seeds_dir), "--index-dir", str(index_dir),
         "--chroma-url", servers["chroma"].url, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr + servers["chroma"].log_tail()
    report = json.loads(out.stdout)
    assert len(report["documents"]) == 5 and report["chunks"] > 0
    return Settings.load(index_dir=index_dir, chroma_url=servers["chroma"].url, llm_url=servers["llm"].url,
                         max_answer_tokens=24)


def test_vectors_live_on_the_chroma_server(server_settings, seeds_dir):
    from index.build import build_index
    from index.chroma_server import connect

    store = Store(server_settings.index_dir, create=False, chroma_url=server_settings.chroma_url)
    try:
        chunks, name = store.chunk_count(), store.collection.name
    finally:
        store.close()
    on_server = connect(server_settings.chroma_url).get_collection(name)
    assert on_server.count() == chunks > 0
    assert not (server_settings.index_dir / "chroma").exists(), "no embedded store beside the manifest"

    again = build_index([seeds_dir], server_settings, progress=False)  # incremental, against the server
    assert again.changes["embedded_chunks"] == 0 and again.chunks == chunks

    with pytest.raises(StoreError, match="--chroma-url"):  # the vectors are not embedded
        ask("how many soldiers died in 2023?", server_settings.with_(chroma_url=""))


def test_two_indexing_runs_at_once_take_turns(servers, seeds_dir, tmp_path):
    """Two UI processes uploading at once: the second run waits for the first, and the manifest
    and the Chroma server agree afterwards."""
    import shutil
    import threading

    from index.build import build_index

    halves = [tmp_path / "a", tmp_path / "b"]
    for n, seed in enumerate(sorted(seeds_dir.glob("*.txt"))):
        halves[n % 2].mkdir(exist_ok=True)
        shutil.copy(seed, halves[n % 2])
    settings = Settings.load(index_dir=tmp_path / "index", chroma_url=servers["chroma"].url)
    errors: list[BaseException] = []

    def index(folder: Path) -> None:
        try:
            build_index([folder], settings, progress=False)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=index, args=(h,)) for h in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        assert len(store.documents()) == 5
        manifest_ids = {r["id"] for r in store.chunk_rows()}
        assert manifest_ids and store.chroma_ids() == manifest_ids
    finally:
        store.close()


# Answered from passages (a counting question would come from the event table, without Chroma).
PASSAGE_QUESTION = "What did troops seize after the August 2020 battle in the VRAEM?"


def test_ask_streams_from_the_llm_server(server_settings, seeds_dir):
    answer = ask(PASSAGE_QUESTION,
                 server_settings, stream=True, verify_quotes=False)  # unchecked: every token is shown
    tokens = list(answer)
    streamed = "".join(tokens)
    assert len([t for t in tokens if t]) > 1 and streamed.startswith(answer.raw_reply.rstrip())
    assert streamed.rstrip().endswith(answer.full_text.rstrip())  # the checked answer, notes included
    assert answer.completion_tokens > 1
    assert answer.prompt_tokens > 200  # ~2 passages of 180 tokens plus the instructions
    assert answer.passages and all(Path(p.path).parent == seeds_dir for p in answer.passages)
    assert server_settings.llm_url in answer.model
    data = json.loads(json.dumps(answer.to_dict(passages=True)))
    assert data["question"] == answer.question and data["timings"]["total_s"] > 0


def test_cli_ask_through_both_servers(server_settings, seeds_dir):
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "Who led the Shining Path faction in the VRAE in 2012?",
         "--json", "--passages", "--index-dir", str(server_settings.index_dir),
         "--chroma-url", server_settings.chroma_url, "--llm-url", server_settings.llm_url],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**_env(), "RAG_MAX_ANSWER_TOKENS": "24"},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["answer"] and data["raw_reply"] and data["prompt_tokens"] > 200
    assert data["passages"] and all(Path(p["path"]).parent == seeds_dir for p in data["passages"])


def test_load_twenty_users_at_once(server_settings):
    """20 questions from 20 threads through ask(): nothing lost, nobody gets another's answer."""
    from eval.load import run_load
    from eval.suite import load_suite

    questions = [c.question for c in load_suite(SUITE)[0] if c.answerable][:20]
    assert len(questions) == 20
    started = time.perf_counter()
    report = run_load(questions, server_settings.with_(top_k=2, max_answer_tokens=32), timeout=300)
    print("\n" + report.markdown())
    assert time.perf_counter() - started < 600
    assert not report.lost(), report.together.errors
    assert not report.alone.errors
    assert not report.mixed_up()
    # Greedy decoding on a server that answers one request at a time: each user's reply is the
    # one their question gets alone. A mix-up swaps at least two; one may differ by float noise.
    assert report.same_reply() >= len(questions) - 1
    assert report.together.latency(95) >= report.together.latency(50) > 0


def test_clear_errors_when_a_server_is_down(servers, server_settings):
    from eval.servers import free_port
    from ui.app import respond

    dead_chroma = server_settings.with_(chroma_url=f"127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="not reachable.*chroma run"):
        ask(PASSAGE_QUESTION, dead_chroma)
    *_, (history, _) = respond(dead_chroma, PASSAGE_QUESTION, [], None, 4, "", "", False)
    assert "The article store is not available" in history[-1]["content"]
    assert "chroma run" in history[-1]["content"]
    servers["llm"].stop()
    with pytest.raises(ModelError, match="LLM server at .* is not reachable.*RAG_LLM_URL"):
        ask(PASSAGE_QUESTION, server_settings)
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", PASSAGE_QUESTION,
         "--index-dir", str(server_settings.index_dir), "--chroma-url", server_settings.chroma_url,
         "--llm-url", server_settings.llm_url],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=_env(),
    )
    assert out.returncode == 1
    assert "rag: error: The LLM server at" in out.stderr and "Traceback" not in out.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}


def test_a_silent_llm_server_times_out_with_a_clear_error():
    """A server that accepts the connection and then says nothing (hung, or swamped)."""
    import socket
    import threading

    from rag.llm_http import ChatClient

    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    client = ChatClient(f"http://127.0.0.1:{listener.getsockname()[1]}", model="any", timeout=1)
    started = time.perf_counter()
    try:
        with pytest.raises(ModelError, match="sent nothing for 1s.*RAG_LLM_TIMEOUT"):
            list(client.create_chat_completion([{"role": "user", "content": "hi"}], stream=True))
        assert time.perf_counter() - started < 10
    finally:
        client.close()
        for s in [*accepted, listener]:
            s.close()


def test_server_urls_are_read_leniently_and_rejected_clearly():
    from index.chroma_server import parse_url
    from rag.llm_http import api_base

    assert parse_url("http://10.0.0.5:8000") == ("10.0.0.5", 8000, False)
    assert parse_url("chroma.internal") == ("chroma.internal", 8000, False)
    assert parse_url("https://vectors.example.org") == ("vectors.example.org", 443, True)
    assert api_base("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert api_base("http://127.0.0.1:8080/v1/") == "http://127.0.0.1:8080/v1"
    assert api_base("https://gateway/openai/v1") == "https://gateway/openai/v1"
    with pytest.raises(ValueError, match="http://127.0.0.1:8000"):
        parse_url("ftp://x")
    assert api_base("localhost:8080") == "http://localhost:8080/v1"
    with pytest.raises(ModelError, match="API base"):
        api_base("ftp://localhost:8080")
