"""Run eval suites: index the corpus, ask every question, score, summarise.

Finished cases are appended to a progress file as they complete, so an interrupted run picks
up where it stopped instead of asking again. The file is named after everything that could
change an answer or its score (the suite, the corpus files, the code, the model file and every
setting that matters), so a changed run never reuses old answers; it is deleted once a run
has answered every case.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from eval.failures import classify, evidence, file_name, tally
from eval.grounding import check_answer
from eval.score import score
from eval.suite import Case, SuiteError, load_suite
from index.settings import Settings
from rag.citations import ARITHMETIC

# The naive baseline: a plain RAG pipeline on the same model: dense top-k only, raw text,
# no duplicate detection, no time awareness, no event table, no refusal of unknown names,
# whole passages, a plain prompt with no quote check. max_per_article follows top_k (see
# eval_settings).
NAIVE = {"hybrid": False, "clean": False, "dedup": False, "time_aware": False, "verify_quotes": False,
         "events": False, "refuse_unknown_names": False, "passage_budget": 0}
# Settings that cannot change an answer: where the index and caches live (the index is built
# from the corpus, which is fingerprinted), how many threads, how long to wait for a server,
# the server's key (a secret: never written to the results either). Every other field, including
# any added later, is part of the resume key and of the run's record.
NOT_ANSWER_AFFECTING = {"index_dir", "cache_dir", "threads", "llm_timeout", "llm_api_key"}
ROOT = Path(__file__).resolve().parents[1]
# The code that answers a case (rag/, index/) and that parses and scores it: when it changes,
# earlier results are stale. Hashed by content: a git checkout is not always there.
CODE = [ROOT / "rag", ROOT / "index", ROOT / "eval" / "score.py", ROOT / "eval" / "suite.py",
        ROOT / "eval" / "failures.py"]


@dataclass
class EvalRun:
    summary: dict
    cases: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self, article_text: bool = True) -> dict:
        run = {"summary": self.summary, "cases": self.cases, "problems": self.problems}
        return run if article_text else without_article_text(run)


SHARED_ANSWER_CHARS = 150  # shorter than a paragraph (tests/test_no_seed_text.py looks for 200)


def without_article_text(run: dict) -> dict:
    """The run less the articles' own words (each passage's text, the model's raw reply with its
    quotes, the tail of an answer long enough to be a quoted paragraph): for results kept beside
    articles that may not be redistributed. Scores, citations and timings stay, so
    `rag eval --compare` reads it as before."""
    def shared(case: dict) -> dict:
        answer = case.get("answer") or ""
        if len(answer) > SHARED_ANSWER_CHARS:
            # The sums of a counting answer's breakdown are ours, not the articles': kept, so the
            # grounding check can still read its total.
            sums = " ".join(ARITHMETIC.findall(answer[SHARED_ANSWER_CHARS:]))
            answer = answer[:SHARED_ANSWER_CHARS] + "…" + (f"\n\n{sums}" if sums else "")
        passages = [{k: v for k, v in p.items() if k not in ("text", "excerpt")}
                    for p in case.get("passages", [])]
        return {k: v for k, v in case.items() if k != "raw_reply"} | {"answer": answer, "passages": passages}

    return run | {"cases": [shared(c) for c in run["cases"]]}


def eval_settings(settings: Settings, naive: bool = False, **overrides: object) -> Settings:
    settings = settings.with_(**{**(NAIVE if naive else {}), **overrides})
    if naive and "max_per_article" not in overrides:
        # No per-article cap: a plain pipeline takes the k best passages, whatever their article.
        settings = settings.with_(max_per_article=settings.top_k)
    return settings


def answer_settings(settings: Settings) -> dict:
    """Every setting that can change an answer, as plain values."""
    return {f.name: _plain(getattr(settings, f.name)) for f in fields(settings)
            if f.name not in NOT_ANSWER_AFFECTING}


def run_eval(
    suites: list[str | Path],
    corpus: list[str | Path],
    settings: Settings | None = None,
    *,
    naive: bool = False,
    fresh: bool = False,
    progress: bool | None = None,
    index_dir: Path | None = None,
    **overrides: object,
) -> EvalRun:
    """Evaluate the pipeline (or the naive baseline) on `suites` over the articles in `corpus`."""
    from index.build import build_index
    from rag.api import ask, warm_up
    from rag.models import model_label

    settings = eval_settings(settings or Settings.load(), naive, **overrides)
    settings = settings.with_(index_dir=index_dir or settings.corpus_index_dir(list(corpus)))
    progress = sys.stderr.isatty() if progress is None else progress
    cases, problems = _load(suites)
    if not cases:
        raise SuiteError("no usable case in " + ", ".join(map(str, suites)) + "; " + "; ".join(problems))
    index_report = build_index(list(corpus), settings, progress=progress)
    chunks = _chunks_by_file(settings)

    log = _progress_file(settings, suites, corpus)
    done = _resume(log, fresh)
    if len(done) < len(cases):
        warm_up(settings)  # as the web app does: no case's latency includes loading the models
    results = _ask_all(cases, settings, ask, log, done, progress, chunks)
    if not any(r.get("error") for r in results):
        log.unlink(missing_ok=True)  # complete: the next run starts afresh
    summary = summarise(results)
    summary.update({
        "mode": "naive" if naive else "full",
        "model": model_label(settings),
        "settings": answer_settings(settings),
        "code_version": _code_fingerprint()[:12],
        "suites": [str(s) for s in suites],
        "corpus": [str(c) for c in corpus],
        "documents": len(index_report.documents),
        "chunks": index_report.chunks,
        "resumed_cases": sum(1 for c in cases if c.id in done),
    })
    return EvalRun(summary, results, problems)


def _ask_all(cases: list[Case], settings: Settings, ask, log: Path, done: dict[str, dict],
             progress: bool, chunks: dict[str, list]) -> list[dict]:
    """Every case's result: resumed from `done`, or asked now and appended to `log` at once."""
    results: list[dict] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(cases), desc="eval", unit="case", file=sys.stderr)
    for case in cases:
        resumed = case.id in done
        result = done[case.id] if resumed else _run_case(case, settings, ask, chunks)
        if not resumed:
            with log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(result, ensure_ascii=False) + "\n")
        results.append(result)
        if bar:
            bar.update(1)
            bar.set_postfix(correct=f"{sum(r['correct'] for r in results)}/{len(results)}")
        else:  # no terminal (a log file, CI): one line a case, so a long run shows its pace
            print(f"[{len(results)}/{len(cases)}] {case.id}: {'ok' if result['correct'] else 'WRONG'} "
                  f"({result['timings'].get('total_s', 0):.1f}s{', resumed' if resumed else ''})",
                  file=sys.stderr, flush=True)
    if bar:
        bar.close()
    return results


