"""Load test: many users asking at once through ask(), against a Chroma server and an LLM server.

The same questions are asked first one at a time (the baseline, and the reference answer for
each question), then all at once from one thread per user. Reported: throughput, p50/p95
latency, and whether every user got the answer to their own question: the same passages and
the same reply as when the question was asked alone (the model is greedy), nothing lost.

    python -m eval.load --corpus ../shared/seeds --report docs/load-test.md

starts both servers itself (the tiny SmolLM2 model) unless given --chroma-url / --llm-url.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from index.settings import Settings
from rag.api import ask


@dataclass
class Reply:
    question: str
    passages: list[str]
    reply: str
    prompt_tokens: int
    seconds: float


@dataclass
class Run:
    label: str
    seconds: float
    replies: dict[int, Reply] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Answers per minute."""
        return 60 * len(self.replies) / self.seconds if self.seconds else 0.0

    def latency(self, percent: int) -> float:
        times = sorted(r.seconds for r in self.replies.values())
        if not times:
            return 0.0
        return times[max(0, math.ceil(percent / 100 * len(times)) - 1)]  # nearest rank


@dataclass
class LoadReport:
    questions: list[str]
    alone: Run
    together: Run
    setup: dict[str, str]

    def lost(self) -> list[int]:
        return [i for i in range(len(self.questions)) if i not in self.together.replies]

    def mixed_up(self) -> list[int]:
        """Users whose answer is not the one their question gets when asked alone: another
        question, other passages, or another prompt."""
        out = []
        for i, got in self.together.replies.items():
            ref = self.alone.replies.get(i)
            if got.question != self.questions[i] or (ref and (got.passages, got.prompt_tokens) !=
                                                     (ref.passages, ref.prompt_tokens)):
                out.append(i)
        return out

    def same_reply(self) -> int:
        return sum(1 for i, got in self.together.replies.items()
                   if i in self.alone.replies and got.reply == self.alone.replies[i].reply)

    def markdown(self) -> str:
        rows = [(self.alone, "baseline"), (self.together, f"{len(self.questions)} users at once")]
        lines = ["| run | answers | wall time | throughput | latency p50 | latency p95 |",
                 "|---|---|---|---|---|---|"]
        for run, label in rows:
            lines.append(f"| {run.label} ({label}) | {len(run.replies)}/{len(self.questions)} | "
                         f"{run.seconds:.1f} s | {run.throughput:.1f} /min | {run.latency(50):.1f} s | "
                         f"{run.latency(95):.1f} s |")
        ratio = self.together.throughput / self.alone.throughput if self.alone.throughput else 0.0
        setup = "; ".join(f"{k}: {v}" for k, v in self.setup.items())
        return "\n".join([
            *lines, "",
            f"Throughput ratio, at once / one at a time: **{ratio:.2f}x**. Lost answers: "
            f"{len(self.lost())}; answers with another question's passages or prompt: "
            f"{len(self.mixed_up())}; replies identical to the question asked alone: "
            f"{self.same_reply()}/{len(self.together.replies)}.", "",
            f"Set-up: {setup}.",
        ])


def run_load(questions: list[str], settings: Settings, timeout: float = 600) -> LoadReport:
    """Ask `questions` one at a time, then all at once (one thread each); see the module doc."""
    load_before = os.getloadavg()[0]
    alone = Run("one at a time", 0.0)
    started = time.perf_counter()
    for i, question in enumerate(questions):
        _ask_into(alone, i, question, settings, time.perf_counter())
    alone.seconds = time.perf_counter() - started

    together = Run("all at once", 0.0)
    gate = threading.Barrier(len(questions))

    def user(i: int) -> None:
        gate.wait()
        _ask_into(together, i, questions[i], settings, time.perf_counter())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        futures = [pool.submit(user, i) for i in range(len(questions))]
        wait(futures, timeout=timeout)
        together.seconds = time.perf_counter() - started
    setup = {"model": settings.llm_model or "the LLM server's", "passages": str(settings.top_k),
             "max answer tokens": str(settings.max_answer_tokens),
             # Other work on the machine skews the figures: the 1-minute load average shows it.
             "load average before / after": f"{load_before:.1f} / {os.getloadavg()[0]:.1f} "
                                             f"on {os.cpu_count()} cores"}
    return LoadReport(questions, alone, together, setup)


def _ask_into(run: Run, i: int, question: str, settings: Settings, started: float) -> None:
    try:
        answer = ask(question, settings)
    except Exception as e:  # a lost answer is a result to report, not a crash
        run.errors[i] = f"{type(e).__name__}: {e}"
        return
    run.replies[i] = Reply(answer.question, [p.id for p in answer.passages], answer.raw_reply,
                           answer.prompt_tokens, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    from eval.servers import start_chroma, start_llm, tiny_model
    from eval.suite import load_suite
    from index.build import build_index

    parser = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, type=Path, help="the articles to index")
    parser.add_argument("--suite", type=Path, default=Path("eval/suites/seeds.jsonl"),
                        help="where the questions come from (its answerable cases, in order)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--chroma-url", help="a running Chroma server (default: start one)")
    parser.add_argument("--llm-url", help="a running LLM server (default: start one with SmolLM2-135M)")
    parser.add_argument("--threads", type=int, default=2, help="threads of the LLM server it starts")
    parser.add_argument("--top-k", type=int, default=2)
    parser.add_argument("--max-answer-tokens", type=int, default=32)
    parser.add_argument("--report", type=Path, help="also write the figures to this Markdown file")
    args = parser.parse_args(argv)

    cases, _ = load_suite(args.suite)
    questions = [c.question for c in cases if c.answerable][: args.users]
    servers = []
    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp:
        try:
            chroma_url, llm_url = args.chroma_url, args.llm_url
            if not chroma_url:
                servers.append(start_chroma(Path(tmp) / "chroma", Path(tmp)))
                chroma_url = servers[-1].url
            if not llm_url:
                servers.append(start_llm(tiny_model(), Path(tmp), threads=args.threads))
                llm_url = servers[-1].url
            settings = Settings.load(index_dir=Path(tmp) / "index", chroma_url=chroma_url, llm_url=llm_url,
                                     top_k=args.top_k, max_answer_tokens=args.max_answer_tokens)
            build_index([args.corpus], settings, progress=True)
            report = run_load(questions, settings)
        finally:
            for server in servers:
                server.stop()
    if not args.llm_url:
        report.setup["model"] = f"SmolLM2-135M-Instruct Q4_1 on llama_cpp.server, {args.threads} threads"
    text = report.markdown()
    print(text)
    for i, error in report.together.errors.items():
        print(f"lost: {questions[i]!r}: {error}")
    if args.report:
        args.report.write_text(f"# Load test\n\n`python -m eval.load --corpus {args.corpus}`\n\n{text}\n",
                               encoding="utf-8")


if __name__ == "__main__":
    main()
