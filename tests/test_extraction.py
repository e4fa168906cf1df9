"""Web-page extraction measured as ../shared/htmleval/README.md says: `rag show --json` on its 100
real pages (read by path, never copied) against the snippets each page's main text must and must
not contain. The figures are printed beside trafilatura's own (`python -m eval.extraction`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import missing

from eval.extraction import HTMLEVAL, load_cases, records_by_page, score, table, trafilatura_texts

ROOT = Path(__file__).resolve().parents[1]


def test_rag_show_reads_every_htmleval_page_with_f1_of_at_least_0_90():
    if not (HTMLEVAL / "evaldata.json").is_file():
        missing(f"htmleval not found at {HTMLEVAL}")
    cases = load_cases()
    run = subprocess.run([sys.executable, "-m", "rag.cli", "show", str(HTMLEVAL / "pages"), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert all({"path", "title", "date", "date_source", "outlet", "text"} <= set(r) for r in records)
    ours = score("rag show", records_by_page(records), cases)
    theirs = score("trafilatura.extract, defaults", trafilatura_texts(cases), cases)
    print("\n" + table([ours, theirs]))
    assert ours.records == ours.pages == len(cases) == 100, "every page yields a record with text"
    assert abs(theirs.f1 - 0.916) < 0.002, "the scorer reproduces the README's trafilatura figure"
    assert ours.f1 >= 0.90 and ours.f1 >= theirs.f1, ours.to_dict()