def _load(suites: list[str | Path]) -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    problems: list[str] = []
    for suite in suites:
        more, bad = load_suite(suite)
        cases += more
        problems += bad
    return cases, problems


def _chunks_by_file(settings: Settings) -> dict[str, list]:
    """Every indexed passage by its article's file name: where a case's evidence is looked for."""
    from index.store import Store, StoreError
    from rag.retrieve import keyword_index

    try:
        store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    except StoreError:
        return {}  # no index: every case fails and says why
    try:
        by_file: dict[str, list] = {}
        for p in keyword_index(store).passages:
            by_file.setdefault(file_name(p.source), []).append(p)
        return by_file
    finally:
        store.close()


def _run_case(case: Case, settings: Settings, ask, chunks: dict[str, list] | None = None) -> dict:
    started = time.perf_counter()
    try:
        answer = ask(case.question, settings)
    except Exception as e:  # noqa: BLE001 - one failing case must not stop the suite
        return {**_case_fields(case), "error": f"{type(e).__name__}: {e}", "correct": False,
                "refused": True, "answer": "", "citations": [], "passages": [],
                "timings": {"total_s": round(time.perf_counter() - started, 3)}}
    given = {p.path: p for p in answer.passages}
    cited = [{"text": c.text, "title": c.title, "outlet": c.outlet, "date": c.date, "source": c.path,
              "author": getattr(given.get(c.path), "author", "")} for c in answer.citations]
    if answer.route in ("events", "metadata") and chunks:  # they rest on the whole cited articles
        cited += [{"text": p.text, "title": p.title, "outlet": p.outlet, "date": p.date}
                  for c in answer.citations for p in chunks.get(Path(c.path).name, [])]
    found = None
    if case.answerable and answer.route == "passages":
        mine = [p for name in case.sources for p in (chunks or {}).get(name, [])]
        found = evidence(case.must_include, case.sources, answer.candidates, answer.passages, mine)
    result = {
        **_case_fields(case),
        **score(case, answer),
        "route": answer.route,
        "withheld": answer.withheld,
        "withheld_why": answer.withheld_why,
        "evidence": found,
        # Names and figures the answer states that no passage it cites does (eval/grounding.py).
        "ungrounded": check_answer(answer.text, case.question, cited) if answer.answered else [],
        "answer": answer.full_text,
        "raw_reply": answer.raw_reply,
        "citations": [{"n": c.n, "path": c.path, "title": c.title, "date": c.date, "id": c.passage_id,
                       "marked": c.marked()} for c in answer.citations],
        "passages": [{"path": p.source, "id": p.id, "title": p.title, "date": p.date, "score": p.score,
                      "text": p.text, "excerpt": p.excerpt} for p in answer.passages],
        "candidates": [{"path": file_name(p.source), "id": p.id} for p in answer.candidates],
        "timings": answer.timings,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
    }
    return result | {"stage": classify(result)}


