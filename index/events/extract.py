"""An article's sentences -> mentions: every figure that says how many were killed, rescued, cut...

Only sentences that hold a number are parsed (plus the title and the lead, for the names an
article is about). For each number the parser gives the noun it counts ('five' -> 'soldiers'),
the predicate above it ('killing', 'were confirmed dead', 'the death toll rose to'), negation
and modality, and the clause around it, which says whether the figure is an incident, a running
total ('so far this year'), a historical toll ('over two decades') or a forecast ('could rise
to'). The date comes from the sentence or its paragraph, resolved against the publication date,
else the publication date; a figure dated well before the article's own present is a
'background' mention of an earlier event.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from text_to_num import text2num

from index import dates
from index.chunk import sentences, text_sentences
from index.events import Count, Mention
from index.events.vocab import (
    ADDITIVE,
    FORECAST,
    HISTORICAL,
    LEMMA_OUTCOME,
    LIGHT_VERBS,
    MEASURE_UNITS,
    MULTIPLIERS,
    QUALIFIERS,
    REPORTING,
    REVISION,
    RUNNING_TOTAL,
    VAGUE,
    is_unit,
    noun_key,
    nouns_match,
    outcome_of,
)
from index.nlp import nlp

NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                "hundred thousand million billion dozen").split()
ORDINAL_WORDS = "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
HAS_NUMBER = re.compile(r"\d|\b(?:" + "|".join(NUMBER_WORDS + ORDINAL_WORDS) + r")\b", re.I)
# Only a sentence that holds a number and a word that may report an outcome is parsed (the parser
# is most of the event table's indexing time): the stems of vocab.OUTCOMES and the light verbs.
OUTCOME_HINT = re.compile(r"\b(?:" + "|".join(sorted({
    w[: max(3, len(w) - 2)] for phrase in [*LEMMA_OUTCOME, "left", "lost", "dead", "toll", "fled", "brought",
                                           "laid", "found", "shot", "slew", "freed", "held", "took"]
    for w in phrase.split()[:1]})) + r")", re.I)
NOT_COUNTS = {"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL"}
NAME_LABELS = {"GPE", "LOC", "FAC", "ORG", "PERSON", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART"}
PLACE_PREPOSITIONS = {"in", "at", "near", "outside", "from", "of", "on", "into", "across", "around"}
EVENT_WORDS = re.compile(r"\b(attack(?:s|ed)?|ambush(?:es|ed)?|clash(?:es|ed)?|battles?|firefights?|"
                         r"raid(?:s|ed)?|bombings?|"
                         r"explosions?|blasts?|fires?|collapses?|landslides?|floods?|earthquakes?|"
                         r"crash(?:es)?|shootings?|massacres?|kidnappings?|abductions?|layoffs?|job cuts?|"
                         r"storms?|accidents?|disasters?|offensives?|strikes?|operations?|assaults?)\b", re.I)


def extract_mentions(source: str, title: str, body: str, published: str,
                     published_inferred: bool) -> list[Mention]:
    """Every sentence of `body` that states a count, dated, named and classified."""
    units, lead, wanted = _read(title, body)
    parsed = parse_all([title or "", lead] + [s for _, _, s in wanted])
    title_doc, lead_doc, docs = parsed[0], parsed[1], parsed[2:]
    article_names = names_in(title_doc) + names_in(lead_doc) + capitalised_names(body)
    paragraph_names: dict[int, list[str]] = {}
    for (number, _, _), doc in zip(wanted, docs, strict=True):
        paragraph_names.setdefault(number, []).extend(names_in(doc))

    out: list[Mention] = []
    paragraph_date: dict[int, str] = {}
    for (number, start, sentence), doc in zip(wanted, docs, strict=True):
        counts = counts_in(doc)
        # "Between the cuts of November and today's, 18,000": the month is the earlier round's.
        written = "" if counts and all(c.cumulative for c in counts) else written_date(sentence, published)
        if written and (counts or EVENT_WORDS.search(sentence)):
            paragraph_date[number] = written
        if not counts:
            continue
        date = written or paragraph_date.get(number, "")
        names = list(dict.fromkeys(names_in(doc) + paragraph_names.get(number, [])))
        out.append(Mention(
            source=source, sentence=sentence, start=start, date=date or published,
            date_basis="text" if date else ("published" if published else "unknown"),
            date_inferred=published_inferred and not dates.YEAR.search(sentence),
            published=published, places=places_in(doc), names=names, kind=_event_word(sentence, title),
            counts=counts, title=title,
        ))
    out = [part for m in out for part in _split_recalled(m)]
    _mark_background(out, published)
    story = _story_date(units, published)
    for m in out:
        if m.role == "main" and m.date_basis != "text" and story:
            # "On 4 January 2025, gunmen attacked the base": the day of the article's own event,
            # for its figures that give none ("six soldiers lost their lives").
            m.date, m.date_basis = story, "text"
    recalled_only = {n for m in out if m.role == "background" for n in m.names} - {
        n for m in out if m.role == "main" for n in m.names}
    article_names = [n for n in article_names if n not in recalled_only]
    counted = {f"{c.value:g}" for m in out for c in m.counts}
    story_numbers = [n for n in context_numbers(title + "\n" + body) if n not in counted]
    # An earlier event an article recalls is told by the same actors ("the group ... kidnapping 36
    # gas workers in April"), not at the article's own places.
    folded = fold(body)
    own_places = {w for m in out if m.role == "main" for p in m.places for w in fold(p).split()}
    labelled = {fold(_clean_name(e.text)) for doc in parsed for e in doc.ents
                if e.label_ in ("GPE", "LOC", "FAC")}
    actors = [n for n in article_names if folded.count(fold(n)) >= 2 and fold(n) not in labelled
              and not set(fold(n).split()) & own_places]
    weekday_names = list(dict.fromkeys(f"{day.group(1).lower()}|{name}" for _, _, sentence in units
                                       for day in dates.BARE_WEEKDAY.finditer(sentence)
                                       for name in capitalised_names(sentence)))
    for m in out:
        if m.role == "main":
            m.weekday_names = weekday_names
            m.names = list(dict.fromkeys(m.names + article_names))
            m.numbers = story_numbers
        else:
            m.names = list(dict.fromkeys(m.names + [_clean_name(a) for a in actors]))
            m.numbers = context_numbers(m.sentence)
    return out


_PARSED: dict[str, Any] = {}  # sentence -> parse, for a second pass over the same articles
_PARSED_MAX = 200_000


def _read(title: str, body: str) -> tuple[list[tuple[int, int, str]], str, list[tuple[int, int, str]]]:
    """An article's sentences as (paragraph, offset in body, sentence), its lead paragraph, and
    the sentences worth parsing: those holding a number and a word that may report an outcome."""
    units: list[tuple[int, int, str]] = []
    offset = 0
    paragraphs = body.split("\n")
    for number, paragraph in enumerate(paragraphs):
        cursor = 0
        for sentence in sentences(paragraph):
            at = paragraph.find(sentence, cursor)
            cursor = at + len(sentence) if at >= 0 else cursor
            units.append((number, offset + max(at, 0), sentence))
        offset += len(paragraph) + 1
    if title:  # a headline states the article's main figure ("All 137 abducted pupils rescued")
        units.insert(0, (-1, -1, title))
    lead = next((p for p in paragraphs if len(p.split()) > 8), "")
    # A caption printed twice is one statement, not two.
    wanted = list({u[2]: u for u in reversed(units)
                   if HAS_NUMBER.search(u[2]) and OUTCOME_HINT.search(u[2])}.values())[::-1]
    return units, lead, wanted


def parse_articles(articles: list[tuple[str, str]]) -> None:
    """Parse the sentences of many (title, body) articles in one go (long batches are faster;
    spaCy's n_process=2 was slower here: 14.9 s against 10.2 s for 4,579 sentences):
    extract_mentions() then finds them parsed."""
    texts = []
    for title, body in articles:
        _, lead, wanted = _read(title, body)
        texts += [title or "", lead, *(s for _, _, s in wanted)]
    parse_all(texts)


def parse_all(texts: list[str]) -> list[Any]:
    """Parses of `texts`, each sentence parsed once per process (indexing reads an article again
    once other reports of its event have given it a year)."""
    todo = [t for t in dict.fromkeys(texts) if t not in _PARSED]
    if len(_PARSED) + len(todo) > _PARSED_MAX:
        _PARSED.clear()
    for text, doc in zip(todo, nlp().pipe(todo, batch_size=256), strict=True):
        _PARSED[text] = doc
    return [_PARSED[t] for t in texts]


# --- numbers and what they count -------------------------------------------------------------

def counts_in(doc: Any) -> list[Count]:
    """The counts a parsed sentence states."""
    found: list[Count] = []
    seen: set[int] = set()
    last_noun = ""
    for token in doc:
        if token.i in seen or not _is_number(token):
            continue
        group = _number_group(token)
        seen.update(t.i for t in group)
        head = group[-1]
        value = _value(group)
        if value is None or value <= 0 or _is_year(head, value) or _not_a_count(group, head):
            continue
        if any(t.dep_ == "neg" for t in head.children) or any(t.dep_ == "neg" for t in token.children):
            continue  # "137, not 287": the figure denied is no figure
        if any(t.dep_ == "quantmod" and t.lower_ == "of" for t in head.children):
            continue  # "206 of 252 people": 252 is how many there were
        noun_token, unit, via_of = _counted_noun(head)
        if head.ent_type_ in NAMED or noun_token is not None and (noun_token.ent_type_ in NOT_COUNTS or (
                noun_token.pos_ == "PROPN" and any(c.dep_ == "compound" and c.pos_ == "PROPN"
                                                   for c in noun_token.children))):
            continue  # "two months", "71 Task Force Battalion": a number in a name counts nothing
        if noun_token is not None and is_unit(noun_token.lemma_) and not unit:
            continue  # "820 feet", "two months", "13%"
        if noun_token is not None and not via_of and _of_a_number(noun_token):
            continue  # "23 of the 252 people": 252 is how many there were, not what happened to them
        if noun_token is not None and _is_location(noun_token):
            continue  # "in two communities", "from one boarding school"
        noun = _noun_name(noun_token) if noun_token is not None else ""
        if noun_token is not None and noun_token.pos_ == "PRON" or noun in ("other", "others"):
            noun = last_noun  # "49 of whom", "seven others": the people counted just before
        elif noun == "dead" or noun_token is not None and outcome_of(noun_token.lemma_):
            noun = ""  # "40 fatalities", "21 dead": the noun is the outcome, people are counted
        words = _words(doc, group, noun_token)
        qualifier = _qualifier(group, head)
        for outcome, predicate, clause in _outcomes(noun_token if noun_token is not None else head):
            if unit and outcome not in UNIT_OUTCOMES or _is_agent(noun_token, predicate):
                continue
            if predicate is not None and _either_or(predicate):
                continue  # "killed or wounded over 20", "dead or missing": of neither outcome alone
            if outcome == "cut" and predicate is not None and not nouns_match("job", noun) \
                    and predicate.lemma_ in ("eliminate", "neutralise", "neutralize"):
                outcome = "killed"  # "eliminated 34 fighters" is no job cut
            found.append(Count(
                value=value, noun=noun, outcome=outcome, words=words, qualifier=qualifier,
                kind=_statement_kind(clause, doc), unit=unit, modality=_modality(predicate, clause),
                predicate=predicate.lemma_.lower() if predicate is not None else "",
                revised=_revised(clause, head, noun_token),
                recalled=_recalled(clause), cumulative=bool(CUMULATIVE.search(clause.doc.text)),
            ))
        last_noun = noun or last_noun
    return found + _ordinal_tolls(doc, found)


def _ordinal_tolls(doc: Any, found: list[Count]) -> list[Count]:
    """'the body of the fifth miner killed was found': the toll is (at least) five."""
    out = []
    for token in doc:
        value = ORDINALS.get(token.lower_)
        noun = token.head
        if not value or value < 2 or token.dep_ != "amod" or noun.pos_ != "NOUN" or is_unit(noun.lemma_):
            continue
        outcome, predicate, clause = _outcome(noun)
        if outcome in ("killed", "recovered") and not any(c.value == value for c in found):
            out.append(Count(value=value, noun=_noun_name(noun), outcome="killed",
                             words=doc[token.i: noun.i + 1].text, qualifier="at least",
                             kind=_statement_kind(clause, doc),
                             predicate=predicate.lemma_.lower() if predicate is not None else ""))
    return out


UNIT_OUTCOMES = {"seized", "destroyed", "recovered", "cut"}
NAMED = {"ORG", "FAC", "PRODUCT", "LAW", "WORK_OF_ART", "EVENT", "GPE", "PERSON"}
ORDINALS = {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth "
                                         "eleventh twelfth".split(), start=1)}


def _not_a_count(group: list[Any], head: Any) -> bool:
    """'at 0220 EDT', 'one by one', 'one of the', '2-1': numbers that count nothing."""
    text = group[0].text
    if len(text) > 1 and text.startswith("0"):
        return True
    nxt = head.doc[head.i + 1: head.i + 3].text.lower()
    before = head.doc[max(0, head.i - 2): head.i].text.lower()
    return head.lower_ == "one" and (nxt.startswith(("by ", "-", "to one", "of the two"))
                                     or before == "one by")


def _of_a_number(nominal: Any) -> bool:
    """Is this the 'of' phrase of another number ('23 of the 252 people', '206 of 252')?"""
    head = nominal.head
    return nominal.dep_ == "pobj" and head.lower_ == "of" and head.head is not head and (
        head.head.pos_ == "NUM" or head.head.like_num or head.head.lower_ in ("%", "percent", "per cent"))


def _is_agent(noun: Any | None, predicate: Any | None) -> bool:
    """'two explosions killed 91 people': the number counts what did it, not whom it happened to
    ('six soldiers lost their lives' counts whom it happened to)."""
    while noun is not None and noun.dep_ == "conj":
        noun = noun.head  # "a patrol vessel and two fishing trawlers pulled 26 survivors ..."
    if noun is None or predicate is None or noun.dep_ != "nsubj" or noun.head != predicate:
        return False
    particle = next((c.lower_ for c in predicate.children if c.dep_ == "prt"), "")
    lemma = f"{predicate.lemma_.lower()} {particle}".strip()
    if lemma in ("survive", "outlive"):
        return False  # "26 people survived the sinking": its subject is who it happened to
    return bool(outcome_of(lemma)) and any(
        c.dep_ == "dobj" and not outcome_of(f"{lemma} {c.lemma_.lower()}") for c in predicate.children)


def _is_number(token: Any) -> bool:
    if token.ent_type_ in NOT_COUNTS and not _figure_in_a_date(token):
        return False
    text = token.text.lower().rstrip(".")
    return (token.like_num or token.pos_ == "NUM") and text not in VAGUE and not text.startswith("#")


def _figure_in_a_date(token: Any) -> bool:
    """'lowered the toll from the sinking on November 3 to 11', 'the toll stands at 44': the
    recognizer reads a date ('November 3 to 11', an age), the parser hangs the number from the
    verb whose subject or object is the toll."""
    to = token.head
    return token.ent_type_ == "DATE" and token.dep_ == "pobj" and to.lower_ in ("to", "at") \
        and to.head.pos_ in ("VERB", "AUX") and any(
            c.dep_ in ("dobj", "nsubj", "nsubjpass") and outcome_of(c.lemma_.lower()) == "killed"
            for c in to.head.children)


def _number_group(token: Any) -> list[Any]:
    """'1.5 million', 'twenty - one', '11,000': the tokens of one number, in order."""
    group = [token]
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    while nxt is not None and (nxt.like_num or nxt.lower_ in ("dozen", "million", "billion", "thousand")
                               or nxt.text == "-" and nxt.i + 1 < len(token.doc)
                               and token.doc[nxt.i + 1].like_num) and nxt.ent_type_ not in NOT_COUNTS:
        group.append(nxt)
        nxt = nxt.nbor(1) if nxt.i + 1 < len(token.doc) else None
    return [t for t in group if t.text != "-"]


def _value(group: list[Any]) -> float | None:
    words = [t.text.lower().replace(",", "") for t in group]
    total = 0.0
    current: float | None = None
    for word in words:
        if word in MULTIPLIERS:
            current = (current if current is not None else 1.0) * MULTIPLIERS[word]
            if MULTIPLIERS[word] >= 1000:
                total += current
                current = None
            continue
        number = _number(word)
        if number is None:
            return None
        current = number if current is None else current + number
    return total + (current or 0.0)


def _number(word: str) -> float | None:
    try:
        return float(word)
    except ValueError:
        pass
    try:
        return float(text2num(word, "en"))
    except ValueError:
        return None


def _is_year(token: Any, value: float) -> bool:
    return value == int(value) and 1900 <= value <= 2100 and "," not in token.text and (
        token.ent_type_ == "DATE" or token.dep_ in ("pobj", "npadvmod") and token.head.lower_ in (
            "in", "since", "of", "by", "until", "from", "to"))


def _counted_noun(number: Any) -> tuple[Any | None, str, bool]:
    """The noun a number counts, for a measure ('79 kilograms of X') its unit, and whether the
    noun came from an 'of' phrase ('two of our guards')."""
    head = number
    while head.dep_ in ("nummod", "quantmod", "compound") and head.head is not head and (
            head.head.lower_ in MULTIPLIERS or head.head.pos_ == "NUM"):
        head = head.head
    noun, via_of = None, False
    if head.dep_ in ("nummod", "quantmod", "compound", "amod") and head.head.pos_ in ("NOUN", "PROPN"):
        noun = head.head
    else:
        noun, via_of = _of_object(head), True
    if noun is not None and noun.lemma_.lower() in MEASURE_UNITS:
        what = _of_object(noun)
        if what is not None:
            return what, MEASURE_UNITS[noun.lemma_.lower()], via_of
    return noun, "", via_of


def _of_object(token: Any) -> Any | None:
    of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    return next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None


def _is_location(noun: Any) -> bool:
    return noun.dep_ == "pobj" and noun.head.lower_ in ("in", "at", "across", "from", "near", "inside",
                                                        "outside", "into", "throughout")


def _noun_name(noun: Any) -> str:
    """What is counted, in the words groups are matched by: 'police officers' -> 'police officer',
    'rebel fighters' -> 'rebel fighter', 'Valdan soldiers' -> 'soldier', 'members of the Red
    Banner' -> 'member (Red Banner)', 'Red Banner rebels' -> 'rebel (Red Banner)'."""
    lemma = noun_key(noun.lemma_ if noun.lemma_ != "-PRON-" else noun.text)
    compounds = [c for c in noun.children if c.dep_ in ("compound", "amod") and c.i < noun.i]
    common = [noun_key(c.lemma_) for c in compounds if c.pos_ == "NOUN" and c.i == noun.i - 1]
    name = " ".join(common[-1:] + [lemma])
    proper = [c for c in noun.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
    of = _of_object(noun)
    qualifier = ""
    if proper:
        qualifier = " ".join(t.text for t in sorted({t for c in proper for t in c.subtree if t.pos_ != "DET"},
                                                    key=lambda t: t.i))
    elif of is not None and of.pos_ in ("NOUN", "PROPN"):
        qualifier = " ".join([c.text for c in of.children if c.dep_ in ("compound", "amod") and c.i < of.i]
                             + [of.text])
    return f"{name} ({qualifier})" if qualifier and lemma in QUALIFIED else name


# Nouns that say little until one says of what: "members of the armed forces", "members of X".
QUALIFIED = {"member", "fighter", "militant", "personnel", "staff", "employee", "worker", "officer",
             "supporter", "rebel", "soldier", "agent"}


def _predicate_outcome(token: Any) -> str:
    if token.tag_ in ("JJR", "JJS", "RBR", "RBS"):
        return ""  # "one step closer", "the closest": a comparison, nothing was closed
    lemma = token.lemma_.lower()
    particle = next((c.lower_ for c in token.children if c.dep_ == "prt"), "")
    for phrase in (f"{lemma} {particle}".strip(),
                   *(f"{lemma} {c.lemma_.lower()}" for c in token.children
                     if c.dep_ in ("dobj", "acomp", "oprd"))):
        if outcome_of(phrase):
            return outcome_of(phrase)
    if particle and lemma in ("lay", "shut", "let"):
        return ""
    if lemma in ("bring", "pull", "lift", "haul", "lead", "carry") and any(
            p.dep_ == "prep" and any(o.lemma_.lower() in ("surface", "safety") for o in p.children)
            for p in token.children):
        return "rescued"  # "brought safely to the surface", "pulled to safety"
    if lemma in ("find", "pull", "discover") and any(
            c.dep_ in ("nsubjpass", "dobj") and c.lemma_.lower() in ("body", "corpse", "remains")
            for c in token.children):
        return "recovered"
    return outcome_of(lemma)


def _complement_outcome(token: Any) -> tuple[str, Any | None]:
    """A light verb's outcome: its complement ('confirmed dead', 'left ... dead', 'remain
    trapped') or its subject ('the death toll rose to 40')."""
    for child in token.children:
        if child.dep_ in ("acomp", "oprd", "xcomp", "ccomp") and _predicate_outcome(child):
            return _predicate_outcome(child), child
        if child.dep_ == "prep" and child.lower_ == "as":  # "listed as missing", "registered as dead"
            for word in child.children:
                if word.dep_ in ("pobj", "amod", "acomp", "pcomp") and _predicate_outcome(word):
                    return _predicate_outcome(word), word
        if child.dep_ in ("nsubj", "nsubjpass", "dobj") and child.lemma_.lower() == "toll":
            return "killed", child
    return "", None


def _outcomes(nominal: Any) -> list[tuple[str, Any | None, Any]]:
    """What a count says happened: the outcome of a modifier ('287 schoolchildren kidnapped') and
    of the predicate it depends on ('the release of ...'); both when they differ."""
    found = []
    described = _outcome(nominal, modifiers=True)
    if described[0]:
        found.append(described)
        # "All 137 abducted pupils rescued": the modifier before the noun says who they are, the
        # one after it what happened to them; both are told.
        for child in nominal.children:
            outcome = _predicate_outcome(child)
            if child.dep_ == "acl" and child.i > nominal.i and outcome and outcome != described[0] \
                    and child != described[1] and not any(c.dep_ == "neg" for c in child.children):
                found.append((outcome, child, child))
    # "13 persons injured and seven others abducted": the predicate after the last of coordinated
    # counts is that one's; a count with its own participle does not take it too.
    listed = described[0] and any(c.dep_ == "conj" and any(g.dep_ == "nummod" for g in c.children)
                                  for c in nominal.children)
    governing = _outcome(nominal, modifiers=False) if not listed else ("", None, nominal)
    if governing[0] and governing[0] != described[0]:
        found.append(governing)
    return found


def _either_or(predicate: Any) -> bool:
    """Is the predicate one of two outcomes joined by 'or' ('killed or wounded', 'dead or missing')?"""
    if predicate.dep_ == "conj":
        first, second = predicate.head, predicate
    else:
        first = predicate
        second = next((c for c in predicate.children if c.dep_ == "conj"), None)
        if second is None:
            return False
    joined_by_or = any(c.dep_ == "cc" and c.lower_ in ("or", "nor") and first.i < c.i < second.i
                       for c in first.children)
    outcomes = {_predicate_outcome(first), _predicate_outcome(second)}
    return joined_by_or and "" not in outcomes and len(outcomes) == 2


def _outcome(nominal: Any, modifiers: bool = True) -> tuple[str, Any | None, Any]:
    """(outcome, predicate token, clause head) for a counted noun or a bare number: from its own
    modifiers, or (modifiers=False) from the predicate it depends on."""
    # "three wounded soldiers", "5 soldiers killed", "21 dead", "four members of the army who died"
    of = _of_object(nominal) if modifiers else None
    extra = [c for c in of.children if c.dep_ in ("relcl", "acl")] if of is not None else []
    for child in [*nominal.children, *extra] if modifiers else ():
        if child.dep_ == "relcl" and any(c.dep_ in ("nsubj", "nsubjpass") and (c.like_num or c.pos_ == "NUM")
                                         for c in child.children):
            continue  # "239 miners, 49 of whom were injured": that clause counts its own figure
        if child.dep_ in ("amod", "acl", "relcl", "oprd", "acomp") and _predicate_outcome(child):
            if not any(c.dep_ == "neg" for c in child.children):
                return _predicate_outcome(child), child, child
    if modifiers:
        if _predicate_outcome(nominal) and nominal.pos_ in ("NOUN", "ADJ"):
            return _predicate_outcome(nominal), nominal, _clause(nominal)
        return "", None, nominal
    if nominal.dep_ == "pobj" and nominal.head.lower_ == "with" and any(
            c.dep_ in ("acl", "amod") and c.pos_ == "VERB" for c in nominal.children):
        return "", None, nominal  # "rescued, with five remaining in the mine": those five were not
    token = nominal
    for _ in range(5):
        if token.dep_ == "ROOT" or token.head == token:
            break
        dep, head = token.dep_, token.head
        if dep == "conj" and token.pos_ in ("VERB", "AUX"):
            break  # a coordinated clause has its own predicate
        if dep == "pobj" and head.dep_ in ("prep", "agent", "dative"):
            head = head.head
        elif dep not in ("nsubj", "nsubjpass", "dobj", "attr", "appos", "npadvmod", "dep", "nmod", "oprd",
                         "conj", "pobj", "compound", "nummod", "advmod", "dative") and not (
                dep in ("advcl", "acl", "xcomp") and token.lemma_.lower() in EQUATING):
            break
        token = head
        if any(c.dep_ == "neg" for c in token.children):
            return "", None, token
        lemma = token.lemma_.lower()
        found = _predicate_outcome(token)
        if lemma in EQUATING:  # it restates the nearest outcome before it, wherever the parser hung it
            before = [t for t in token.doc[: token.i] if t.pos_ == "VERB" and _predicate_outcome(t)]
            if before:
                return _predicate_outcome(before[-1]), before[-1], _clause(before[-1])
        if found and lemma not in LIGHT_VERBS:
            return found, token, _clause(token)
        if dep == "nsubj" and lemma in REPORTING:
            break  # "One relative said that the body was found": what the speaker said, not of them
        if token.pos_ in ("VERB", "AUX", "NOUN", "ADJ"):
            complement, where = _complement_outcome(token)
            if complement:
                return complement, where, _clause(token)
            if found:
                return found, token, _clause(token)
            if lemma in REPORTING or token.pos_ in ("VERB", "AUX") and lemma not in EQUATING:
                break  # a verb that reports no outcome ends the search: "with five remaining"
    return "", None, token


# "cut 15% of its workforce, amounting to around 15,000 jobs": the figure restates the outcome.
EQUATING = {"amount", "total", "equal", "represent", "translate", "mean"}


def _clause(token: Any) -> Any:
    """The clause a predicate heads: itself, or the verb it hangs from when it is a noun."""
    while token.pos_ not in ("VERB", "AUX") and token.head != token and token.dep_ not in ("ROOT",):
        token = token.head
    return token


def _own_clause(clause: Any) -> str:
    """The words of a clause, less the clauses hanging from it ('..., in what the ministry called
    the deadliest attack in decades' says nothing of the count)."""
    skip: set[int] = set()
    for child in clause.children:
        if child.dep_ in ("relcl", "acl", "advcl", "ccomp", "parataxis", "conj") or \
                child.dep_ == "prep" and any(t.dep_ in ("relcl", "pcomp") for t in child.subtree):
            skip.update(t.i for t in child.subtree)
        for grand in child.subtree:  # "... seven officers, the heaviest loss in a decade": said of them
            if grand.dep_ == "appos" and grand.i not in skip:
                skip.update(t.i for t in grand.subtree)
    return " ".join(t.text for t in clause.subtree if t.i not in skip)


def _statement_kind(clause: Any, doc: Any) -> str:
    text = _own_clause(clause)
    if clause.dep_ == "conj":  # "the insurgency has killed 40,000 and displaced two million"
        text += " " + _own_clause(clause.head)
    for other in clause.children:  # "have died or gone missing on the route since January": shared
        if other.dep_ == "conj" and other.pos_ in ("VERB", "AUX") and not any(
                c.dep_ in ("nsubj", "nsubjpass") for c in other.children):
            text += " " + _own_clause(other)
    if _generic(clause):
        return "generic"
    if HISTORICAL.search(text):
        return "historical"
    if RUNNING_TOTAL.search(text) or _perfect_in_period(clause):
        return "running_total"
    if FORECAST.search(" ".join(t.text for t in clause.subtree if t.i <= clause.i)) and any(
            t.lemma_ in ("rise", "climb", "increase", "reach", "grow") for t in clause.subtree):
        return "forecast"
    return "incident"


# A figure that takes in earlier rounds ("between the cuts of November and today's, 18,000"),
# not one event's total: "in all", "including the village head" sum one event's people.
CUMULATIVE = re.compile(r"\bbetween the \w+ .{0,80}\band the\b|\bbringing the total\b|\bcombined\b"
                        r"|\bincluding (?:the|those)\b.{0,40}\b(?:earlier|previous|prior|first|initial)\b",
                        re.I)


SINCE_WHEN = re.compile(r"\bsince (?:(?:19|20)\d\d|"
                        + "|".join(m for m in dates.MONTHS if len(m) > 3 or m == "may") + r")\b", re.I)


def _perfect_in_period(clause: Any) -> bool:
    """'35,000 job cuts have been announced in 2024', 'has killed 300 in March': a present
    perfect over a period still running is a total so far, not one event."""
    if not any(c.dep_ == "aux" and c.lemma_ == "have" and c.tag_ in ("VBZ", "VBP") for c in clause.children):
        return False
    if SINCE_WHEN.search(" ".join(t.text for t in clause.subtree)):
        return True  # "have died ... while trying to cross it since 2014", wherever the parser hung it
    # "Since the rains began in June, 312 people have died": a season's total so far.
    return any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "since" for m in c.children)
               and any(_year_or_month(t) for t in c.subtree) for c in clause.children) or any(
        c.dep_ == "prep" and c.lower_ in ("in", "during")
        and any(o.dep_ == "pobj" and _year_or_month(o) for o in c.children)
        for c in clause.children)


