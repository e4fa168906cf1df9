"""The public API: ask(question) -> Answer.

question -> retrieval -> context -> LLM -> citations -> Answer
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from index.chunk import text_sentences
from index.dates import MONTHS, PLACING, WEEKDAYS, Period, stated_period
from index.embed import embed
from index.events.extract import counts_in, parse_all
from index.settings import Settings
from index.store import Store, StoreError, damaged_index, is_damage
from rag import citations as cite
from rag.about import answer_about_article
from rag.answer import Answer, Citation
from rag.context import (
    PASSAGES_INTRO,
    annotate_dates,
    build_messages,
    focus,
    heading,
    part_messages,
    second_look,
    second_part,
    system_prompt,
)
from rag.counting import answer_from_events
from rag.models import llm_lock, load_llm, model_label, prompt_tokens
from rag.reports import compare_dates
from rag.retrieve import Passage, Retrieval, keyword_index, retrieve

NO_ANSWER = "The articles do not say."
DATE_KINDS = {"day", "weekday", "month", "year", "date"}
# What a sentence can be checked to give: a date or a name. ("How much?" cannot: the day of a
# date, "September 3", is a figure to the check.)
SENTENCE_KINDS = DATE_KINDS | {"name"}
KIND_WORDS = {"day": "a day and month", "weekday": "a day of the week", "month": "a month", "year": "a year",
              "date": "a date", "figure": "a figure", "name": "a name", "source": "a source"}


class QuestionError(ValueError):
    """The question cannot be asked as it is; the message says why."""


def ask(
    question: str,
    settings: Settings | None = None,
    *,
    corpus: list[str | Path] | None = None,
    stream: bool = False,
    period: tuple[int, int] | None = None,
    **overrides: object,
) -> Answer:
    """Answer `question` from the indexed articles, with numbered citations.

    `period`: (first_year, last_year) to restrict the passages to, instead of the period
    the question names. `corpus`: answer from exactly these files/folders (indexed first, incrementally, in an
    index of their own). `stream=True`: iterate the returned Answer to get tokens as they come.
    Any Settings field can be passed as a keyword, e.g. ask(q, top_k=6, model_path="x.gguf").
    """
    settings = settings or Settings.load()
    if overrides:
        settings = settings.with_(**overrides)
    question = _check(question, settings)
    if corpus:
        from index.build import build_index

        settings = settings.with_(index_dir=settings.corpus_index_dir(list(corpus)))
        build_index(list(corpus), settings, progress=False)
    started = time.perf_counter()
    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        span = Period(*period) if period else None
        if settings.events:
            counted = answer_from_events(question, settings, store, started, span, model_label(settings))
            if counted is not None:
                counted.route = "events"
                return counted
        unknown = keyword_index(store).unknown_names(question) if settings.refuse_unknown_names else []
        if unknown:
            return _answer_unknown_names(question, unknown, settings, started)
        retrieval = retrieve(question, settings, store, span)
        # The passages given are chosen, and cut, by their sentences, from more candidates.
        pool = retrieval.wide(max(settings.top_k, settings.focus_candidates), settings.top_k)
        retrieval.passages = focus(question, pool, settings.passage_budget, settings, top_k=settings.top_k,
                                   store=store, vector=retrieval.vector)
        if not retrieval.passages:
            raise QuestionError(f"The index at {settings.index_dir} has no articles yet. "
                                "Add some with: rag index PATH")
        if settings.verify_quotes:  # the naive baseline has no such route
            about = answer_about_article(question, retrieval.passages, keyword_index(store).outlets(),
                                         model_label(settings), started, NO_ANSWER)
            about = about or compare_dates(question, retrieval.passages, model_label(settings), started)
            if about is not None:
                about.candidates = retrieval.pool  # what retrieval found, as for any passage answer
                about.timings["retrieval_s"] = round(retrieval.seconds, 3)
                return about
        answer = Answer(question, passages=retrieval.passages, candidates=retrieval.pool,
                        model=model_label(settings),
                        period=retrieval.period.label() if retrieval.period else None)
        answer.timings["retrieval_s"] = round(retrieval.seconds, 3)
        # The passages and their best sentences are known now, before the model reads them: a
        # streamed answer can show them at once (the UI does, `rag ask --sources-first` too).
        answer.timings["evidence_s"] = round(time.perf_counter() - started, 3)
        if retrieval.period and not retrieval.period_matched:
            _answer_out_of_period(answer, retrieval, store, started)
            return answer
        answer._tokens = _generate(question, retrieval, settings, answer, started)
        chunks_of = keyword_index(store).of_source  # kept in memory: usable once the store is closed
        answer._finish = lambda text: _settle(answer, text, started, settings, chunks_of)
        return answer if stream else answer.wait()
    except sqlite3.DatabaseError as e:
        if is_damage(e):
            raise damaged_index(settings.index_dir, e) from e
        raise
    finally:
        store.close()


def warm_up(settings: Settings | None = None) -> None:
    """Load both models and read the fixed opening of every prompt into llama.cpp's KV cache, so
    the first question is as quick as the next ones. The web app calls it as it starts."""
    settings = settings or Settings.load()
    embed(["warm up"], settings)
    if settings.refuse_unknown_names:
        from index.nlp import nlp

        nlp()  # the names check parses every question
    _warm_retrieval(settings)
    llm = load_llm(settings)
    if settings.llm_url:
        return  # a server keeps its own cache
    with llm_lock(settings):
        # One generated token: what matters is that the prompt's tokens are now in the cache, and
        # the next prompt reuses the longest prefix it shares with them.
        opening = [{"role": "system", "content": system_prompt(settings.verify_quotes)},
                   {"role": "user", "content": PASSAGES_INTRO}]
        llm.create_chat_completion(messages=opening, temperature=0.0, top_k=1, max_tokens=1)


def _warm_retrieval(settings: Settings) -> None:
    """Build the keyword index and have the vector store load its own (a second or so), so the
    first question's passages come as quickly as the next ones'. Nothing to do without an index."""
    try:
        store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    except StoreError:
        return
    try:
        retrieve("warm up", settings, store)
    finally:
        store.close()


def _check(question: str, settings: Settings) -> str:
    question = " ".join("".join(ch if ch.isprintable() else " " for ch in question or "").split())
    if not any(ch.isalnum() for ch in question):
        raise QuestionError("Ask a question in words: this one is empty or only punctuation.")
    if len(question) > settings.max_question_chars:
        raise QuestionError(f"The question is {len(question):,} characters long; the limit is "
                            f"{settings.max_question_chars:,}. Shorten it to the question itself.")
    return question


def _generate(question: str, retrieval: Retrieval, settings: Settings, answer: Answer,
              started: float) -> Iterator[str]:
    messages = build_messages(question, retrieval, settings.verify_quotes, settings.time_aware)
    llm = load_llm(settings)
    with llm_lock(settings):
        reply = yield from _reply(llm, messages, settings, answer, started)
        if (settings.verify_quotes and settings.second_look and not answer.timings.get("first_token_s")
                and cite.is_refusal(cite.answer_so_far(reply)) and any(p.leads for p in retrieval.passages)):
            # A refusal is held back while it is generated (see _reply), so the second look's
            # sentence can still take its place on screen.
            reply = _second_look(llm, question, retrieval.passages, settings, answer) or reply
        part = second_part(question) if settings.verify_quotes and settings.answer_each_part else None
        if part and not cite.is_refusal(cite.answer_so_far(reply)):
            reply, more = _second_part(llm, messages, question, part, reply, retrieval.passages, settings,
                                       answer)
            if more and answer.timings.get("first_token_s"):
                yield " " + more
        if settings.verify_quotes and not answer.timings.get("first_token_s"):
            # Nothing was shown yet (a refusal held back, or what took its place): shown whole.
            answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
            yield cite.answer_so_far(reply).strip()
    answer.raw_reply = reply


def _second_part(llm: object, messages: list[dict[str, str]], question: str, part: str, reply: str,
                 passages: list[Passage], settings: Settings, answer: Answer) -> tuple[str, str]:
    """A compound question's second part, asked on the same passages: the reply joined with its
    answer and quotes, and that answer. The answer is joined only when it brings its own evidence (a
    quote found in the passages that states some of it) and says something the first does not;
    else ('', the reply as it was): a second answer is never a guess added to a checked one."""
    said = _ask_once(llm, part_messages(messages, question, part), settings.max_answer_tokens, answer,
                     "second_part_s")
    quotes, text = cite.split_reply(said)
    first = cite.answer_so_far(reply).strip()
    if not text or cite.is_refusal(text) or not any(cite.adds(text, first)):
        return reply, ""
    texts = _as_given(passages)
    quotes = [(n, q) for n, q in quotes if cite.locate_quote(q, texts, n) and cite.states_some(q, text, part)]
    if not quotes:
        found = _supporting(text, part, passages, cite.cited_numbers(text, len(passages)))
        if not found:
            return reply, ""
        quotes = [found]
    text = " ".join(text.split())
    joined = f"Answer: {first} {text}\n" + "\n".join(
        f"Quote: [{n}] \"{q}\"" if n else f"Quote: \"{q}\"" for n, q in cite.split_reply(reply)[0] + quotes)
    return joined, text


def _as_given(passages: list[Passage]) -> list[str]:
    """Each passage as the model read it, heading (title, outlet, date) and text: where its quotes
    are looked for."""
    return [f"{heading(p)}\n{p.text}" for p in passages]


def _second_look(llm: object, question: str, passages: list[Passage], settings: Settings,
                 answer: Answer, among: set[int] | None = None, names: list[str] | None = None) -> str | None:
    """The model found no answer in the passages, or one the checks withhold (_settle): it is
    asked which of the sentences that bear most on the question answers it. Returns that
    sentence as a reply (the sentence, dates as words, quoted and cited; its quote the sentence
    itself), for _finish to check as any other; None when the model says none does. `among`: the
    passages whose sentences may be offered (all when None); `names`: what their articles all name."""
    # A 'when?' is answered by a sentence that states a date: only those are offered, so other
    # sentences about the event do not crowd them out. Not so for figures and names: most news
    # sentences state some, and offered only those, the model chose one for 'how much ransom?'
    # (an unanswerable question) that counts abducted students.
    # A 'which source?' by one that credits a source.
    # A 'why?' by one that states a cause.
    kind = "cause" if cite.ASKS_CAUSE.search(question) else cite.asks_for(question)

    def can_answer(shown: str) -> bool:
        if kind == "source":
            return bool(CREDIT.search(shown))
        if kind == "cause":
            return bool(cite.CAUSE.search(shown))
        return cite.gives(cite.readable(shown), question, kind)

    # Told what to look for, the model picks the crediting sentence it otherwise passed over.
    asked = f"{question} (The sentence that answers names the source it credits.)" if kind == "source" \
        else question
    if names:
        asked = _without_places(asked, names)
    leads, messages = second_look(asked, passages, settings.second_look, among=among,
                                  can_answer=can_answer if kind in DATE_KINDS | {"source", "cause"} else None)
    if not leads:
        return None  # no sentence states a date (or credits a source)
    said = _ask_once(llm, messages, 4, answer, "second_look_s")
    picked = re.match(r"\s*(\d+)", said)
    k = int(picked.group(1)) if picked else 0
    if not 1 <= k <= len(leads):
        return None
    n, sentence = leads[k - 1]
    shown = cite.readable(annotate_dates(sentence, passages[n - 1].date))
    return f'Answer: "{shown}" [{n}]\nQuote: [{n}] "{sentence}"'


def _without_places(question: str, names: list[str]) -> str:
    """The question without its phrases that place it by the names ('What caused the explosion in
    the X mines in Y?' -> 'What caused the explosion?'), when every sentence offered is from an
    article that names them: a sentence need not repeat them, and the small model answers 0 for
    one that does not."""
    from index.nlp import nlp

    doc = nlp()(question)
    named = {cite.fold(n) for n in names}
    cut = {u.i for t in doc if t.dep_ == "prep" and any(cite.fold(w.text) in named for w in t.subtree)
           for u in t.subtree}
    return "".join(t.text_with_ws for t in doc if t.i not in cut).replace(" ?", "?").strip()


def _ask_once(llm: object, messages: list[dict[str, str]], max_tokens: int, answer: Answer,
              timing: str) -> str:
    """One more reply, not streamed, for the answer being made: its tokens and time are counted in
    the answer's (`timing` names the time)."""
    started = time.perf_counter()
    out = llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1, max_tokens=max_tokens)
    usage = out.get("usage") or {}
    answer.prompt_tokens += usage.get("prompt_tokens", 0)
    answer.completion_tokens += usage.get("completion_tokens", 0)
    answer.timings[timing] = round(time.perf_counter() - started, 3)
    return out["choices"][0]["message"]["content"] or ""


