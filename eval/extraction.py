"""How well the indexer reads web pages: `rag show`'s text scored on ../shared/htmleval (100 real
pages with snippets their main text must and must not contain), beside trafilatura's own figure.

    python -m eval.extraction                      # ours (rag show, after our cleaning) vs trafilatura
    python -m eval.extraction --options            # also trafilatura's options, to choose between them
    rag show ../shared/htmleval/pages --json > out.jsonl && python -m eval.extraction --jsonl out.jsonl

Scoring as htmleval/README.md says (and trafilatura's evaluation counts): whitespace collapsed
in text and snippet; a `with` snippet found is a true positive, else a false negative; a
`without` snippet found is a false positive."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

HTMLEVAL = Path(__file__).resolve().parents[2] / "shared" / "htmleval"
# Options of trafilatura.extract() measured by --options (each on top of its defaults).
OPTIONS = {
    "favor_precision": {"favor_precision": True},
    "favor_recall": {"favor_recall": True},
    "no tables": {"include_tables": False},
    "fast (no fallbacks)": {"fast": True},
    "no comments": {"include_comments": False},
    "no comments, favor_recall": {"include_comments": False, "favor_recall": True},
    "no comments, favor_precision": {"include_comments": False, "favor_precision": True},
    "no comments, fast (ours)": {"include_comments": False, "fast": True},
}


@dataclass
class Score:
    reader: str
    pages: int  # pages in the evaluation set
    records: int  # pages that gave a record with text
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "f1": round(self.f1, 3)}


def load_cases(htmleval: Path = HTMLEVAL) -> dict[str, dict]:
    """page file name -> {"with": [...], "without": [...]}."""
    data = json.loads((htmleval / "evaldata.json").read_text(encoding="utf-8"))
    return {case["file"]: case for case in data.values()}


def score(reader: str, texts: dict[str, str], cases: dict[str, dict]) -> Score:
    """`texts`: page file name -> extracted text (a page without one scores as empty)."""
    tp = fp = fn = 0
    for name, case in cases.items():
        text = " ".join((texts.get(name) or "").split())
        for snippet in case["with"]:
            if " ".join(snippet.split()) in text:
                tp += 1
            else:
                fn += 1
        fp += sum(" ".join(s.split()) in text for s in case["without"])
    records = sum(1 for name in cases if (texts.get(name) or "").strip())
    return Score(reader, len(cases), records, tp, fp, fn)


def records_by_page(records: list[dict]) -> dict[str, str]:
    """`rag show --json` records -> page file name -> text (skipped files have no text)."""
    return {Path(r["path"]).name: r["text"] for r in records if "text" in r}


def ours(htmleval: Path = HTMLEVAL) -> dict[str, str]:
    """What `rag show` gives for the pages: trafilatura, then our cleaning across the pages."""
    from index.build import show_files
    from index.settings import Settings

    shown = show_files([htmleval / "pages"], Settings.load())
    return records_by_page(shown.articles)


def trafilatura_texts(cases: dict[str, dict], htmleval: Path = HTMLEVAL, **options: object) -> dict[str, str]:
    """trafilatura.extract() on each page's bytes, as htmleval/README.md measures it."""
    import trafilatura

    return {name: trafilatura.extract((htmleval / "pages" / name).read_bytes(), **options) or ""
            for name in cases}


def table(scores: list[Score]) -> str:
    lines = ["| reader | pages with text | precision | recall | F1 |", "|---|---|---|---|---|"]
    lines += [f"| {s.reader} | {s.records}/{s.pages} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |"
              for s in scores]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.extraction", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--htmleval", type=Path, default=HTMLEVAL, help="the evaluation set's folder")
    parser.add_argument("--jsonl", type=Path, help="score this saved `rag show PAGES --json` output")
    parser.add_argument("--options", action="store_true", help="also score trafilatura's options")
    parser.add_argument("--json", dest="json_out", type=Path, metavar="OUT", help="write the figures")
    args = parser.parse_args(argv)
    cases = load_cases(args.htmleval)
    if args.jsonl:
        lines = args.jsonl.read_text(encoding="utf-8").splitlines()
        scores = [score(f"rag show ({args.jsonl.name})", records_by_page([json.loads(x) for x in lines if x]),
                        cases)]
    else:
        scores = [score("rag show (trafilatura + our cleaning)", ours(args.htmleval), cases)]
    scores.append(score("trafilatura.extract, defaults", trafilatura_texts(cases, args.htmleval), cases))
    if args.options:
        for name, options in OPTIONS.items():
            scores.append(score(f"trafilatura: {name}", trafilatura_texts(cases, args.htmleval, **options),
                                cases))
    print(table(scores))
    if args.json_out:
        args.json_out.write_text(json.dumps([s.to_dict() for s in scores], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
