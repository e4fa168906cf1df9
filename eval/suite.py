"""Eval suites: JSONL, one question/answer case a line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class SuiteError(ValueError):
    """A suite line that cannot be used; says which file and line."""


@dataclass
class Case:
    id: str
    question: str
    answer: str = ""
    must_include: list[list[str]] = field(default_factory=list)
    must_not_include: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    answerable: bool = True
    category: str = ""
    extra: dict = field(default_factory=dict)  # unknown fields, kept and ignored


def _must_include(groups: object) -> list[list[str]]:
    """Groups of alternatives; a lone string is a group of one. An empty group or alternative
    would be matched by any answer (or by none), so it is an error, not a rule."""
    if not isinstance(groups, list):
        raise SuiteError("'must_include' must be a list of lists of strings")
    groups = [[g] if isinstance(g, str) else g for g in groups]
    if not all(isinstance(g, list) and all(isinstance(a, str) for a in g) for g in groups):
        raise SuiteError("'must_include' must be a list of lists of strings")
    if not all(g and all(a.strip() for a in g) for g in groups):
        raise SuiteError("'must_include' has an empty group or an empty alternative")
    return groups


KNOWN = {"id", "question", "answer", "must_include", "must_not_include", "sources", "answerable", "category"}


def load_suite(path: str | Path) -> tuple[list[Case], list[str]]:
    """The cases of a suite, and one message per malformed line (the other lines still count)."""
    cases: list[Case] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(Path(path).read_bytes().split(b"\n"), start=1):
        try:
            text = _decode(line, first=n == 1)
            if not text.strip() or text.lstrip().startswith("//"):
                continue
            cases.append(_case(json.loads(text), seen))
        except (ValueError, TypeError, KeyError) as e:
            problems.append(f"{path}:{n}: {e}")
    return cases, problems


def _decode(line: bytes, first: bool) -> str:
    """One line as text. Decoded line by line, so a file saved in another encoding is reported
    with the line that shows it, like any other malformed line."""
    try:
        return line.decode("utf-8-sig" if first else "utf-8")  # an editor's BOM is no error
    except UnicodeDecodeError as e:
        raise SuiteError(f"not valid UTF-8 (byte 0x{line[e.start]:02x} at column {e.start + 1}); "
                         "save the suite as UTF-8") from None


def _case(data: object, seen: set[str]) -> Case:
    if not isinstance(data, dict):
        raise SuiteError("a case must be a JSON object")
    for key in ("id", "question"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise SuiteError(f"missing or empty '{key}'")
    if data["id"] in seen:
        raise SuiteError(f"duplicate id '{data['id']}'")
    answerable = data.get("answerable", True)
    if not isinstance(answerable, bool):
        # "false" as a string would count as true: the case would be scored the wrong way round.
        raise SuiteError(f"'answerable' must be true or false (a JSON boolean), not {json.dumps(answerable)}")
    groups = _must_include(data.get("must_include", []))
    if answerable and not groups:
        raise SuiteError("an answerable case needs 'must_include' (else any answer would count as correct)")
    for key in ("must_not_include", "sources"):
        if not isinstance(data.get(key, []), list) or not all(isinstance(x, str) for x in data.get(key, [])):
            raise SuiteError(f"'{key}' must be a list of strings")
    if not all(x.strip() for x in data.get("must_not_include", [])):
        raise SuiteError("'must_not_include' has an empty string (it would be found in every answer)")
    seen.add(data["id"])  # only once the case is usable: a corrected copy further on is no duplicate
    return Case(
        id=data["id"], question=data["question"], answer=str(data.get("answer", "")),
        must_include=groups, must_not_include=list(data.get("must_not_include", [])),
        sources=[Path(s).name for s in data.get("sources", [])],
        answerable=answerable, category=str(data.get("category", "")),
        extra={k: v for k, v in data.items() if k not in KNOWN},
    )