def _reply(llm: object, messages: list[dict[str, str]], settings: Settings, answer: Answer,
           started: float) -> Iterator[str]:
    """Stream one reply's answer part (the whole reply without quote checking); returns the reply.
    A reply that so far reads as the start of a refusal is held back until it is more."""
    reply = ""
    shown = 0  # characters of the answer part already yielded
    made = 0  # tokens of this reply
    chunks = llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1,
                                        max_tokens=settings.max_answer_tokens, stream=True)
    for chunk in chunks:
        token = chunk["choices"][0]["delta"].get("content") or ""
        made += bool(token)
        reply += token
        if not settings.verify_quotes:
            if token and shown == 0:
                answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
            shown += len(token)
            yield token
            continue
        part = cite.answer_so_far(reply).lstrip()
        if len(part) > shown and (shown or not NO_ANSWER.lower().startswith(part.lower().rstrip())):
            if shown == 0:
                answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
            yield part[shown:]
            shown = len(part)
    answer.completion_tokens += made
    answer.prompt_tokens += prompt_tokens(llm, chunks, made)
    return reply


# Withheld answers to "when?" and "who?" worth a second look: one without the date or name asked
# for, one about another subject (the model took a like fact of another article). The chosen
# sentence must state a date or a name to pass. Not for other questions: for "what caused the
# explosion?" the model chose a sentence about the rescue (every sentence passes a check that asks
# for no kind of answer), and for "how much?" one that counts something else. A "why?" answered
# from another subject's article is looked at again among the sentences that state a cause in the
# articles that name what the question names.
LOOK_AGAIN = {"off-subject", "off-question"}