def _year_or_month(token: Any) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d", token.text)) or token.lower_ in dates.MONTHS


def _recalled(clause: Any) -> bool:
    """Is the clause a time clause about an earlier event, at a stated distance ('four months
    after it laid off 11,000')? ('raising the toll after two more were found dead' is the same one.)"""
    mark = next((c.lower_ for c in clause.children if c.dep_ == "mark"), "")
    distance = any(c.dep_ == "npadvmod" and c.lemma_.lower() in ("day", "week", "month", "year", "decade")
                   for c in clause.children)
    return clause.dep_ == "advcl" and mark in ("after", "since", "before") and distance


def _generic(clause: Any) -> bool:
    """'a layoff occurs when at least 50 employees are laid off': a rule, not an event."""
    mark = next((c.lower_ for c in clause.children if c.dep_ in ("mark", "advmod")
                 and c.lower_ in ("when", "if", "unless", "whenever")), "")
    present = clause.tag_ in ("VBZ", "VBP") or any(
        c.dep_ in ("aux", "auxpass") and c.tag_ in ("VBZ", "VBP") and c.lower_ not in ("has", "have")
        for c in clause.children)
    return mark in ("when", "if", "unless", "whenever") and present and clause.dep_ == "advcl"


def _modality(predicate: Any | None, clause: Any) -> str:
    if predicate is None:
        return ""
    words = {c.lower_ for c in clause.children if c.dep_ in ("aux", "amod", "advmod")}
    words |= {c.lemma_.lower() for c in predicate.children if c.dep_ in ("amod", "advmod")}
    if words & {"presume", "presumed", "feared", "believed"} or \
            clause.lemma_ in ("presume", "fear", "believe"):
        return "presumed"
    if words & {"will", "would", "'ll", "plan", "plans"} or clause.head.lemma_ in ("plan", "expect", "aim"):
        return "planned"
    return ""


