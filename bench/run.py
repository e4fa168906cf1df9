"""`rag bench`: how fast indexing, retrieval and answering are on this machine, each figure
beside a baseline measured in the same run.

Each measured part runs in a process of its own (bench/worker.py), so its peak memory is its
own and one part's warm caches do not flatter another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.corpus import generate_corpus
from bench.stores import build_scaled_store, read_chunks
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "eval" / "suites" / "seeds.jsonl"
SEEDS = ROOT.parent / "shared" / "seeds"

TARGETS = {"index_overhead_ratio": 1.3, "reindex_s_per_1000": 1.0, "hybrid_p95_ms": 50.0,
           "first_token_s": 5.0, "evidence_s": 0.5, "answer_total_s": 15.0, "answer_peak_rss_mb": 3072.0}


@dataclass
class BenchPlan:
    articles: int = 2000
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    answer_questions: int = 6
    retrieval_questions: int = 90  # every question of the suite
    seeds: Path | None = SEEDS
    llm: bool = True
    settings: dict = field(default_factory=dict)  # overrides for the answer part (levers)

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(articles=200, sizes=(1_000, 10_000), answer_questions=2, retrieval_questions=40)


def run_bench(plan: BenchPlan | None = None, settings: Settings | None = None, workdir: Path | None = None,
              progress: bool = True) -> dict:
    """Run every measurement of `plan`; returns every figure (see `table` for the summary)."""
    plan = plan or BenchPlan()
    settings = settings or Settings.load()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as scratch:
        work = Path(workdir or scratch)
        say = (lambda msg: print(f"[bench] {msg}", file=sys.stderr, flush=True)) if progress else _quiet
        started = time.perf_counter()
        figures: dict = {"machine": machine(), "plan": {"articles": plan.articles, "sizes": list(plan.sizes),
                                                         "answer_questions": plan.answer_questions}}
        questions = suite_questions()

        say(f"generating {plan.articles} articles")
        corpus = work / "corpus"
        generate_corpus(corpus, plan.articles)
        index_dir = work / "index"
        say("indexing them with the real pipeline (then once more, unchanged)")
        figures["index"] = worker("index", {"corpus": str(corpus), "index_dir": str(index_dir),
                                            "progress": progress}, settings)
        say("baseline: raw SentenceTransformer.encode of the same chunk texts")
        figures["encode"] = worker("encode", {"index_dir": str(index_dir), "progress": progress}, settings)

        real = read_chunks(index_dir)
        figures["retrieval"] = {}
        for size in plan.sizes:
            say(f"retrieval at {size:,} chunks: building the store")
            store_dir = work / f"store-{size}"
            made = build_scaled_store(real, store_dir, size)
            say(f"retrieval at {size:,} chunks: timing {plan.retrieval_questions} questions")
            asked = questions[: plan.retrieval_questions]
            timed = worker("retrieval", {"index_dir": str(store_dir), "questions": asked}, settings)
            figures["retrieval"][str(size)] = made | timed
        del real

        if plan.llm and plan.seeds and Path(plan.seeds).is_dir():
            picked = spread(answerable_questions(), plan.answer_questions)
            say(f"answering {len(picked)} questions on the seed articles with the LLM")
            figures["answer"] = worker("answer", {"corpus": str(plan.seeds), "index_dir": str(work / "seeds"),
                                                  "questions": picked, "settings": plan.settings}, settings)
        elif plan.llm:
            say(f"no seed articles at {plan.seeds}: answer latency skipped (pass --seeds DIR)")
        figures["bench_s"] = time.perf_counter() - started
        figures.update(headline(figures))
        return figures


def _quiet(msg: str) -> None:
    pass


def worker(part: str, args: dict, settings: Settings) -> dict:
    """Run one part in a fresh process of this interpreter; its settings come from the env."""
    env = dict(os.environ, RAG_CACHE_DIR=str(settings.cache_dir), RAG_THREADS=str(settings.threads))
    if settings.embed_model:
        env["RAG_EMBED_MODEL"] = settings.embed_model
    if settings.model_path:
        env["RAG_MODEL_PATH"] = settings.model_path
    done = subprocess.run([sys.executable, "-m", "bench.worker", part, json.dumps(args)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the bench part '{part}' failed (exit {done.returncode}); its error is above")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    import platform

    flags = ""
    if Path("/proc/cpuinfo").exists():
        cpuinfo = Path("/proc/cpuinfo").read_text()
        flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                      if line.startswith("model name")), platform.processor())
    else:
        model = platform.processor()
    return {"cores": os.cpu_count(), "cpu": model, "avx512": " avx512f " in f" {flags} ",
            "python": platform.python_version()}


def suite_questions() -> list[str]:
    return [json.loads(line)["question"] for line in SUITE.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def answerable_questions() -> list[str]:
    cases = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c["question"] for c in cases if c.get("answerable", True)]


def spread(items: list, n: int) -> list:
    """n items spread evenly over the list (the suite is grouped by article and category)."""
    if n >= len(items):
        return list(items)
    return [items[round(i * (len(items) - 1) / max(1, n - 1))] for i in range(n)]


def headline(f: dict) -> dict:
    """The figures the issue names, flat, for --json and the table."""
    out: dict = {}
    index, encode = f["index"], f["encode"]
    out["index_s"] = index["index_s"]
    out["encode_s"] = encode["encode_s"]
    out["index_overhead_ratio"] = index["index_s"] / encode["encode_s"]
    out["index_articles_per_s"] = index["articles"] / index["index_s"]
    out["index_chunks_per_s"] = index["chunks"] / index["index_s"]
    out["encode_chunks_per_s"] = encode["chunks"] / encode["encode_s"]
    out["reindex_s_per_1000"] = index["reindex_s"] / index["articles"] * 1000
    out["index_s_per_1000"] = index["index_s"] / index["articles"] * 1000
    out["index_peak_rss_mb"] = index["peak_rss_mb"]
    out["encode_peak_rss_mb"] = encode["peak_rss_mb"]
    sizes = sorted(f["retrieval"], key=int)
    for size in sizes:
        r = f["retrieval"][size]
        for key in ("dense_p50_ms", "dense_p95_ms", "keyword_p50_ms", "keyword_p95_ms", "hybrid_p50_ms",
                    "hybrid_p95_ms", "keyword_index_build_s", "vectors_read_s", "peak_rss_mb"):
            out[f"retrieval_{size}_{key}"] = r[key]
    if sizes:
        out["hybrid_p95_ms"] = f["retrieval"][sizes[-1]]["hybrid_p95_ms"]
        out["hybrid_p95_chunks"] = int(sizes[-1])
    if "answer" in f:
        a = f["answer"]
        runs = a["runs"]
        out["answer_prompt_tokens_mean"] = float(np.mean([r["prompt_tokens"] for r in runs]))
        out["first_token_s"] = max(r["first_token_s"] for r in runs)
        out["first_token_s_p50"] = float(np.median([r["first_token_s"] for r in runs]))
        # Evidence on screen: passage answers only (a counting answer arrives whole, in 2-3 s).
        shown = [r["evidence_s"] for r in runs if r.get("route") == "passages"]
        if shown:
            out["evidence_s"] = max(shown)
            out["evidence_s_p50"] = float(np.median(shown))
            out["evidence_answers"] = len(shown)
        out["prompt_done_s_max"] = max(r["prompt_done_s"] for r in runs)
        out["answer_total_s"] = max(r["total_s"] for r in runs)
        out["answer_total_s_p50"] = float(np.median([r["total_s"] for r in runs]))
        out["tokens_per_s"] = float(np.median([r["tokens_per_s"] for r in runs]))
        out["prompt_tokens_per_s"] = float(np.median([r["prompt_tokens_per_s"] for r in runs]))
        out["answer_peak_rss_mb"] = a["peak_rss_mb"]
        out["model_load_s"] = a["model_load_s"]
        out["warm_up_s"] = a["warm_up_s"]
        first, uncached = runs[0], a["uncached_repeat"]
        out["prefix_cache_tokens_reused"] = first["prompt_tokens"] - first["prompt_tokens_evaluated"]
        out["prompt_done_s_cold"] = uncached["prompt_done_s"]
        out["prompt_done_s_prefix_cached"] = first["prompt_done_s"]
        out["first_token_s_uncached"] = uncached["first_token_s"]
    return out


def table(f: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(figure, value, baseline, ratio, target, met?) rows."""
    rows: list[tuple[str, str, str, str, str, str]] = []

    def row(name: str, value: str, base: str = "", ratio: float | None = None, target: str = "",
            met: bool | None = None) -> None:
        rows.append((name, value, base, f"{ratio:.2f}x" if ratio is not None else "", target,
                     "" if met is None else ("yes" if met else "NO")))

    i = f["index"]
    row(f"index {i['articles']:,} articles / {i['chunks']:,} chunks",
        f"{f['index_s']:.1f} s ({f['index_articles_per_s']:.1f} art/s, {f['index_chunks_per_s']:.1f} ch/s)",
        f"raw encode {f['encode_s']:.1f} s ({f['encode_chunks_per_s']:.1f} ch/s)", f["index_overhead_ratio"],
        "<= 1.3x", f["index_overhead_ratio"] <= TARGETS["index_overhead_ratio"])
    row("unchanged re-index, per 1,000 articles", f"{f['reindex_s_per_1000']:.3f} s",
        f"first index {f['index_s_per_1000']:.1f} s", f["reindex_s_per_1000"] / f["index_s_per_1000"],
        "< 1 s", f["reindex_s_per_1000"] < TARGETS["reindex_s_per_1000"])
    sizes = sorted(f["retrieval"], key=int)
    smallest = f["retrieval"][sizes[0]]
    for size in sizes:
        r = f["retrieval"][size]
        copies = f" ({r['copied_chunks']:,} copies)" if r["copied_chunks"] else ""
        for mode in ("dense", "keyword", "hybrid"):
            p95 = r[f"{mode}_p95_ms"]
            is_target = mode == "hybrid" and size == sizes[-1]
            row(f"{mode} retrieval p50 / p95, {int(size):,} chunks{copies}",
                f"{r[f'{mode}_p50_ms']:.1f} / {p95:.1f} ms",
                f"{smallest[f'{mode}_p95_ms']:.1f} ms at {int(sizes[0]):,}" if size != sizes[0] else "",
                p95 / smallest[f"{mode}_p95_ms"] if size != sizes[0] else None,
                "p95 < 50 ms" + (" at 100k" if int(size) < 100_000 else "") if mode == "hybrid" else "",
                p95 < TARGETS["hybrid_p95_ms"] if is_target else None)
        row(f"keyword index build / vectors read, {int(size):,} chunks",
            f"{r['keyword_index_build_s']:.2f} s / {r['vectors_read_s']:.2f} s")
    row("indexing peak RSS", f"{f['index_peak_rss_mb']:.0f} MB",
        f"raw encode {f['encode_peak_rss_mb']:.0f} MB", f["index_peak_rss_mb"] / f["encode_peak_rss_mb"])
    if "answer_total_s" in f:
        n = len(f["answer"]["runs"])
        row(f"prompt tokens per answer (mean of {n})", f"{f['answer_prompt_tokens_mean']:.0f}")
        row(f"prompt read, prefix cached ({f['prefix_cache_tokens_reused']} tokens reused)",
            f"{f['prompt_done_s_prefix_cached']:.2f} s", f"empty cache {f['prompt_done_s_cold']:.2f} s",
            f["prompt_done_s_prefix_cached"] / f["prompt_done_s_cold"])
        if "evidence_s" in f:
            row(f"evidence on screen, worst of {f['evidence_answers']} passage answers (median)",
                f"{f['evidence_s']:.2f} s ({f['evidence_s_p50']:.2f})", "", None, "<= 0.5 s",
                f["evidence_s"] <= TARGETS["evidence_s"])
        row(f"time to first shown token, worst of {n} (median)",
            f"{f['first_token_s']:.2f} s ({f['first_token_s_p50']:.2f})", "", None, "< 5 s",
            f["first_token_s"] < TARGETS["first_token_s"])
        row(f"full answer, worst of {n} (median)",
            f"{f['answer_total_s']:.1f} s ({f['answer_total_s_p50']:.1f})", "", None, "< 15 s",
            f["answer_total_s"] < TARGETS["answer_total_s"])
        row("prompt processing / generation",
            f"{f['prompt_tokens_per_s']:.0f} / {f['tokens_per_s']:.1f} tokens/s")
        row("answering peak RSS", f"{f['answer_peak_rss_mb']:.0f} MB", "", None, "< 3 GB",
            f["answer_peak_rss_mb"] < TARGETS["answer_peak_rss_mb"])
    return rows


