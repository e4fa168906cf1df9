"""The measured work of `rag bench`, each part in a process of its own so that its peak memory
is its own: `python -m bench.worker PART ARGS_JSON` prints one JSON line of figures."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from index.settings import Settings


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index(args: dict) -> dict:
    """The real pipeline over the generated corpus, then once more with nothing changed."""
    from index.build import build_index
    from index.embed import embed

    settings = Settings.load(index_dir=args["index_dir"])
    started = time.perf_counter()
    embed(["load the model before the clock starts"], settings)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    report = build_index([args["corpus"]], settings, progress=args.get("progress", False))
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    again = build_index([args["corpus"]], settings, progress=False)
    reindex_s = time.perf_counter() - started
    if again.changes["embedded_chunks"] or again.changes["unchanged"] != len(report.documents):
        raise RuntimeError(f"re-indexing an unchanged corpus did work: {again.changes}")
    duplicates = sum(1 for d in report.documents if d["duplicate_of"])
    return {"articles": len(report.documents), "duplicates": duplicates, "chunks": report.chunks,
            "index_s": index_s, "reindex_s": reindex_s, "embedder_load_s": load_s,
            "peak_rss_mb": peak_rss_mb()}


def encode(args: dict) -> dict:
    """The baseline: SentenceTransformer.encode of exactly the texts the pipeline embedded,
    with the pipeline's batch size, and nothing else."""
    from index.embed import ENCODE_BATCH, _load_embedder, embedder_path
    from index.store import Store

    settings = Settings.load(index_dir=args["index_dir"])
    store = Store(settings.index_dir, create=False)
    texts = [f"{r['title'] or ''}\n{r['text']}" for r in store.chunk_rows()]
    store.close()
    model = _load_embedder(embedder_path(settings))
    model.encode(["load the model before the clock starts"])
    started = time.perf_counter()
    model.encode(texts, batch_size=ENCODE_BATCH, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=args.get("progress", False))
    return {"chunks": len(texts), "encode_s": time.perf_counter() - started,
            "batch_size": ENCODE_BATCH, "peak_rss_mb": peak_rss_mb()}


def retrieval(args: dict) -> dict:
    """Latency of the real retrieve() path over one store: dense only, keyword only, hybrid."""
    from index.embed import embed
    from index.store import Store
    from rag.retrieve import keyword_index, retrieve

    settings = Settings.load(index_dir=args["index_dir"])
    questions: list[str] = args["questions"]
    store = Store(settings.index_dir, create=False)
    embed(["load the model before the clock starts"], settings)
    started = time.perf_counter()
    keywords = keyword_index(store)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    keywords.vectors(store)  # read once per process, for exact filtered searches (rag/retrieve.py)
    vectors_s = time.perf_counter() - started
    dense_settings, hybrid_settings = settings.with_(hybrid=False), settings.with_(hybrid=True)
    retrieve(questions[0], hybrid_settings, store)  # Chroma loads its HNSW index on first use

    def keyword_only(question: str) -> None:
        from index.dates import question_period

        period = question_period(question)
        allowed = keywords.in_period(period) if period else None
        keywords.search(question, min(settings.candidates, len(keywords.passages)), allowed)

    timings: dict[str, list[float]] = {"dense": [], "keyword": [], "hybrid": []}
    for _ in range(args.get("repeats", 1)):
        for question in questions:
            for mode, run in (("dense", lambda q: retrieve(q, dense_settings, store)),
                              ("keyword", keyword_only),
                              ("hybrid", lambda q: retrieve(q, hybrid_settings, store))):
                t = time.perf_counter()
                run(question)
                timings[mode].append((time.perf_counter() - t) * 1000)
    store.close()
    figures = {"chunks": len(keywords.passages), "keyword_index_build_s": build_s,
               "vectors_read_s": vectors_s,
               "queries": len(timings["hybrid"]), "peak_rss_mb": peak_rss_mb()}
    for mode, ms in timings.items():
        figures[f"{mode}_p50_ms"] = float(np.percentile(ms, 50))
        figures[f"{mode}_p95_ms"] = float(np.percentile(ms, 95))
    return figures


def answer(args: dict) -> dict:
    """Answer latency on the default model over the seed articles, in a process started as the
    web app starts: models loaded and the prompts' fixed opening read (warm_up). llama.cpp's own
    counters say how many prompt tokens it really evaluated: fewer than the prompt when a prefix
    was reused from its KV cache."""
    import llama_cpp

    from index.build import build_index
    from rag.api import ask, warm_up
    from rag.models import load_llm

    settings = Settings.load(index_dir=args["index_dir"], **args.get("settings", {}))
    build_index([args["corpus"]], settings, progress=False)
    started = time.perf_counter()
    llm = load_llm(settings)
    load_s = time.perf_counter() - started
    warm_up(settings)
    warm_s = time.perf_counter() - started - load_s

    def one(question: str, uncached: bool = False) -> dict:
        if uncached:
            llm.reset()  # forget every prompt: nothing can be reused, as in a fresh `rag ask`
        llama_cpp.llama_perf_context_reset(llm.ctx)
        started = time.perf_counter()
        reply = ask(question, settings, stream=True)
        retrieval_s = time.perf_counter() - started
        shown_at = None
        for _ in reply:
            shown_at = shown_at or time.perf_counter() - started
        total_s = time.perf_counter() - started
        perf = llama_cpp.llama_perf_context(llm.ctx)
        prompt_s = perf.t_p_eval_ms / 1000
        return {"question": question, "uncached": uncached, "route": reply.route,
                # When ask() handed back the passages (with their best sentences) and the UI can
                # show them: before the model reads its prompt, for a passage answer.
                "evidence_s": retrieval_s, "prompt_tokens": reply.prompt_tokens,
                "prompt_tokens_evaluated": perf.n_p_eval, "completion_tokens": perf.n_eval,
                # first_token_s: the first token the user is shown; prompt_done_s: when the
                # prompt was read (what a reused prefix shortens).
                "retrieval_s": retrieval_s, "prompt_done_s": retrieval_s + prompt_s,
                "first_token_s": shown_at or total_s, "total_s": total_s,
                "prompt_tokens_per_s": perf.n_p_eval / prompt_s if prompt_s else 0.0,
                "tokens_per_s": perf.n_eval / (perf.t_eval_ms / 1000) if perf.t_eval_ms else 0.0,
                "answered": reply.answered}

    questions: list[str] = args["questions"]
    runs = [one(q) for q in questions]
    # The first question once more with an empty cache: what the prefix cache saves.
    uncached = one(questions[0], uncached=True)
    return {"model_load_s": load_s, "warm_up_s": warm_s, "runs": runs, "uncached_repeat": uncached,
            "peak_rss_mb": peak_rss_mb()}


PARTS = {"index": index, "encode": encode, "retrieval": retrieval, "answer": answer}

if __name__ == "__main__":
    part, raw = sys.argv[1], sys.argv[2]
    print(json.dumps(PARTS[part](json.loads(raw))))