def _revised(clause: Any, number: Any, noun: Any | None) -> bool:
    """Is the figure stated as an update or a correction? 'The toll rose to 41', 'raising the
    death toll to 10' (the figure after the words), '137, not 287' (before them); not 'the bodies
    of nine workers ..., raising the death toll to 10', whose update is another figure."""
    tokens = sorted(clause.subtree, key=lambda t: t.i)
    start = tokens[0].idx
    text = clause.doc.text[start: tokens[-1].idx + len(tokens[-1])]
    at = number.idx - start
    for found in REVISION.finditer(text):
        if found.group(0).lower().startswith(("not ", "rather than", "instead of")):
            if found.start() > at:
                return True
        elif found.end() <= at:
            return True
    return _denies_another(number, noun)


def _denies_another(number: Any, noun: Any | None) -> bool:
    """'137, not 287, pupils', '137 pupils, and not 287,': a figure stated against a denied one
    is a correction."""
    return any(child.dep_ in ("appos", "conj") and any(c.dep_ == "neg" for c in child.children)
               for token in (number, noun) if token is not None for child in token.children)


def _qualifier(group: list[Any], head: Any) -> str:
    before = head.doc[max(0, group[0].i - 3): group[0].i].text.lower()
    return next((q for q in QUALIFIERS if before.endswith(q)), "")


