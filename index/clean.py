"""Web clutter out, article text in: rules for common page furniture, plus lines that repeat
across articles of the same site (the corpus itself tells us what its templates look like)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations

# Lines that are page furniture wherever they appear.
CLUTTER_LINE = re.compile(
    r"""^(
        share(\s+(this|on\s+\w+))?(\s+icon)*(\s+icon)* |
        (share\s+)?icon(\s+icon)* |
        was\s+this\s+(content|article)\s+helpful\?? |
        donate(\s+now)? | subscribe(\s+now)? | sign\s+up.* | log\s*in | sign\s+in | menu |
        (click|tap)\s+here\b.* |
        what\s+are\s+your\s+thoughts\?.* |
        we\s+want\s+to\s+sustain\b.* |
        we\s+encourage\s+readers\s+to\s+copy\b.* |
        (this\s+(site|website)\s+uses|we\s+(use|value)|our\s+(site|website)\s+uses)\s+cookies\b.* |
        cookie\s+(policy|settings|preferences|consent|notice)\b.{0,80} |
        accept(\s+all)?(\s+cookies)? | reject\s+all | manage\s+(cookies|preferences) |
        advertisement | skip\s+to\s+(main\s+)?content | back\s+to\s+top |
        source\s+link | read\s+more.{0,40} | see\s+also:.* | related:.* | watch:.* |
        (follow|like)\s+us\s+on\b.* | print | email | tweet | whatsapp | facebook | twitter |
        home(news|brief|analysis|investigations)[A-Za-z]*.*
    )$""",
    re.I | re.X,
)
# Headings after which a page carries only links to other stories and the site's own blurbs.
TAIL_MARKER = re.compile(
    r"^(related\s+(content|articles|stories|posts|news)|more\s+from\b.*|recommended(\s+for\s+you)?"
    r"|you\s+may\s+also\s+like|read\s+next|about\s+the\s+author|about\s+insight\s+crime"
    r"|most\s+(read|popular)|trending(\s+now)?|comments?)$",
    re.I,
)
# Photo credits glued to the end of a caption line: "... JANE ROE/AGENCY via Some Images".
PHOTO_CREDIT = re.compile(
    r"\s*(?:\[(?:File|Photo):[^\]]*\]|(?:Photo:\s*)?[A-Z][A-Z .'-]+/[A-Z][\w-]{1,15}"
    r"(?:\s+via\s+[A-Z][\w]*(?:\s+Images)?)?)\s*$"
)
SECTION_LABEL = re.compile(r"^[A-Z][A-Z .&'/-]{1,30}$")  # "BRIEF", "THE ORGANIZATION"


def normalize(text: str) -> str:
    """Unicode NFC, plain spaces, no trailing blanks, at most one empty line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\t ]+", " ", text)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def line_key(line: str) -> str:
    return re.sub(r"\W+", " ", line.lower()).strip()


def clean(text: str, boilerplate: set[str] | None = None) -> str:
    """Article body without clutter. `boilerplate` holds line keys known to repeat across a site."""
    lines = normalize(text).split("\n")
    kept: list[str] = []
    body_chars = 0
    for line in lines:
        if not line:
            kept.append("")
            continue
        # Stop at a "Related Content" style heading once a real body has been seen.
        if TAIL_MARKER.match(line) and body_chars > 300:
            break
        if CLUTTER_LINE.match(line) or (SECTION_LABEL.match(line) and not re.search(r"\d", line)):
            continue
        if boilerplate and line_key(line) in boilerplate:
            continue
        line = PHOTO_CREDIT.sub("", line)
        kept.append(line)
        body_chars += len(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def find_boilerplate(texts: Iterable[str], min_docs: int = 3) -> set[str]:
    """Line keys that are template rather than reporting.

    A line shared by `min_docs` articles is boilerplate. So is a line shared by two articles
    that share at least three lines: that is a site template, not a quote both outlets used.
    Pass only distinct articles (near-duplicates removed), or every line would qualify.
    """
    docs_of: dict[str, set[int]] = defaultdict(set)
    for i, text in enumerate(texts):
        for line in normalize(text).split("\n"):
            key = line_key(line)
            if len(key) >= 4:
                docs_of[key].add(i)
    shared = {k: d for k, d in docs_of.items() if len(d) >= 2}
    pair_counts: Counter[tuple[int, int]] = Counter()
    for docs in shared.values():
        if len(docs) <= 20:
            pair_counts.update(combinations(sorted(docs), 2))
    template_pairs = {pair for pair, n in pair_counts.items() if n >= 3}
    return {
        k for k, docs in shared.items()
        if len(docs) >= min_docs or any(p in template_pairs for p in combinations(sorted(docs), 2))
    }