def _case_fields(case: Case) -> dict:
    return {"id": case.id, "category": case.category, "question": case.question,
            "expected": case.answer, "answerable": case.answerable, "sources": case.sources}


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 3) if values else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 2)


def summarise(results: list[dict]) -> dict:
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    llm_times = [r["timings"].get("total_s", 0.0) for r in results]
    first = [r["timings"]["first_token_s"] for r in results if r["timings"].get("first_token_s")]
    categories: dict[str, list[bool]] = {}
    for r in results:
        categories.setdefault(r["category"] or "-", []).append(r["correct"])
    table = [r for r in results if r.get("route") == "events" and not r.get("refused")]
    return {
        "cases": len(results),
        "answer_accuracy": _mean([float(r["correct"]) for r in results]),
        "answerable_accuracy": _mean([float(r["correct"]) for r in answerable]),
        "refusal_accuracy": _mean([float(r["correct"]) for r in unanswerable]),
        "citation_recall": _mean([r.get("citation_recall") for r in answerable]),
        "citation_precision": _mean([r.get("citation_precision") for r in answerable]),
        # Citations of passage answers whose supporting sentence is in the passage shown (marked).
        "citations_marked": _mean([float(c["marked"]) for r in results if r.get("route") == "passages"
                                   for c in r.get("citations", []) if "marked" in c]),
        "retrieval_recall_at_k": _mean([r.get("retrieval_recall") for r in answerable]),
        "latency_p50_s": _percentile(llm_times, 50),
        "latency_p95_s": _percentile(llm_times, 95),
        "first_token_p50_s": _percentile(first, 50),
        "retrieval_p50_s": _percentile([r["timings"].get("retrieval_s", 0.0) for r in results], 50),
        "prompt_tokens_mean": _mean([r.get("prompt_tokens") or None for r in results]),
        "errors": sum(1 for r in results if r.get("error")),
        "ungrounded_answers": sum(1 for r in results if r.get("ungrounded")),
        # Counting answers from the event table: how many, how many wrong, and of those how many
        # state a figure the case rules out (a double count, a total from another place or period).
        "table_answers": sum(1 for r in table),
        "wrong_totals": sum(1 for r in table if not r["correct"]),
        "wrong_totals_excluded": sum(1 for r in table if not r["correct"] and r.get("states_excluded")),
        "by_category": {k: {"cases": len(v), "accuracy": _mean([float(x) for x in v])}
                        for k, v in sorted(categories.items())},
        **tally(results),
    }


def _progress_file(settings: Settings, suites: list, corpus: list) -> Path:
    material = {
        "suites": [hashlib.sha256(Path(s).read_bytes()).hexdigest() for s in suites],
        "corpus": _corpus_fingerprint(corpus),
        "code": _code_fingerprint(),
        # A different file at the same path answers differently (content too large to hash).
        "models": [_stat_fingerprint(Path(p)) for p in (settings.model_path, settings.embed_model) if p],
        "settings": answer_settings(settings),
    }
    key = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]
    folder = settings.cache_dir / "eval-progress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}.jsonl"


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for root in CODE:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(f"{os.path.relpath(path, ROOT)}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _corpus_fingerprint(corpus: list) -> list:
    """Each article file the indexer would read, and its metadata sidecars: path, size, mtime.
    The indexer itself trusts the same stat() to tell a changed file."""
    from index.load import Skipped, iter_files

    entries: list = []
    for item in iter_files(corpus):
        if isinstance(item, Skipped):
            entries.append([item.path, item.reason])
            continue
        for path in (item, item.with_suffix(".json"), item.with_name(item.name + ".meta.json")):
            if path.is_file():
                entries.append(_stat_fingerprint(path))
    return entries


def _stat_fingerprint(path: Path) -> list:
    """A file's, or a folder's files', absolute path, size and modification time."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out: list = []
    for f in files:
        try:
            st = f.stat()
            out.append([str(f.resolve()), st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([str(f), None, None])  # missing: asking will fail and say so
    return out


def _resume(log: Path, fresh: bool) -> dict[str, dict]:
    """The cases a killed or failed run of the same key finished. The log is rewritten with
    just those, so a half-written last line or a failed case cannot swallow the next line."""
    if fresh:
        log.unlink(missing_ok=True)
        return {}
    done = _read_log(log)
    if log.exists():
        tmp = log.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in done.values()),
                       encoding="utf-8")
        os.replace(tmp, log)
    return done


def _read_log(log: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                result = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was killed
            if isinstance(result, dict) and result.get("id") and not result.get("error"):
                done[result["id"]] = result
    return done


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Path) else value


__all__ = ["NAIVE", "EvalRun", "answer_settings", "run_eval", "summarise"]