def _words(doc: Any, group: list[Any], noun: Any | None) -> str:
    start = group[0].i
    before = doc[max(0, start - 3): start].text.lower()
    qualifier = next((q for q in QUALIFIERS if before.endswith(q)), "")
    if qualifier:
        start -= len(qualifier.split())
    end = group[-1].i
    if noun is not None and 0 < noun.i - end <= 4:
        end = noun.i
    return doc[start: end + 1].text


# --- names, places, dates ---------------------------------------------------------------------

def names_in(doc: Any) -> list[str]:
    """Names the sentence prints: entities of the parser, and proper nouns it left unlabelled
    (its small model misses unfamiliar names, and mislabels others: any label is a name here)."""
    found = [_clean_name(e.text) for e in doc.ents if e.label_ in NAME_LABELS]
    covered = {t.i for e in doc.ents for t in e}
    run: list[str] = []
    for token in [*doc, None]:
        if token is not None and token.pos_ == "PROPN" and token.i not in covered and token.i > 0 \
                and not dates.MONTHS.get(token.lower_.rstrip(".")) and token.lower_ not in dates.WEEKDAYS:
            run.append(token.text)
            continue
        if run:
            found.append(_clean_name(" ".join(run)))
            run = []
    return [n for n in dict.fromkeys(found) if n and len(n) > 1]


CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*[a-z][\w'’-]*(?:[ \t]+(?:of[ \t]+|de[ \t]+)?[A-Z][\w'’-]+)*")


def capitalised_names(text: str) -> list[str]:
    """Names anywhere in an article: runs of capitalised words that do not open a sentence. Cheap
    where the parser is not run; an article is about the names its whole text gives."""
    out = []
    for sentence in text_sentences(text):
        for m in CAPITALISED.finditer(sentence):
            if not sentence[: m.start()].strip(" \"'“‘([-—–•*"):
                continue  # the sentence's first word: capitalised by grammar, not as a name
            name = m.group(0)
            first = name.split()[0].lower().rstrip(".")
            if first in dates.MONTHS or first in dates.WEEKDAYS or len(name) < 3:
                continue
            out.append(_clean_name(name))
    return list(dict.fromkeys(out))


def places_in(doc: Any) -> list[str]:
    """Names after 'in', 'at', 'near'... (or labelled places): where the sentence is set."""
    out = []
    for e in doc.ents:
        if e.label_ not in NAME_LABELS or e.label_ in ("PERSON", "NORP", "WORK_OF_ART", "PRODUCT"):
            if not (e.label_ == "PERSON" and e.root.head.lower_ in PLACE_PREPOSITIONS - {"of", "from"}):
                continue
        if e.label_ in ("GPE", "LOC", "FAC") or \
                e.root.head.lower_ in PLACE_PREPOSITIONS - {"of", "from", "on"}:
            out.append(_clean_name(e.text))
    return list(dict.fromkeys(n for n in out if n))