# 'Which agency reported the toll?' asks for the source an article's text credits ("..., reported
# the Wire Agency", "per X", "as a series by X outlined", "X reports"). The small model answers it with the
# outlet in the passage's heading, which published the article but is not whom its text credits.
CREDITED = r"(?:[A-Z][\w'’.&-]*|" + cite.DIGIT_NAME + r")(?:\s+[A-Z][\w'’.&-]*)*"
CREDIT = re.compile(r"\b(?i:according to|per|reported by|citing|quoting|by)\s+(?:the\s+)?" + CREDITED
                    + r"|\b(?:reported|reports|said|says|wrote|outlined)\s+(?:the\s+)?" + CREDITED
                    + r"|" + CREDITED + r"\s+(?:reported|reports|said|says|wrote|outlined)\b")


def _credit_missed(answer: Answer) -> bool:
    """The answer to a 'which source?' question names none of the sources the passages' text
    credits (it names the outlet in a passage's heading, or nothing): worth the second look."""
    credited = {cite.fold(name).rstrip(".") for p in answer.passages for _, sentence in p.leads
                for m in CREDIT.finditer(sentence) for name in re.findall(CREDITED, m.group())}
    credited -= {"according", *cite.fold(answer.question).split()}
    stated = cite.fold(answer.text) if answer.answered else ""
    return bool(credited) and not any(name in stated for name in credited)