def format_table(f: dict) -> str:
    rows = [("figure", "value", "baseline", "ratio", "target", "met?"), *table(f)]
    widths = [max(len(r[c]) for r in rows) for c in range(6)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    m = f["machine"]
    head = (f"rag bench: {m['cores']} cores ({m['cpu']}), {f['bench_s']:.0f} s. Stores above the real chunk "
            "count are real chunks plus copies with changed figures and noisy embeddings.")
    return head + "\n\n" + "\n".join(lines)


def plot(f: dict, out: Path) -> Path:
    """Retrieval latency (p50 and p95) against the number of chunks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(f["retrieval"], key=int)
    x = [int(s) for s in sizes]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for mode, color in (("dense", "tab:blue"), ("keyword", "tab:orange"), ("hybrid", "tab:green")):
        ax.plot(x, [f["retrieval"][s][f"{mode}_p95_ms"] for s in sizes], "o-", color=color,
                label=f"{mode} p95")
        ax.plot(x, [f["retrieval"][s][f"{mode}_p50_ms"] for s in sizes], "o--", color=color, alpha=0.5,
                label=f"{mode} p50")
    ax.axhline(TARGETS["hybrid_p95_ms"], color="grey", linestyle=":", label="target: hybrid p95 50 ms")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency per question (ms)")
    ax.set_title(f"Retrieval latency, {f['machine']['cores']} CPU cores, no LLM")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
