"""Eval output: a terminal table, a Markdown report with a chart, and run-to-run comparison."""

from __future__ import annotations

from pathlib import Path

from eval.failures import CLASSES, category_table, classify, failure_table, tally

HEADLINE = ["answer_accuracy", "answerable_accuracy", "refusal_accuracy", "citation_recall",
            "citations_marked", "citation_precision", "retrieval_recall_at_k", "latency_p50_s",
            "latency_p95_s", "first_token_p50_s", "prompt_tokens_mean", "ungrounded_answers", "table_answers",
            "wrong_totals", "wrong_totals_excluded"]


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _mark(ok: object) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def case_table(cases: list[dict]) -> str:
    rows = [f"{'case':<28} {'category':<13} {'correct':<8} {'cited':<6} {'found':<6} {'seconds':>7}"
            "  why wrong"]
    for r in cases:
        rows.append(
            f"{r['id'][:28]:<28} {r['category'][:13]:<13} {_mark(r['correct']):<8} "
            f"{_mark(r.get('citation_recall')):<6} {_mark(r.get('retrieval_recall')):<6} "
            f"{r['timings'].get('total_s', 0):>7.1f}  {classify(r) or ''}".rstrip()
        )
    return "\n".join(rows)


def summary_table(summary: dict) -> str:
    rows = [f"{key:<24} {_fmt(summary.get(key))}" for key in ["cases", *HEADLINE]]
    for category, figures in summary.get("by_category", {}).items():
        rows.append(f"  {category:<22} {_fmt(figures['accuracy'])} of {figures['cases']}")
    recall = summary.get("evidence_recall")
    if recall:
        rows.append(f"evidence recall ({recall['cases']} cases): candidates {recall['candidates']:.2f}, "
                    f"passages {recall['passages']:.2f}, excerpts {recall['excerpt']:.2f}")
    failures = summary.get("failures")
    if failures:
        rows.append("why wrong: " + ", ".join(f"{name} {n}" for name, n in failures.items()))
    if summary.get("resumed_cases"):
        # Those answers come from an earlier, interrupted run (same code, corpus and settings).
        rows.append(f"resumed {summary['resumed_cases']} cases from an interrupted run")
    return "\n".join(rows)