def _clean_name(text: str) -> str:
    text = re.split(r"\s*[(\[]", text.strip(), maxsplit=1)[0]  # "Acme (the parent of Acme Labs": Acme
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
    text = re.sub(r"['’]s$", "", text).strip(" .,;:-–—'\"“”")
    return text


def fold(text: str) -> str:
    """Names compared without case, accents or possessives."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"['’]s\b", "", text.lower())


def _month_or_year(sentence: str) -> str:
    """'in March 2023' -> '2023-03'; 'since 2019' -> '2019'; '' when the sentence names neither."""
    m = dates.MONTH_YEAR.search(sentence)
    if m and m.group("month").lower() in dates.MONTHS:
        return f"{m.group('year')}-{dates.MONTHS[m.group('month').lower()]:02d}"
    m = re.search(r"\b(?:in|since|of|during)\s+((?:19|20)\d\d)\b", sentence, re.I)  # "In 2019, ..."
    return m.group(1) if m else ""


def written_date(sentence: str, published: str) -> str:
    """The date a sentence gives its events: written out, or relative to the publication date.
    In an article of unknown year a day or month is kept with the year unknown: 'XXXX-10-28'.
    A reference date ('its workforce as of June 29') dates no event."""
    sentence = re.sub(r"\b(?:as of|as at|as on)\s+[\w ,.]{3,25}?"
                      r"(?=[,;)]|$|\s(?:excluding|including|and|but))", " ", sentence, flags=re.I)
    if not published:
        found = dates.find_dates(sentence)
        if found:
            return found[0].iso
        if month_or_year := _month_or_year(sentence):
            return month_or_year
        partial = _month_day(sentence)
        return f"XXXX-{partial}" if partial else ""
    # A wire dateline runs into the first sentence: "LIMA, 2024-03-13 - ... on Sunday".
    found = [d for d in dates.find_dates(sentence) if d.iso != published]
    if found:
        return found[0].iso
    # "on Monday" in an article known only to its month says nothing the publication date does not.
    resolved = [r for r in dates.resolve_relative(sentence, published)
                if "year" not in r.phrase.lower() and not published.startswith(r.iso)]
    if resolved:
        return resolved[0].iso
    if month_or_year := _month_or_year(sentence):
        return month_or_year
    if published and re.search(r"\blast year\b", sentence, re.I):
        return str(int(published[:4]) - 1)
    if len(published) >= 7 and re.search(r"\blast month\b", sentence, re.I):
        year, month = int(published[:4]), int(published[5:7])
        return f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    if len(published) == 10:
        day = dt.date.fromisoformat(published)
        if re.search(r"\blast week\b", sentence, re.I):
            return (day - dt.timedelta(days=7)).isoformat()
        if re.search(r"\byesterday\b", sentence, re.I):
            return (day - dt.timedelta(days=1)).isoformat()
    return ""


def _month_day(sentence: str) -> str:
    """'October 28th' or 'In August' in an undated article: the day or month, its year unknown."""
    m = dates.BARE_MONTH_DAY.search(sentence)
    if m and m.group("month").lower() in dates.MONTHS and 1 <= int(m.group("day")) <= 31:
        return f"{dates.MONTHS[m.group('month').lower()]:02d}-{int(m.group('day')):02d}"
    m = dates.BARE_MONTH.search(sentence)
    if m and m.group("month").lower() in dates.MONTHS:
        return f"{dates.MONTHS[m.group('month').lower()]:02d}"
    return ""


def _story_date(units: list[tuple[int, int, str]], published: str) -> str:
    """The one day an article's sentences give its event ('On 4 January 2025, gunmen attacked'),
    if they give exactly one, within a month before its publication."""
    days = set()
    for _, _, sentence in units:
        if EVENT_WORDS.search(sentence):
            days |= {d.iso for d in dates.find_dates(sentence) if d.iso != published}
    if len(days) != 1:
        return ""
    day = next(iter(days))
    if len(published) == 10 and not \
            0 <= (dt.date.fromisoformat(published) - dt.date.fromisoformat(day)).days <= 31:
        return ""
    if published[:4].isdigit() and day[:4] != published[:4] and len(published) < 10:
        return ""
    return day


def _split_recalled(m: Mention) -> list[Mention]:
    """'will cut 10,000 jobs, four months after it laid off 11,000': the second figure is an earlier
    event, told in passing; it becomes a mention of its own."""
    recalled = [c for c in m.counts if c.recalled]
    if not recalled or len(recalled) == len(m.counts):
        return [m]
    from dataclasses import replace

    return [replace(m, counts=[c for c in m.counts if not c.recalled]),
            replace(m, counts=recalled, role="background", date="", date_basis="unknown",
                    since=_distance(m.sentence))]


DISTANCE = re.compile(r"\b(\w+|\d+)\s+(day|week|month|year)s?\s+(?:after|since|before)\b", re.I)
DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _distance(sentence: str) -> int:
    """'only four months after it laid off...': about 120 days between the two events."""
    m = DISTANCE.search(sentence)
    if not m:
        return 0
    count = {"a": 1, "an": 1, "one": 1}.get(m.group(1).lower()) or _number(m.group(1).lower()) or 0
    return int(count * DAYS[m.group(2).lower()])


NUMBER_IN_TEXT = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(%|per ?cent|percent)?", re.I)


def context_numbers(text: str) -> list[str]:
    """The figures a text states that can tell one story from another: percentages and numbers of
    10 or more that are not years ('252', '10%', '116,500')."""
    out = []
    for m in NUMBER_IN_TEXT.finditer(text):
        number, percent = m.group(1).replace(",", ""), m.group(2)
        value = float(number)
        if percent:
            out.append(f"{value:g}%")
        elif value >= 10 and not (value == int(value) and 1900 <= value <= 2100 and len(number) == 4):
            out.append(f"{value:g}")
    return list(dict.fromkeys(out))


def _mark_background(mentions: list[Mention], published: str) -> None:
    """Which mentions recall an earlier event than the article's own. The article's own event is
    the one its headline and first figures tell; a mention dated in its text before the article's
    present (its publication date, else the date its first figures give), or dated only by a
    month or year while that present is unknown ('In August, ...', 'in 2010, when ...'), recalls
    an earlier event, unless it repeats a figure of the headline or lead (a brief of 31 August
    whose story is the attack of 15 August). So does a dated figure far from the undated ones
    ('four miners were killed' in a report of 21 dead)."""
    headline = [m for m in mentions if m.start < 0]
    lead = headline + [m for m in mentions if m.start >= 0][:1]
    dated_lead = [m for m in lead if m.date_basis == "text"]
    anchor = published if len(published) == 10 else (dated_lead[0].date if dated_lead else "")
    told = {(c.outcome, c.value) for m in (headline or lead) for c in m.counts}
    for m in mentions:
        if m in headline or m is (dated_lead[0] if dated_lead and not published else None):
            continue
        if m.date_basis != "text" or any((c.outcome, c.value) in told for c in m.counts):
            continue
        if any(m.date == d.date for d in dated_lead) and ADDITIVE.search(m.sentence):
            continue  # "Two soldiers were also killed" after a lead of the same date: its story

        # Without a present to compare with, a figure dated only by a month or a year is recalled.
        earlier = _earlier(m.date, anchor) if anchor else len(m.date) < 10
        if earlier:
            m.role = "background"
    if anchor:
        return
    undated = [m for m in mentions if m.date_basis != "text"]
    for m in mentions:
        if m.role != "main" or m in lead:
            continue
        if m.date_basis == "text" and _far_from(m, undated):
            m.role = "background"
        # "Last week, five people were kidnapped": in an article whose date is unknown that is no
        # date, but it is before the article's own event all the same.
        elif EARLIER_PERIOD.search(m.sentence) and not any((c.outcome, c.value) in told for c in m.counts):
            m.role = "background"


EARLIER_PERIOD = re.compile(r"\b(?:last (?:week|month|year)|earlier this (?:week|month|year)"
                            r"|(?:a|one|two|three|\d+) (?:weeks?|months?|years?) ago)\b", re.I)


def _far_from(m: Mention, others: list[Mention]) -> bool:
    from index.events.identity import MAX_REVISION, same_group

    for c in m.counts:
        same = [x.value for o in others for x in o.counts
                if x.kind == "incident" and x.outcome == c.outcome and same_group(x.noun, c.noun)]
        if c.kind == "incident" and same and all(
                max(v, c.value) > MAX_REVISION * min(v, c.value) for v in same):
            return True
    return False


def _earlier(date: str, anchor: str) -> bool:
    """Is `date` an earlier event than the article's own present `anchor`?"""
    if not date or not anchor:
        return False
    if date.startswith("XXXX") or anchor.startswith("XXXX"):  # a day of unknown year: same year assumed
        year = next((d[:4] for d in (date, anchor) if d[:4].isdigit()), "2000")
        date, anchor = year + date[4:] if date.startswith("XXXX") else date, \
            year + anchor[4:] if anchor.startswith("XXXX") else anchor
    if date[:4] != anchor[:4]:
        return date[:4] < anchor[:4]
    if len(date) >= 7 and len(anchor) >= 7 and date[:7] != anchor[:7]:
        if len(date) == len(anchor) == 10:
            return (dt.date.fromisoformat(anchor) - dt.date.fromisoformat(date)).days > 10
        return date[:7] < anchor[:7]
    if len(date) == len(anchor) == 10:
        return (dt.date.fromisoformat(anchor) - dt.date.fromisoformat(date)).days > 10
    return False


