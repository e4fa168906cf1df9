"""The answer object: what `ask()` returns, printable in a terminal, rich in a notebook."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.retrieve import Passage


@dataclass
class Citation:
    n: int
    path: str
    title: str
    date: str
    date_inferred: bool
    outlet: str
    url: str
    text: str
    score: float
    # The exact sentence(s) of `text` the answer rests on, one per line: a counted event's
    # sentence, or the model's quote found in this passage. Empty when not known; the UI then
    # guesses the sentence from the words it shares with the answer.
    support: str = ""
    page: str | None = None  # the PDF page(s) of the passage: "3", "3-4"
    passage_id: str = ""  # the chunk shown (another chunk of the article than passage n's, at times)

    @classmethod
    def of(cls, n: int, p: Passage, support: list[str] | tuple[str, ...] = ()) -> Citation:
        return cls(n, p.source, p.title, p.date, p.date_inferred, p.outlet, p.url, p.text, p.score,
                   join_support(support), p.page, p.id)

    def marked(self) -> bool:
        """Is every sentence it rests on in the passage it shows (or its headline)? Then the UI
        marks exactly those; else it can only guess."""
        from rag.citations import find_sentence

        lines = [line for line in self.support.splitlines() if line.strip()]
        headline = " ".join(self.title.split())
        return bool(lines) and all(" ".join(line.split()) == headline or find_sentence(line, self.text)
                                   for line in lines)

    def label(self) -> str:
        return source_label(self.title, self.outlet, self.date, self.date_inferred, self.page)


def source_label(title: str, outlet: str, date: str, inferred: bool, page: str | None = None) -> str:
    """'Title · Outlet · 2023 (inferred) · p. 3': how a source is named wherever it is listed."""
    when = f"{date} (inferred)" if date and inferred else date or "undated"
    return " · ".join(x for x in (title, outlet, when, page_label(page)) if x)


def page_label(page: str | None) -> str:
    """"3" -> "p. 3", "3-4" -> "pp. 3-4"."""
    if not page:
        return ""
    return f"pp. {page}" if "-" in page else f"p. {page}"


@dataclass
class Answer:
    question: str
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    # Everything the model was shown, numbered from 1 as in the prompt.
    passages: list[Passage] = field(default_factory=list)
    # Every passage retrieval ranked, best first; `passages` were chosen from these.
    candidates: list[Passage] = field(default_factory=list, repr=False)
    # How it was answered: "passages" (the LLM over retrieved passages), "events" (the event
    # table), "unknown-names" or "out-of-period" (refused by a rule, without the model).
    route: str = "passages"
    answered: bool = True
    # The model answered, but neither its quote nor any passage sentence states what it said:
    # not shown (answered is then False).
    withheld: bool = False
    # Why it was withheld: "ungrounded", "off-question" (no date, figure or name where one is
    # asked), "off-subject", "outside-period", "outcome" (a figure told with another outcome);
    # "" when it was not.
    withheld_why: str = ""
    notes: list[str] = field(default_factory=list)
    period: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""
    raw_reply: str = field(default="", repr=False)  # the model's whole reply, quotes included
    # Counting answers: which events were counted, with their sources (rag/counting.py).
    breakdown: str = ""
    # Counting answers: the total the event table gives, when it holds without a condition (no
    # event of unknown year shown beside it); None otherwise.
    count: float | None = None
    _tokens: Iterator[str] | None = field(default=None, repr=False, compare=False)
    _finish: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    def __iter__(self) -> Iterator[str]:
        """With ask(..., stream=True): the answer's text as it is generated. The other fields
        are filled in once the iteration ends."""
        if self._tokens is None:
            yield self.full_text
            return
        tokens, self._tokens = self._tokens, None
        pieces: list[str] = []
        for token in tokens:
            pieces.append(token)
            yield token
        streamed = "".join(pieces)
        if self._finish:
            self._finish(streamed)
        # Checking may add citation markers and notes, or withhold an ungrounded answer.
        final = self.full_text
        if final.startswith(streamed.rstrip()):
            rest = final[len(streamed.rstrip()) :]
        else:
            rest = "\n\n" + final
        if rest:
            yield rest

    def reading(self) -> str:
        """The passages given to the model, each with its best sentence: what a streamed answer
        can show before its first token."""
        lines = []
        for n, p in enumerate(self.passages, start=1):
            lines.append(f"[{n}] {source_label(p.title, p.outlet, p.date, p.date_inferred)}")
            best = " ".join((p.best or p.text).split())
            lines.append(f"    “{best[:300]}{'…' if len(best) > 300 else ''}”")
        return "\n".join(lines)

    def wait(self) -> Answer:
        """Finish a streamed answer without printing it."""
        for _ in self:
            pass
        return self

    @property
    def full_text(self) -> str:
        return "\n\n".join([self.text, *self.notes]) if self.notes else self.text

    def __str__(self) -> str:
        lines = [self.full_text]
        if self.citations:
            lines.append("")
            lines += [f"[{c.n}] {c.label()} — {c.path}" for c in self.citations]
        return "\n".join(lines)

    def to_dict(self, passages: bool = False) -> dict:
        data = {
            "question": self.question,
            "answer": self.full_text,
            "answered": self.answered,
            "withheld_why": self.withheld_why,
            "count": self.count,
            "citations": [asdict(c) for c in self.citations],
            "period": self.period,
            "timings": self.timings,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model": self.model,
            "raw_reply": self.raw_reply,
        }
        if passages:
            data["passages"] = [asdict(p) for p in self.passages]
        return data

    def _repr_markdown_(self) -> str:
        out = [f"**{_md(self.question)}**", "", _md(self.full_text), ""]
        for c in self.citations:
            out.append(f"**[{c.n}]** {_md(c.label())} — `{Path(c.path).name}`")
            out.append("> " + _md(c.text).replace("\n", "\n> "))
            out.append("")
        out.append(f"<sub>{self._timing_line()}</sub>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        e = html.escape
        sources = "".join(
            f"<li id='c{c.n}'><b>[{c.n}]</b> {e(c.label())} <code>{e(Path(c.path).name)}</code>"
            f"<blockquote style='margin:.3em 0 .8em 0;color:#444'>{e(c.text)}</blockquote></li>"
            for c in self.citations
        )
        return (
            f"<div><p><b>{e(self.question)}</b></p>"
            f"<p style='white-space:pre-wrap'>{e(self.full_text)}</p>"
            f"<ul style='list-style:none;padding-left:0'>{sources}</ul>"
            f"<small>{e(self._timing_line())}</small></div>"
        )

    def _timing_line(self) -> str:
        t = self.timings
        return (f"{self.model} · {self.prompt_tokens} prompt tokens · retrieval "
                f"{t.get('retrieval_s', 0):.2f}s · first token {t.get('first_token_s', 0):.1f}s · "
                f"total {t.get('total_s', 0):.1f}s")


def join_support(sentences: list[str] | tuple[str, ...]) -> str:
    """Sentences -> one per line, each on one line (matching in the passage ignores spacing)."""
    lines = (" ".join(s.split()) for s in sentences)
    return "\n".join(dict.fromkeys(line for line in lines if line))


def _md(text: str) -> str:
    """Text from an article shown as Markdown must not become markup."""
    return html.escape(text).replace("*", r"\*").replace("_", r"\_").replace("`", r"\`")