def _settle(answer: Answer, streamed: str, started: float, settings: Settings,
            chunks_of: Callable[[str], list[Passage]]) -> None:
    """_finish, and when it withholds an answer worth it, the second look: the sentence the model
    chooses is checked as any answer, and shown if it passes; else the first verdict stands."""
    notes = list(answer.notes)
    _finish(answer, streamed, started, settings.verify_quotes, chunks_of)
    kind = cite.asks_for(answer.question)
    why = answer.withheld_why == "off-subject" and bool(cite.ASKS_CAUSE.search(answer.question))
    worth = (answer.withheld and answer.withheld_why in LOOK_AGAIN and kind in SENTENCE_KINDS
             or kind == "source" and _credit_missed(answer) or why)
    if not (worth and settings.verify_quotes and settings.second_look
            and "second_look_s" not in answer.timings and any(p.leads for p in answer.passages)):
        return
    among, names = _on_subject(answer, chunks_of) if why else (None, None)
    llm = load_llm(settings)
    with llm_lock(settings):
        picked = _second_look(llm, answer.question, answer.passages, settings, answer, among, names)
    if picked is None:
        return
    verdict = ("text", "answered", "withheld", "withheld_why", "notes", "citations", "raw_reply")
    first = {name: getattr(answer, name) for name in verdict}
    answer.notes, answer.withheld, answer.withheld_why, answer.raw_reply = notes, False, "", picked
    _finish(answer, streamed, started, settings.verify_quotes, chunks_of)
    if not answer.answered:  # the chosen sentence does not pass either: the first verdict stands
        for name, value in first.items():
            setattr(answer, name, value)