def _event_word(sentence: str, title: str) -> str:
    m = EVENT_WORDS.search(sentence) or EVENT_WORDS.search(title)
    return m.group(1).lower().rstrip("s") if m else ""


def stated_values(words: str) -> list[float]:
    """The figures a phrase states: '11,000', 'twenty-one', '1.5 million', 'nearly two dozen'.
    (Read by rule, not by the parser: every figure of the table is checked with it.)"""
    out: list[float] = []
    run: list[str] = []
    for word in [*re.findall(r"[\w.,]+", words.lower()), ""]:
        word = word.strip(".,")
        if word in ORDINALS:
            out.append(float(ORDINALS[word]))
        elif word and (word in MULTIPLIERS or _number(word.replace(",", "")) is not None):
            run.append(word)
            continue
        if run:
            value = _words_value(run)
            if value is not None:
                out.append(value)
            out += [v for w in run if (v := _number(w.replace(",", ""))) is not None]
            run = []
    return out


def _words_value(words: list[str]) -> float | None:
    total, current = 0.0, None
    for word in words:
        if word in MULTIPLIERS:
            current = (current if current is not None else 1.0) * MULTIPLIERS[word]
            if MULTIPLIERS[word] >= 1000:
                total, current = total + current, None
            continue
        number = _number(word.replace(",", ""))
        if number is None:
            return None
        current = number if current is None else current + number
    return total + (current or 0.0)


def validate(mention: Mention) -> list[str]:
    """What is wrong with a mention: a figure whose words are not in its sentence, or do not
    state that figure. Extraction must yield none; anything else (an edited table, another
    extractor) is checked the same way."""
    problems = []
    for c in mention.counts:
        if c.words not in mention.sentence:
            problems.append(f"'{c.words}' is not in the sentence")
        elif c.value not in stated_values(c.words):
            problems.append(f"'{c.words}' does not state {c.value:g}")
    return problems
