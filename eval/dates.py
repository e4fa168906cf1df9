"""Publication dates against the gold: does the metadata step give each undated article the
year its corpus README gives?

    python -m eval.dates                  # every corpus of eval/suites/publication-dates.json
    python -m eval.dates --hide-names     # the same files under neutral names: the text alone
    python -m eval.dates --corpus mines --json

The gold lists, per corpus, the articles that print no full publication date, with the year the
README gives (or null where it gives none). Each corpus folder goes through the real metadata
step (index.build.describe_files: cleaning, metadata, duplicates, years from their events),
and every gold article with a
year is scored: right (the year given is the gold's), wrong (another year), or unknown (no year).
A wrong year is worse than an unknown one: it moves the article into the wrong period of every
count. Files whose name carries a date and that are not in the gold print their date: the
report also says how many of those dates were read.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.build import describe_files
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "suites" / "publication-dates.json"
SHARED = ROOT.parent / "shared"
NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d-[01]\d-[0-3]\d)(?!\d)")


@dataclass
class DateResult:
    file: str
    gold_year: int | None
    year: int | None  # the year the metadata step gave, None when it gave no date
    date: str
    inferred: bool
    note: str
    gold_note: str = ""

    @property
    def verdict(self) -> str:
        if self.gold_year is None:
            return "no gold"
        if self.year is None:
            return "unknown"
        return "right" if self.year == self.gold_year else "wrong"


@dataclass
class CorpusScore:
    corpus: str
    results: list[DateResult] = field(default_factory=list)
    printed: list[DateResult] = field(default_factory=list)  # files whose name gives the date

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    @property
    def scored(self) -> int:
        return sum(r.gold_year is not None for r in self.results)

    @property
    def printed_read(self) -> int:
        return sum(r.date == r.gold_note for r in self.printed)

    def to_dict(self) -> dict:
        return {"corpus": self.corpus, "right": self.count("right"), "wrong": self.count("wrong"),
                "unknown": self.count("unknown"), "scored": self.scored,
                "printed_read": self.printed_read, "printed": len(self.printed),
                "results": [asdict(r) | {"verdict": r.verdict} for r in self.results]}


def corpus_folder(name: str) -> Path:
    """A gold corpus name -> its folder of articles: under ../shared, or one the project wrote
    (eval/corpora/<name>/corpus)."""
    for folder in (SHARED / "corpora" / name / "corpus", SHARED / name,
                   Path(__file__).parent / "corpora" / name / "corpus"):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"No corpus folder for '{name}' under {SHARED} (looked for "
                            f"corpora/{name}/corpus and {name}).")


def score_corpus(name: str, folder: Path, gold: dict[str, dict], hide_names: bool = False,
                 settings: Settings | None = None) -> CorpusScore:
    """Run the metadata step over `folder` and score it against `gold` ({file name: entry})."""
    settings = settings or Settings()
    files = sorted(p for p in folder.iterdir() if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        if hide_names:
            # Neutral names ("article-07.txt"): what the text alone lets the step work out.
            renamed = {f"article-{i:02d}{p.suffix}": p.name for i, p in enumerate(files, start=1)}
            for new, old in renamed.items():
                shutil.copyfile(folder / old, Path(tmp) / new)
            described = describe_files([tmp], settings)
        else:
            renamed = {}
            described = describe_files([folder], settings)
    meta_of = {renamed.get(Path(d.source).name, Path(d.source).name): d.meta for d in described}
    score = CorpusScore(name)
    for file in sorted(meta_of):
        meta = meta_of[file]
        year = int(meta.date[:4]) if meta.date else None
        if file in gold:
            entry = gold[file]
            score.results.append(DateResult(file, entry.get("year"), year, meta.date, meta.date_inferred,
                                            meta.date_note, entry.get("why", "")))
        elif m := NAME_DATE.search(file):
            # Not undated: the page prints this date, so it must be read as printed.
            score.printed.append(DateResult(file, int(m.group(1)[:4]), year, meta.date, meta.date_inferred,
                                            meta.date_note, m.group(1)))
    missing = sorted(set(gold) - set(meta_of))
    if missing:
        raise FileNotFoundError(f"{name}: gold files not found in {folder}: {', '.join(missing)}")
    return score


def score_dates(gold_path: Path = GOLD, corpora: list[str] | None = None,
                hide_names: bool = False) -> list[CorpusScore]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    names = corpora or list(gold)
    unknown = [n for n in names if n not in gold]
    if unknown:
        raise KeyError(f"No gold for {', '.join(unknown)} in {gold_path}; it has {', '.join(gold)}.")
    return [score_corpus(n, corpus_folder(n), gold[n], hide_names) for n in names]


def report(scores: list[CorpusScore]) -> str:
    lines = [f"{'corpus':<10} {'right':>5} {'wrong':>5} {'unknown':>7} {'of':>4}   printed dates read",
             "-" * 58]
    for s in scores:
        lines.append(f"{s.corpus:<10} {s.count('right'):>5} {s.count('wrong'):>5} {s.count('unknown'):>7} "
                     f"{s.scored:>4}   {s.printed_read}/{len(s.printed)}")
    for s in scores:
        for r in s.results:
            if r.verdict == "wrong":
                lines.append(f"\nWRONG {s.corpus}/{r.file}: {r.year} (gold {r.gold_year}: {r.gold_note})\n"
                             f"  evidence: {r.note}")
            elif r.verdict == "no gold" and r.year is not None:
                lines.append(f"\nUNCHECKED {s.corpus}/{r.file}: {r.date} (the README gives no year)\n"
                             f"  evidence: {r.note}")
        for r in s.printed:
            if r.date != r.gold_note:
                lines.append(f"\nMISREAD {s.corpus}/{r.file}: {r.date or 'no date'} (printed {r.gold_note})\n"
                             f"  evidence: {r.note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.dates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", help="a corpus of the gold (repeatable; default: all)")
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--hide-names", action="store_true",
                        help="copy the files under neutral names first: score what the text alone gives")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="also list every scored article")
    args = parser.parse_args(argv)
    try:
        scores = score_dates(args.gold, args.corpus, args.hide_names)
    except (FileNotFoundError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([s.to_dict() for s in scores], indent=1))
        return 0
    print(report(scores))
    if args.verbose:
        for s in scores:
            for r in s.results:
                print(f"{r.verdict:<8} {s.corpus}/{r.file[:58]:<58} {r.date or '-':<10} {r.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