def _finish(answer: Answer, streamed: str, started: float, verify_quotes: bool = True,
            chunks_of: Callable[[str], list[Passage]] | None = None) -> None:
    """Check the reply: its quotes must be found in the passages, its citations must point at
    passages the model was given. An answer resting on no real quote is not given.
    `chunks_of(source)`: every chunk of an article, for a citation whose sentence is in another."""
    available = len(answer.passages)
    quotes, text = cite.split_reply(answer.raw_reply) if verify_quotes else ([], answer.raw_reply)
    texts = _as_given(answer.passages)
    # A quote found is kept as the passage prints it (the model may slip a word), so the UI can
    # mark it in the passage; one of its heading stands on its title (the UI marks the title).
    located = [(_as_printed(cite.own_sentences(q, texts[n - 1]) or q, answer.passages[n - 1]), n)
               for hint, q in quotes if (n := cite.locate_quote(q, texts, hint))]
    text = cite.strip_invalid((text or "").strip(), available)
    said = text  # the model's own wording, which a quote may replace

    def shown(sentences: list[tuple[str, int]]) -> list[str]:
        # What the model read of the sentences found: dates resolved, as digits and as words.
        return [f"{a} {cite.readable(a)}" for q, n in sentences
                for a in [annotate_dates(q, answer.passages[n - 1].date)]]

    quoted = " ".join([answer.question, *shown(located), *(q for _, q in quotes)])
    if (verify_quotes and text and not cite.is_refusal(text)
            and (not located or cite.unsupported_numbers(text, quoted))):
        # No real quote (left out or made up), or one silent on the answer's figures: the answer
        # stands if a passage sentence states what it says, and that sentence is its quote. Dates
        # as the prompt showed them ('Aug. 15 (2012-08-15)').
        found = _supporting(text, answer.question, answer.passages, cite.cited_numbers(text, available))
        for n, sentence in [found] if found else _supporting_several(text, answer.question, answer.passages):
            located.append((sentence, n))
            quotes.append((n, sentence))
    grounded = [n for _, n in located]
    kind = cite.asks_for(answer.question) if verify_quotes else None
    if verify_quotes:
        text, note = _quote_instead(text, answer.question, located, kind)
        if note:
            answer.notes.append(note)
    if not text or cite.is_refusal(text):
        answer.text, answer.answered = NO_ANSWER, False
    elif verify_quotes and not grounded:
        _withhold(answer, "(Not shown: neither the model's quote nor any passage sentence states what its "
                          "answer says.)", "ungrounded")
    elif kind and not cite.gives(text, answer.question, kind):
        _withhold_off_question(answer, kind)
    else:
        support = " ".join([answer.question, *shown(located), *(q for _, q in quotes),
                            *(answer.passages[n - 1].date for n in grounded)])
        if verify_quotes and cite.unsupported_numbers(text, support):
            # The answer states a figure its own quote does not: show the checked quote instead.
            text = _as_quoted(located)
            answer.notes.append("(Shown as quoted: the model's own wording stated a figure that "
                                "its quote does not support.)")
        if not cite.cited_numbers(text, available):
            text = text.rstrip() + " " + "".join(f"[{n}]" for n in dict.fromkeys(grounded))
        answer.text, answer.answered = text, True
    if not answer.timings.get("first_token_s"):
        answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
    numbers = cite.cited_numbers(answer.text, available) if answer.answered else []
    answer.citations = [_citation(n, answer, located, chunks_of) for n in numbers]
    if verify_quotes and answer.answered and (swapped := _outcome_swapped(answer.text, located)):
        _withhold(answer, swapped, "outcome")
    if verify_quotes and answer.answered:
        _ground(answer, located, chunks_of)
        if answer.notes and answer.notes[-1].startswith("(Shown as quoted") and (
                (kind and not cite.gives(answer.text, answer.question, kind))
                or all(q == answer.passages[n - 1].title for q, n in located)):
            # The quote shown instead of the model's wording does not answer either: a headline,
            # or no date for a 'when?'.
            answer.notes.pop()
            _withhold_off_question(answer, kind, said)
        numbers = cite.cited_numbers(answer.text, available) if answer.answered else []
    if verify_quotes and answer.answered and numbers:
        _withhold_off_subject(answer, numbers, chunks_of)
        if answer.answered:
            _withhold_outside_period(answer, numbers, chunks_of)
        numbers = cite.cited_numbers(answer.text, available) if answer.answered else []
    if answer.answered and not numbers:
        answer.notes.append("Note: the model cited no passage; check the retrieved passages.")
    inferred = [c.n for c in answer.citations if c.date_inferred]
    if inferred:
        refs = _refs(inferred)
        answer.notes.append(f"Note: the date of {refs} is inferred from the text; the article "
                            "prints no date.")
    undated = [c.n for c in answer.citations if not c.date]
    if undated:
        refs = _refs(undated)
        answer.notes.append(f"Note: the date of {refs} is unknown: the article prints no date and its "
                            "text does not settle the year.")
    answer.timings["total_s"] = round(time.perf_counter() - started, 3)


