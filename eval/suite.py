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


KNOWN = {"id", "question", "answer", "must_include", "must_not_include", "sources", "answerable", "category"}


def load_suite(path: str | Path) -> tuple[list[Case], list[str]]:
    """The cases of a suite, and one message per malformed line (the other lines still count)."""
    cases: list[Case] = []
    problems: list[str] = []
    seen: set[str] = set()
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            cases.append(_case(json.loads(line), seen))
        except (ValueError, TypeError, KeyError) as e:
            problems.append(f"{path}:{n}: {e}")
    return cases, problems


def _case(data: object, seen: set[str]) -> Case:
    if not isinstance(data, dict):
        raise SuiteError("a case must be a JSON object")
    for key in ("id", "question"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise SuiteError(f"missing or empty '{key}'")
    if data["id"] in seen:
        raise SuiteError(f"duplicate id '{data['id']}'")
    seen.add(data["id"])
    groups = data.get("must_include", [])
    if not isinstance(groups, list):
        raise SuiteError("'must_include' must be a list of lists of strings")
    groups = [[g] if isinstance(g, str) else g for g in groups]
    if not all(isinstance(g, list) and g and all(isinstance(a, str) for a in g) for g in groups):
        raise SuiteError("'must_include' must be a list of lists of strings")
    for key in ("must_not_include", "sources"):
        if not isinstance(data.get(key, []), list) or not all(isinstance(x, str) for x in data.get(key, [])):
            raise SuiteError(f"'{key}' must be a list of strings")
    return Case(
        id=data["id"], question=data["question"], answer=str(data.get("answer", "")),
        must_include=groups, must_not_include=list(data.get("must_not_include", [])),
        sources=[Path(s).name for s in data.get("sources", [])],
        answerable=bool(data.get("answerable", True)), category=str(data.get("category", "")),
        extra={k: v for k, v in data.items() if k not in KNOWN},
    )
