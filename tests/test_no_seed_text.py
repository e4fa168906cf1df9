"""The seed articles are read from ../shared/seeds and never copied into the repo: no file the
repo tracks (eval results included) holds a paragraph of one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import SEEDS, missing

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPH_CHARS = 200  # shorter runs may be a quoted sentence in a saved answer


def test_no_tracked_file_holds_a_seed_paragraph():
    if not SEEDS.is_dir():
        missing(f"seed articles not found at {SEEDS}")
    lines = [line.strip() for seed in sorted(SEEDS.glob("*.txt"))
             for line in seed.read_text(encoding="utf-8").splitlines()]
    paragraphs = [line for line in lines if len(line) >= PARAGRAPH_CHARS]
    assert len(paragraphs) > 20
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split("\0")
    copies = []
    for name in filter(None, tracked):
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        copies += [f"{name}: {p[:60]}..." for p in paragraphs if p in text]
    assert not copies, "seed article text copied into the repo:\n" + "\n".join(copies)