def _asked(found: list[str], question: str) -> set[str]:
    """The names among `found` that the question names (not its dates or figures)."""
    asked = cite.fold(question)
    return {n for n in found if cite.fold(n) in asked and not any(ch.isdigit() for ch in n)
            and cite.fold(n).rstrip(".") not in MONTHS and cite.fold(n) not in WEEKDAYS}


def _article_texts(p: Passage, chunks_of: Callable[[str], list[Passage]] | None) -> list[str]:
    return [p.title, p.outlet, p.author, *(c.text for c in _article(p, chunks_of))]


def _on_subject(answer: Answer, chunks_of: Callable[[str], list[Passage]] | None,
                ) -> tuple[set[int], list[str]]:
    """The passages whose articles name every name the question names, and those names."""
    names = sorted(_asked(cite.ungrounded(answer.question, ""), answer.question))
    return {n for n, p in enumerate(answer.passages, start=1)
            for article in [" ".join(_article_texts(p, chunks_of))]
            if not any(cite.ungrounded(name, article) for name in names)}, names


def _withhold_off_subject(answer: Answer, cited: list[int],
                          chunks_of: Callable[[str], list[Passage]] | None) -> None:
    """'What severance did X offer?' answered from an article about Y that never mentions X: the
    answer puts the question's names on another subject's facts. When none of the names of the
    question that the answer states is in any article it cites, it is not given."""
    stated = _asked(cite.ungrounded(answer.text, ""), answer.question)
    if not stated:
        return
    articles = [text for n in cited for text in _article_texts(answer.passages[n - 1], chunks_of)]
    if _asked(cite.ungrounded(answer.text, " ".join(articles)), answer.question) != stated:
        return
    _withhold(answer, f"(Not shown: the model answered \"{answer.text}\", but no article it cites "
                      f"({_refs(cited)}) mentions {_join(sorted(stated))}: the answer is about something "
                      "else.)", "off-subject")


def _withhold_outside_period(answer: Answer, cited: list[int],
                             chunks_of: Callable[[str], list[Passage]] | None) -> None:
    """'How many jobs did X cut in 2025?' answered from an article that prints no date and names
    no year of 2025: the figure may be of any year, so the answer would place it in the period
    on the question's word alone. It is not given; the note shows what the passage said."""
    period = _placing_period(answer.question)
    if period is None:
        return
    for p in (answer.passages[n - 1] for n in cited):
        years = {int(p.date[:4])} if p.date else set()
        years |= {y for c in _article(p, chunks_of) for y in c.years}
        if any(y in period for y in years):
            return
    _withhold(answer, f"(Not shown: the model answered \"{answer.text}\", but no article it cites "
                      f"({_refs(cited)}) is dated {period.label()} or names a year of it: the articles do "
                      f"not say it was in {period.label()}.)", "outside-period")


def _article(p: Passage, chunks_of: Callable[[str], list[Passage]] | None) -> list[Passage]:
    """Every chunk of passage p's article (p alone when the chunks are not at hand)."""
    return (chunks_of(p.source) if chunks_of else []) or [p]


def _refs(numbers: list[int]) -> str:
    return ", ".join(f"[{n}]" for n in numbers)


def _withhold(answer: Answer, note: str, why: str) -> None:
    """The answer is not given; `note` says what the model answered and why it is not shown."""
    answer.text, answer.answered, answer.withheld, answer.citations = NO_ANSWER, False, True, []
    answer.withheld_why = why
    answer.notes.append(note)


# A subordinate clause: a year inside one describes what is asked about ("when they were
# attacked in 2023", "the attack that killed ... in 2023"); it does not place the answer.
CLAUSES = {"advcl", "relcl", "acl"}


def _placing_period(question: str) -> Period | None:
    """The period the answer must lie in, when the question places it there (stated_period()),
    with a year of the main clause: not 'what were they doing when they were attacked in 2023?'."""
    from index.nlp import nlp

    period = stated_period(question)
    if period is None:
        return None
    doc = nlp()(question)
    for m in PLACING.finditer(question):
        year = doc.char_span(m.start("placed"), m.end("placed"), alignment_mode="expand")
        if year is not None and not any(t.dep_ in CLAUSES for t in year.root.ancestors):
            return period
    return None


def _withhold_off_question(answer: Answer, kind: str | None, said: str = "") -> None:
    """'When...?' answered without a date, 'How many...?' without a figure: the model answered
    something else (often a real sentence that does not answer), not the question asked. `said`:
    the model's wording, when it was replaced by its quote, which does not answer either."""
    if not kind:
        note = "(Not shown: the only sentence found for the model's answer is a headline.)"
    elif said:
        note = (f"(Not shown: the question asks for {KIND_WORDS[kind]}; the model answered \"{said}\", "
                "which its quote does not state, and the quote states none.)")
    else:
        note = f"(Not shown: the question asks for {KIND_WORDS[kind]}; the model's answer states none.)"
    _withhold(answer, note, "off-question" if kind else "headline")