def write_markdown(run: dict, path: Path, baseline: dict | None = None) -> Path:
    """A report of `run` (and, if given, the baseline beside it) with a PNG chart next to it."""
    path = Path(path)
    chart = path.with_suffix(".png")
    _chart(run["summary"], baseline["summary"] if baseline else None, chart)
    s = run["summary"]
    lines = [f"# Eval report: {', '.join(Path(x).name for x in s['suites'])}", "",
             f"{s['cases']} cases · model {s['model']} · mode {s['mode']} · {s['documents']} documents, "
             f"{s['chunks']} chunks", "", f"![figures]({chart.name})", ""]
    header = "| figure | this run |" + (" baseline |" if baseline else "")
    lines += [header, "|---|---|" + ("---|" if baseline else "")]
    for key in HEADLINE:
        row = f"| {key} | {_fmt(s.get(key))} |"
        if baseline:
            row += f" {_fmt(baseline['summary'].get(key))} |"
        lines.append(row)
    lines += ["", "| category | cases | accuracy |" + (" baseline |" if baseline else ""),
              "|---|---|---|" + ("---|" if baseline else "")]
    for category, figures in s["by_category"].items():
        row = f"| {category} | {figures['cases']} | {_fmt(figures['accuracy'])} |"
        if baseline:
            row += f" {_fmt(baseline['summary']['by_category'].get(category, {}).get('accuracy'))} |"
        lines.append(row)
    failed = [c for c in run["cases"] if not c["correct"]]
    if failed:
        lines += ["", "## Why cases went wrong", "", "The stage that lost each wrong case "
                  "(`eval/failures.py`), over all cases and by category:", "",
                  failure_table({"all categories": run}), "", category_table(run),
                  "", "## Cases answered wrongly", ""]
        for c in failed:
            answer = " ".join(c.get("answer", "").split())[:240]
            lines.append(f"- **{c['id']}** ({classify(c)}): {c['question']}  \n"
                         f"  expected: {c['expected']}  \n  got: {answer}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _chart(summary: dict, baseline: dict | None, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["answer_accuracy", "refusal_accuracy", "citation_recall", "citation_precision",
            "retrieval_recall_at_k"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.38 if baseline else 0.6
    xs = range(len(keys))
    left.bar([x - (width / 2 if baseline else 0) for x in xs], [summary.get(k) or 0 for k in keys],
             width, label="full pipeline")
    if baseline:
        left.bar([x + width / 2 for x in xs], [baseline.get(k) or 0 for k in keys], width,
                 label="naive baseline")
    left.set_xticks(list(xs), [k.replace("_", "\n") for k in keys], fontsize=8)
    left.set_ylim(0, 1)
    left.legend(fontsize=8)
    lat = ["latency_p50_s", "latency_p95_s"]
    shift = width / 2 if baseline else 0
    right.bar([x - shift for x in range(2)], [summary.get(k) or 0 for k in lat], width)
    if baseline:
        right.bar([x + width / 2 for x in range(2)], [baseline.get(k) or 0 for k in lat], width)
    right.set_xticks([0, 1], ["p50 s", "p95 s"], fontsize=8)
    right.set_title("answer latency", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def compare(a: dict, b: dict, names: tuple[str, str] = ("A", "B")) -> str:
    """Two runs side by side: headline figures, every case in both, then what changed."""
    rows = [f"{'figure':<24} {names[0]:>10} {names[1]:>10}"]
    for key in ["cases", *HEADLINE]:
        rows.append(f"{key:<24} {_fmt(a['summary'].get(key)):>10} {_fmt(b['summary'].get(key)):>10}")
    by_id = {c["id"]: c for c in b["cases"]}
    pairs = [(c, by_id[c["id"]]) for c in a["cases"] if c["id"] in by_id]
    rows += ["", compare_cases(pairs, names)]
    rows += ["", failure_counts(a, b, names)]
    better = [x["id"] for x, y in pairs if not x["correct"] and y["correct"]]
    worse = [x["id"] for x, y in pairs if x["correct"] and not y["correct"]]
    rows += ["", f"better in {names[1]} ({len(better)}): {', '.join(better) or '-'}",
             f"worse in {names[1]} ({len(worse)}): {', '.join(worse) or '-'}"]
    only = sorted(set(by_id) ^ {c["id"] for c in a["cases"]})
    if only:
        rows.append(f"in one run only: {', '.join(only)}")
    return "\n".join(rows)


def failure_counts(a: dict, b: dict, names: tuple[str, str] = ("A", "B")) -> str:
    """Wrong cases of two runs by the stage that lost them (eval/failures.py)."""
    fa, fb = tally(a["cases"])["failures"], tally(b["cases"])["failures"]
    rows = [f"{'why wrong':<30} {names[0][:10]:>10} {names[1][:10]:>10}"]
    for cls in CLASSES:
        if cls in fa or cls in fb:
            rows.append(f"{cls:<30} {fa.get(cls, 0):>10} {fb.get(cls, 0):>10}")
    return "\n".join(rows)


def compare_cases(pairs: list[tuple[dict, dict]], names: tuple[str, str] = ("A", "B")) -> str:
    """One row a case: correct, cited a right article, retrieval found one, and total seconds,
    each as run A / run B; a case whose verdict changed says which way."""
    rows = [f"case by case, A / B (A: {names[0]}, B: {names[1]})",
            f"{'case':<28} {'correct':<9} {'cited':<9} {'found':<9} {'seconds':>14}"]
    verdicts = {(False, True): "  better", (True, False): "  worse"}
    for x, y in pairs:
        changed = verdicts.get((bool(x["correct"]), bool(y["correct"])), "")
        rows.append(
            f"{x['id'][:28]:<28} {_pair(x['correct'], y['correct']):<9} "
            f"{_pair(x.get('citation_recall'), y.get('citation_recall')):<9} "
            f"{_pair(x.get('retrieval_recall'), y.get('retrieval_recall')):<9} "
            f"{_seconds(x):>6.1f} /{_seconds(y):>6.1f}{changed}{_why(x, y)}"
        )
    return "\n".join(rows)


def _why(x: dict, y: dict) -> str:
    """Why each run got the case wrong, when either did."""
    wx, wy = classify(x), classify(y)
    return f"  ({wx or 'ok'} / {wy or 'ok'})" if wx or wy else ""


def _pair(x: object, y: object) -> str:
    return f"{_mark(x)}/{_mark(y)}"


def _seconds(case: dict) -> float:
    return case.get("timings", {}).get("total_s", 0.0)
