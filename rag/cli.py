"""The `rag` command: the Python API, from a shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.settings import SettingError, Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index (incrementally) the articles under PATHs")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _common(p)
    p.add_argument("--chunk-tokens", type=int)
    p.add_argument("--chunk-overlap", type=int)
    p.add_argument("--no-progress", action="store_true")

    p = sub.add_parser("ask", help="answer a question from the indexed articles, with citations")
    p.add_argument("question", nargs="?")
    _common(p)
    p.add_argument("--corpus", action="extend", nargs="+", metavar="PATH",
                   help="answer from exactly these files/folders; they are indexed first, "
                   "incrementally, in an index of their own")
    p.add_argument("--top-k", type=int, help="passages given to the model")
    p.add_argument("--model", dest="model_path", help="a local GGUF file to answer with")
    p.add_argument("--passages", action="store_true", help="also print every retrieved passage")
    p.add_argument("--sources-first", action="store_true",
                   help="print the passages being read, with their best sentences, before the answer")

    p = sub.add_parser("eval", help="run eval suites of question/answer cases")
    p.add_argument("suites", nargs="*", metavar="SUITE.jsonl")
    p.add_argument("--corpus", action="extend", nargs="+", metavar="PATH",
                   help="the articles: files or folders, as many as rag index takes")
    p.add_argument("--index-dir", type=Path, help="index to use (default: one per corpus and settings)")
    p.add_argument("--json", dest="json_out", type=Path, metavar="OUT",
                   help="write every case and the summary")
    p.add_argument("--report", type=Path, metavar="OUT.md",
                   help="write a Markdown report with a PNG chart")
    p.add_argument("--naive", action="store_true",
                   help="the naive baseline instead of the full pipeline")
    p.add_argument("--with-baseline", action="store_true",
                   help="also run the naive baseline and show it beside the full pipeline")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a setting for this run, e.g. --set top_k=6 --set hybrid=false")
    p.add_argument("--model", dest="model_path", help="a local GGUF file to answer with")
    p.add_argument("--top-k", type=int)
    p.add_argument("--fresh", action="store_true", help="ask every case again (no resume)")
    p.add_argument("--no-article-text", action="store_true",
                   help="leave the passages' text and raw replies out of --json (to share or commit results)")
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A.json", "B.json"),
                   help="show two saved runs side by side")
    p.add_argument("--failures", nargs="+", type=Path, metavar="RUN.json",
                   help="why the cases of saved runs went wrong: a Markdown table, one column a run")
    p.add_argument("--replay", type=Path, metavar="RUN.json",
                   help="fill in where the evidence was for a run saved without it, by retrieving "
                   "again (no model) over --corpus; writes --json OUT")
    _servers(p)

    p = sub.add_parser("docs", help="list the indexed articles")
    _common(p)

    p = sub.add_parser("show", help="what indexing reads from files: title, date and its source, outlet, "
                       "author, duplicates, the body text it chunks, and unreadable files with the reason")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object per article (JSON Lines)")

    p = sub.add_parser("events", help="list the event table: counts per event, merged across articles")
    _common(p)
    p.add_argument("--year", type=int, help="only events of this year")

    p = sub.add_parser("doctor", help="check that the models are installed and run")
    _common(p)

    p = sub.add_parser("ui", help="the web app: chat with cited answers, article list, uploads")
    p.add_argument("--index-dir", type=Path, help="where the index lives (env RAG_INDEX_DIR)")
    p.add_argument("--corpus-dir", type=Path,
                   help="where uploaded articles are saved and indexed from (default: INDEX_DIR/uploads)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, help="port (default 7860, or the next free one)")
    p.add_argument("--share", action="store_true", help="also serve through a public gradio.live link")
    _servers(p)

    p = sub.add_parser("bench", help="measure indexing, retrieval and answer speed and memory")
    p.add_argument("--quick", action="store_true", help="a reduced run (under 3 minutes)")
    p.add_argument("--json", dest="json_out", type=Path, metavar="OUT", help="write every figure")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="retrieval latency against index size")
    p.add_argument("--articles", type=int, help="generated articles to index (default 2000; quick 200)")
    p.add_argument("--sizes", help="index sizes for retrieval, e.g. 1000,10000,100000")
    p.add_argument("--questions", type=int, help="questions to answer with the LLM (default 6; quick 2)")
    p.add_argument("--no-llm", action="store_true", help="skip answer latency")
    p.add_argument("--seeds", type=Path, help="articles for answer latency (default ../shared/seeds)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a setting for the answer part only, e.g. --set top_k=3 (to measure a lever)")

    args = parser.parse_args(argv)
    if args.command == "ask" and args.question is None:
        # "rag ask --corpus samples 'How many...?'": --corpus takes several paths, so the question
        # after it lands among them; it is the last one given, and not a file or folder.
        if args.corpus and len(args.corpus) > 1 and not Path(args.corpus[-1]).exists():
            args.question = args.corpus.pop()
        else:
            parser.error("ask: give the question, in quotes: rag ask \"how many ...?\" [--corpus PATH ...]")
    overrides = {k: getattr(args, k, None) for k in ("index_dir", "chunk_tokens", "chunk_overlap", "top_k",
                                                     "model_path", "chroma_url", "llm_url")}
    try:
        settings = Settings.load(**overrides)
        commands = {"index": cmd_index, "ask": cmd_ask, "eval": cmd_eval, "docs": cmd_docs, "show": cmd_show,
                    "events": cmd_events, "doctor": cmd_doctor, "ui": cmd_ui, "bench": cmd_bench}
        commands[args.command](args, settings)
    except KeyboardInterrupt:
        sys.exit(130)
    except SettingError as e:  # a usage error, like a bad flag: argparse's exit code
        print(f"rag: error: {e}", file=sys.stderr)
        sys.exit(2)
    except (ValueError, RuntimeError, OSError) as e:
        print(f"rag: error: {e}", file=sys.stderr)
        sys.exit(1)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", type=Path, help="where the index lives (env RAG_INDEX_DIR)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _servers(p)


def _servers(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chroma-url", metavar="URL",
                   help="a Chroma server for the vectors, e.g. http://127.0.0.1:8000 (env RAG_CHROMA_URL)")
    p.add_argument("--llm-url", metavar="URL", help="an OpenAI-compatible LLM server's API base, e.g. "
                   "http://127.0.0.1:8080/v1 (env RAG_LLM_URL)")


def cmd_index(args: argparse.Namespace, settings: Settings) -> None:
    from index.build import build_index

    report = build_index(args.paths, settings, progress=False if args.no_progress else None)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    c = report.changes
    duplicates = sum(1 for d in report.documents if d["duplicate_of"])
    print(f"{len(report.documents)} articles ({duplicates} duplicates), {report.chunks} chunks in "
          f"{settings.index_dir}\n  added {c['added']}, updated {c['updated']}, removed "
          f"{c['removed']}, unchanged {c['unchanged']}; embedded {c['embedded_chunks']} chunks "
          f"in {report.seconds:.1f}s")
    for s in report.skipped:
        print(f"  skipped {s['path']}: {s['reason']}")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> None:
    from rag.api import ask

    answer = ask(args.question, settings, corpus=args.corpus, stream=not args.json)
    if args.json:
        print(json.dumps(answer.to_dict(passages=args.passages), indent=2, ensure_ascii=False))
        return
    if args.sources_first and answer.passages:
        print(f"Reading {len(answer.passages)} passages:\n{answer.reading()}\n", flush=True)
    for token in answer:
        print(token, end="", flush=True)
    print()
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.n}] {c.label()}\n    {c.path}")
    if args.passages:
        print("\nRetrieved passages:")
        for n, p in enumerate(answer.passages, start=1):
            print(f"\n[{n}] {p.title} ({p.date}) {p.path}\n{p.text}")
    t = answer.timings
    print(f"\n({answer.model}; {answer.prompt_tokens} prompt tokens; first token "
          f"{t.get('first_token_s', 0):.1f}s, total {t.get('total_s', 0):.1f}s)", file=sys.stderr)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> None:
    from eval.report import case_table, compare, summary_table, write_markdown
    from eval.run import run_eval

    if args.compare:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        print(compare(a, b, (args.compare[0].stem, args.compare[1].stem)))
        return
    if args.failures:
        from eval.failures import category_table, failure_table

        runs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in args.failures}
        print(failure_table(runs))
        for name, run in runs.items():
            print(f"\n{name}, by category:\n{category_table(run)}")
        return
    if args.replay:
        from eval.failures import replay
        from eval.run import eval_settings

        if not args.corpus or not args.json_out:
            raise ValueError("rag eval --replay RUN.json needs the run's --corpus PATH and --json OUT")
        run = json.loads(args.replay.read_text(encoding="utf-8"))
        recorded = {k: v for k, v in run["summary"]["settings"].items() if k not in ("chroma_url", "llm_url")}
        replay_settings = eval_settings(settings, **recorded)
        replay_settings = replay_settings.with_(
            index_dir=args.index_dir or replay_settings.corpus_index_dir(list(args.corpus)))
        from index.build import build_index

        build_index(list(args.corpus), replay_settings, progress=None)
        done = replay(run, replay_settings, args.suites or None)
        args.json_out.write_text(json.dumps(done, indent=1, ensure_ascii=False), encoding="utf-8")
        matched = [c["replay_matches"] for c in done["cases"] if c.get("replayed")]
        print(f"replayed {len(matched)} cases; passages as recorded in {sum(matched)}; "
              f"written to {args.json_out}")
        return
    if not args.suites or not args.corpus:
        raise ValueError("rag eval needs SUITE.jsonl files and --corpus PATH (or --compare A.json B.json)")
    overrides = dict(_key_value(item) for item in args.set)
    runs = {}
    for mode in (["full", "naive"] if args.with_baseline else ["naive" if args.naive else "full"]):
        run = run_eval(args.suites, args.corpus, settings, naive=mode == "naive", fresh=args.fresh,
                       index_dir=args.index_dir if mode == "full" or not args.with_baseline else None,
                       **overrides)
        for problem in run.problems:
            print(f"skipped case: {problem}", file=sys.stderr)
        print(f"\n== {mode} ==\n{case_table(run.cases)}\n\n{summary_table(run.summary)}")
        runs[mode] = run.to_dict(article_text=not args.no_article_text)
    main_run = runs.get("full") or runs["naive"]
    if args.json_out:
        args.json_out.write_text(json.dumps(main_run, indent=1, ensure_ascii=False), encoding="utf-8")
        if "naive" in runs and "full" in runs:
            naive_out = args.json_out.with_suffix(".naive.json")
            naive_out.write_text(json.dumps(runs["naive"], indent=1, ensure_ascii=False), encoding="utf-8")
    if "naive" in runs and "full" in runs:
        print("\n" + compare(runs["naive"], runs["full"], ("naive", "full")))
    if args.report:
        baseline = runs.get("naive") if "full" in runs else None
        print(f"report: {write_markdown(main_run, args.report, baseline)}")


def _key_value(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep:
        raise ValueError(f"--set takes KEY=VALUE, not '{item}'")
    return key.strip().replace("-", "_"), value.strip()


def cmd_docs(args: argparse.Namespace, settings: Settings) -> None:
    from index.build import describe_index

    docs = describe_index(settings)
    if args.json:
        print(json.dumps(docs, indent=2, ensure_ascii=False))
        return
    for d in docs:
        date = f"{d['date'] or '????'}{'~' if d['date_inferred'] else ''}"
        dup = f"  (duplicate of {Path(d['duplicate_of']).name})" if d["duplicate_of"] else ""
        print(f"{date:<11} {d['outlet'] or '-':<16} {d['title'][:70]}{dup}\n{'':12}{d['path']}")


def cmd_show(args: argparse.Namespace, settings: Settings) -> None:
    from rag import show

    shown = show(args.paths, settings)
    if args.json:
        for record in shown.articles + shown.skipped:
            print(json.dumps(record, ensure_ascii=False))
        return
    for a in shown.articles:
        print(f"== {a['path']}")
        date = a["date"] or "none found"
        if a["date"]:
            date += f" ({a['date_source']}{': ' + a['date_note'] if a['date_note'] != 'dateline' else ''})"
        for label, value in (("title", a["title"]), ("date", date), ("outlet", a["outlet"]),
                             ("author", a["author"]), ("pages", a["pages"]),
                             ("duplicate of", a["duplicate_of"]), ("note", a["note"])):
            if value:
                print(f"{label + ':':<14}{value}")
        print(f"\n{a['text']}\n")
    for s in shown.skipped:
        print(f"skipped {s['path']}: {s['reason']}")
    print(f"{len(shown.articles)} articles, {len(shown.skipped)} skipped", file=sys.stderr)


def cmd_events(args: argparse.Namespace, settings: Settings) -> None:
    from rag import events

    rows = [e for e in events(settings) if args.year is None or e["year"] == args.year]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for e in rows:
        date = (e["date"] or "????") + ("~" if e["date_inferred"] else "")
        where = ", ".join(e["places"][:2]) or "-"
        print(f"{e['id']:<4} {date:<11} {where[:40]}")
        for c in e["counts"]:
            also = ", ".join(f"{v:g}" for v in c["other_figures"])
            others = f"; also reported: {also}" if also else ""
            print(f"{'':5}{c['figure']:g} {c['noun'] or 'people'} {c['outcome']} ({c['rule']}{others})")
        for st in e["statements"]:
            print(f"{'':5}[{st['kind'].replace('_', ' ')}] {st['figure']:g} {st['noun'] or 'people'} "
                  f"{st['outcome']}: not counted as an event")
        for source in e["sources"]:
            print(f"{'':5}{Path(source).name}")
    print(f"{len(rows)} events ('~': date inferred; '????': year unknown)", file=sys.stderr)


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> None:
    """Assemble the default model if needed, then prove both models run."""
    import time

    from index.embed import embed
    from rag.models import load_llm, model_label, model_path

    t = time.perf_counter()
    vector = embed(["Two boats were rescued off the coast"], settings)[0]
    print(f"embedding model: ok ({len(vector)} dimensions, {time.perf_counter() - t:.1f}s)")
    t = time.perf_counter()
    path = settings.llm_url or model_path(settings)
    llm = load_llm(settings)
    out = llm.create_completion("The capital of France is", max_tokens=1, temperature=0)
    token = out["choices"][0]["text"]
    print(f"LLM: ok ({model_label(settings)} at {path}; one-token completion {token!r}, "
          f"{time.perf_counter() - t:.1f}s)")
    if args.json:
        print(json.dumps({"embedding_dim": len(vector), "model_path": str(path)}))


def cmd_bench(args: argparse.Namespace, settings: Settings) -> None:
    from bench import BenchPlan, format_table, plot, run_bench

    plan = BenchPlan.quick() if args.quick else BenchPlan()
    plan.articles = args.articles or plan.articles
    plan.sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else plan.sizes
    plan.answer_questions = args.questions or plan.answer_questions
    plan.llm = not args.no_llm
    plan.seeds = args.seeds or plan.seeds
    plan.settings = dict(_key_value(item) for item in args.set)
    figures = run_bench(plan, settings)
    print(format_table(figures))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
        print(f"figures: {args.json_out}")
    if args.plot:
        print(f"plot: {plot(figures, args.plot)}")


def cmd_ui(args: argparse.Namespace, settings: Settings) -> None:
    """Serve the web app until interrupted. RAG_UI_USER and RAG_UI_PASSWORD turn on a login."""
    from ui.app import launch

    launch(settings, host=args.host, port=args.port, share=args.share, corpus_dir=args.corpus_dir)


if __name__ == "__main__":
    main()