def _quote_instead(text: str | None, question: str, located: list[tuple[str, int]],
                   kind: str | None) -> tuple[str | None, str]:
    """The model's quote in place of a wording that does not answer: one that only repeats the
    question ("What did they attack?" - "They attacked in X in 2012", quoting "... an attack on a
    military base in X"), or states no date or name for a "when?" or "who?" while its quote does
    ("the founder was captured in 1992", quoting "In 1992, authorities captured <name>, the
    group's founder"). Not for "how much?": the day of a date ("September 3") is a figure to the
    check. Returns (text, note); the text unchanged and no note when no quote does better."""
    if not located or not text or cite.is_refusal(text):
        return text, ""
    if not any(cite.adds(text, question)):
        better = [(q, n) for q, n in located if any(cite.adds(q, question))]
        if better:
            return _as_quoted(better), "(Shown as quoted: the model's own wording only repeats the question.)"
    if kind in SENTENCE_KINDS and not cite.gives(text, question, kind):
        better = [(q, n) for q, n in located if cite.gives(q, question, kind)]
        if better:
            return _as_quoted(better), (f"(Shown as quoted: the question asks for {KIND_WORDS[kind]}; the "
                                        "model's own wording states none, its quote does.)")
    return text, ""


def _outcome_swapped(text: str, located: list[tuple[str, int]]) -> str:
    """'36 gas workers were freed' resting on 'kidnapping 36 gas workers': the figure is the
    sentence's, what happened to them is not. The outcomes are read by the event table's parser
    and vocabulary ('released' and 'rescued' are one outcome). Returns the note that withholds
    such an answer, or ''. A figure whose sentence states no outcome for it is not judged."""
    answer_doc, *support_docs = parse_all([cite.MARKER.sub(" ", text)] + [q for q, _ in located])
    stated = [c for doc in support_docs for c in counts_in(doc)]
    for said in counts_in(answer_doc):
        same = [c for c in stated if c.value == said.value]
        if same and all(c.outcome != said.outcome for c in same):
            return (f"(Not shown: the model's answer says {said.words} {said.outcome}; its sentence says "
                    f"{same[0].words} {same[0].outcome}.)")
    return ""


def _as_quoted(located: list[tuple[str, int]]) -> str:
    return " ".join(f"{q.strip()} [{n}]" for q, n in located)


def _ground(answer: Answer, located: list[tuple[str, int]],
            chunks_of: Callable[[str], list[Passage]] | None) -> None:
    """No answer states a name or figure that its cited passages do not (they are what the user
    checks it against): a passage given that states it is cited too; else the checked quote is
    shown instead of the model's wording."""
    def cites(numbers: list[int]) -> list[Citation]:
        return [_citation(n, answer, located, chunks_of) for n in numbers]

    def missing(citations: list[Citation]) -> list[str]:
        return cite.ungrounded(answer.text, " ".join([answer.question, *(
            f"{c.title} {c.outlet} {c.date} {annotate_dates(c.text, c.date)}" for c in citations)]))

    lacking = missing(answer.citations)
    if not lacking:
        return
    cited = cite.cited_numbers(answer.text, len(answer.passages))
    extra: list[int] = []
    for n in range(1, len(answer.passages) + 1):
        if n not in cited and len(more := missing(cites([*cited, *extra, n]))) < len(lacking):
            extra.append(n)
            lacking = more
    if not lacking:
        answer.text = answer.text.rstrip() + " " + "".join(f"[{n}]" for n in extra)
        answer.citations = cites([*cited, *extra])
        return
    # An answered reply always has a located quote (or supporting sentence) by now.
    answer.notes.append(f"(Shown as quoted: the model's own wording stated {', '.join(lacking)}, "
                        "which the passages do not.)")
    answer.text = _as_quoted(located)
    answer.citations = cites(cite.cited_numbers(answer.text, len(answer.passages)))


def _as_printed(sentence: str, p: Passage) -> str:
    """A sentence found in what the model read of passage p, as the article prints it: its
    heading stands on the title."""
    return p.title if sentence.strip() == heading(p) and p.title else sentence


