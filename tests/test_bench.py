"""`rag bench` in miniature: a few dozen generated articles, stores of a few hundred and 1,000
chunks, no LLM. Checks that every figure is there and is a positive number."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.corpus import generate_corpus

ROOT = Path(__file__).resolve().parents[1]


def test_generated_corpus_is_deterministic_and_article_sized(tmp_path):
    a = generate_corpus(tmp_path / "a", 30)
    b = generate_corpus(tmp_path / "b", 30)
    assert [p.read_text() for p in a] == [p.read_text() for p in b]
    words = [len(p.read_text().split()) for p in a]
    assert min(words) > 300 and max(words) < 1100
    assert any(p.name.startswith("copy-") for p in generate_corpus(tmp_path / "c", 200))


def test_tiny_bench_writes_every_figure(tmp_path):
    out, png = tmp_path / "bench.json", tmp_path / "latency.png"
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "bench", "--articles", "12", "--sizes", "200,1000", "--no-llm",
         "--json", str(out), "--plot", str(png)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "hybrid retrieval p50 / p95, 1,000 chunks" in done.stdout
    figures = json.loads(out.read_text())
    assert figures["hybrid_p95_chunks"] == 1000
    assert figures["retrieval"]["1000"]["chunks"] == 1000
    assert figures["index"]["articles"] == 12 and figures["index"]["chunks"] > 12
    keys = ["index_overhead_ratio", "hybrid_p95_ms", "index_chunks_per_s", "encode_chunks_per_s",
            "reindex_s_per_1000", "index_peak_rss_mb", "retrieval_200_dense_p95_ms",
            "retrieval_1000_keyword_p95_ms", "retrieval_1000_hybrid_p50_ms"]
    for key in keys:
        assert isinstance(figures[key], float) and figures[key] > 0, key
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