def _supporting(text: str, question: str, passages: list[Passage],
                cited: list[int]) -> tuple[int, str] | None:
    """(n, sentence): a sentence of passage n, or its heading, that states the answer's words and
    figures, read with dates as the prompt showed them and spelled out ('Saturday (2014-02-15)'
    is read as 'Saturday (15 February 2014)'), returned as the article prints it."""
    units, shown = _as_read(passages)
    found = cite.supporting_sentence(text, question, shown, cited)
    return _printed(*found, units, shown, passages) if found else None


def _supporting_several(text: str, question: str, passages: list[Passage]) -> list[tuple[int, str]]:
    """[(n, sentence)]: sentences of several passages that state the answer together (see
    cite.supporting_sentences), read and returned as _supporting() reads and returns one."""
    units, shown = _as_read(passages)
    return [_printed(n, sentence, units, shown, passages)
            for n, sentence in cite.supporting_sentences(text, question, shown)]


def _as_read(passages: list[Passage]) -> tuple[list[list[str]], list[str]]:
    """Each passage's heading and sentences, and the same as the model read them (dates resolved,
    as words), one per line."""
    units = [[heading(p), *text_sentences(p.text)] for p in passages]
    shown = ["\n".join(cite.readable(annotate_dates(u, p.date)) for u in us)
             for p, us in zip(passages, units, strict=True)]
    return units, shown


def _printed(n: int, sentence: str, units: list[list[str]], shown: list[str],
             passages: list[Passage]) -> tuple[int, str]:
    """A sentence found in what the model read of passage n, as the article prints it."""
    k = next(k for k, line in enumerate(shown[n - 1].split("\n")) if sentence in line)
    return n, _as_printed(units[n - 1][k], passages[n - 1])


def _citation(n: int, answer: Answer, located: list[tuple[str, int]],
              chunks_of: Callable[[str], list[Passage]] | None) -> Citation:
    """Citation [n] with the sentence it rests on (the UI marks it): the quote found in passage n,
    else a sentence of passage n that states the answer. When that sentence is in another chunk of
    the same article (given to the model or not), the citation shows that chunk: a citation never
    shows a passage without the sentence it stands for, when the article has it."""
    p = answer.passages[n - 1]
    # Quotes are real sentences, but a small model sometimes quotes one that does not say what it
    # answered: a sentence that states some of the answer comes first.
    telling = [(q, m) for q, m in located if cite.states_some(q, answer.text, answer.question)]
    own = [q for q, m in telling if m == n]
    if own:
        return Citation.of(n, p, own)
    found = _supporting(answer.text, answer.question, [p], [1])
    if found:
        return Citation.of(n, p, [found[1]])
    chunks = [c for c in (chunks_of(p.source) if chunks_of else []) if c.id != p.id]
    for quote in (q for q, m in telling if answer.passages[m - 1].source == p.source):
        for chunk in chunks:
            if _words_in(quote, chunk.text):
                return Citation.of(n, chunk, [quote])
    found = _supporting(answer.text, answer.question, chunks, [])
    if found:
        return Citation.of(n, chunks[found[0] - 1], [found[1]])
    return Citation.of(n, p, [q for q, m in located if m == n])


def _words_in(sentence: str, text: str) -> bool:
    """Is `sentence` in `text`, whatever the spacing and line breaks?"""
    return " ".join(sentence.split()) in " ".join(text.split())


def _answer_out_of_period(answer: Answer, retrieval: Retrieval, store: Store, started: float) -> None:
    """No passage speaks of the period asked about: say so instead of letting the model guess."""
    dates = [r[0] or "" for r in store.db.execute("SELECT date FROM documents WHERE duplicate_of = ''")]
    years = sorted({d[:4] for d in dates if d})
    undated = sum(not d for d in dates)
    have = "has" if undated == 1 else "have"
    covered = f" The articles are dated {_join(years)}" if years else ""
    if undated:
        covered += f"; {undated} more {have} no known date" if years else f" {undated} {have} no known date"
    covered += "." if covered else ""
    answer.text = f"{NO_ANSWER} None of them reports anything about {retrieval.period.label()}.{covered}"
    answer.answered, answer.route = False, "out-of-period"
    answer.timings["first_token_s"] = answer.timings["total_s"] = round(time.perf_counter() - started, 3)


def _answer_unknown_names(question: str, names: list[str], settings: Settings, started: float) -> Answer:
    """The question is about someone or somewhere no article mentions: say so, no model guess."""
    answer = Answer(question, model=model_label(settings), answered=False, route="unknown-names")
    answer.text = f"{NO_ANSWER} None of them mentions {_join(list(dict.fromkeys(names)))}."
    answer.timings["retrieval_s"] = answer.timings["first_token_s"] = answer.timings["total_s"] = round(
        time.perf_counter() - started, 3)
    return answer


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
