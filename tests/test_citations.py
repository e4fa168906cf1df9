"""Checking the model's reply: quotes, citation markers, refusals and figures."""

from __future__ import annotations

from rag import citations as cite

PASSAGES = [
    "Four soldiers and two suspected rebels died in a clash. Three soldiers were wounded.",
    "The military attack also led to the seizure of weapons, explosives and 79 kilograms of cocaine.",
]


def test_split_reply_reads_quotes_and_answer():
    reply = 'Quote: [2] "seizure of weapons, explosives and 79 kilograms"\nAnswer: 79 kilograms [2].'
    quotes, answer = cite.split_reply(reply)
    assert quotes == [(2, "seizure of weapons, explosives and 79 kilograms")]
    assert answer == "79 kilograms [2]."
    assert cite.split_reply("Quote: none\nAnswer: The articles do not say.") == (
        [],
        "The articles do not say.",
    )
    assert cite.split_reply('Quote: [1] "cut off befo')[1] is None


def test_answer_first_replies_are_read_and_streamed_without_their_quote():
    reply = 'Answer: 79 kilograms [2].\nQuote: [2] "79 kilograms of cocaine"'
    assert cite.split_reply(reply) == ([(2, "79 kilograms of cocaine")], "79 kilograms [2].")
    # While streaming, a last line that may still become 'Quote:' is held back, never shown.
    assert cite.answer_so_far("Answer: 79 kilo") == "79 kilo"
    assert cite.answer_so_far("Answer: 79 kilograms [2].\nQu") == "79 kilograms [2]."
    assert cite.answer_so_far("Answer: 79 kilograms [2].\nQuote: [2] \"79") == "79 kilograms [2]."
    assert cite.answer_so_far("Answer: Two lines.\nThe second") == "Two lines.\nThe second"
    # Quote first: nothing is shown before the answer starts; a quoted 'Answer:' is not one.
    assert cite.answer_so_far('Quote: [1] "He said Answer: no') == ""
    assert cite.answer_so_far('Quote: [1] "x y z"\nAnswer: Four [1]') == "Four [1]"
    # A reply without its 'Answer:' label is the answer itself, once it cannot be a label.
    assert cite.answer_so_far("Ans") == "" and cite.answer_so_far("Quo") == ""
    assert cite.answer_so_far("Four soldiers [1].\nQuote: [1]") == "Four soldiers [1]."
    # The line break before the quote is never shown: the streamed text ends where the answer does.
    assert cite.answer_so_far("Answer: Four soldiers.\n") == "Four soldiers."
    assert cite.answer_so_far("Answer: Four soldiers ") == "Four soldiers"


def test_unlabelled_answer_and_missing_quote():
    assert cite.split_reply("Four soldiers died [1].\nQuote: [1]") == ([], "Four soldiers died [1].")
    assert cite.split_reply("Quote: none") == ([], None)


def test_supporting_sentence_is_found_for_what_the_answer_adds():
    question = "Which faction did the government dismantle?"
    passages = ["Rebels attacked a base. Troops seized 79 kilograms of cocaine.",
                "Despite dismantling the Huallaga-based faction in northern Peru, the army struggled."]
    found = cite.supporting_sentence("The government dismantled the Huallaga-based faction in northern "
                                     "Peru [1].", question, passages, cited=[1])
    assert found == (2, passages[1])
    # An answer whose own words are in no passage has no support, however well it echoes the question.
    assert cite.supporting_sentence("The government dismantled the Cusco cell of the Red Fatherland "
                                    "group [2].", question, passages, cited=[2]) is None


def test_the_question_s_verb_in_another_form_adds_nothing_to_support():
    # 'gave' restates the question's 'give' (irregular: no stemmer joins them); the sentence must
    # state the figure, not the verb
    question = "How much did the Zorvan Group give the city museum?"
    passages = ["The museum sought the painting for a year.",
                "Now it receives 15 million euros ($16 million) from the Zorvan Group, the museum said."]
    found = cite.supporting_sentence("The Zorvan Group gave the city museum $16 million.", question,
                                     passages, cited=[1])
    assert found is not None and found[0] == 2 and "$16 million" in found[1]
    assert cite.supporting_sentence("The Zorvan Group gave the city museum $18 million.", question,
                                    passages, cited=[1]) is None


def test_locate_quote_finds_the_right_passage_or_none():
    assert cite.locate_quote("79 kilograms of cocaine were seized with weapons", PASSAGES, hint=1) is None
    assert cite.locate_quote("seizure of weapons, explosives and 79 kilograms of cocaine", PASSAGES, 1) == 2
    # a small slip (one changed word) is still the same quote
    assert cite.locate_quote("Four soldiers and two alleged rebels died in a clash", PASSAGES, None) == 1
    assert cite.locate_quote("Paris is the capital of France.", PASSAGES, 1) is None
    assert cite.locate_quote("died", PASSAGES, 1) is None  # too short to prove anything


def test_markers_to_passages_not_given_are_removed():
    assert cite.cited_numbers("Four [1], seven [3] and [1, 2].", 2) == [1, 2]
    assert cite.strip_invalid("Four soldiers died [1][7].", 2) == "Four soldiers died [1]."
    assert cite.strip_invalid("Seven [3].", 2) == "Seven."


def test_refusals_are_recognised_on_the_opening_sentence():
    assert cite.is_refusal("The articles do not say.")
    assert cite.is_refusal("The passages do not mention the price of cocaine.")
    assert not cite.is_refusal("Four soldiers died [1]. The articles do not say who led them.")


def test_figures_must_be_supported():
    assert cite.numbers("Four soldiers [2] and 8,000 troops; 79.5 kg; one of them") == {"4", "8000", "79.5"}
    support = "seizure of weapons, explosives and 79 kilograms of cocaine"
    assert cite.unsupported_numbers("79 kilograms were seized.", support) == set()
    assert cite.unsupported_numbers("450 kilograms were seized.", support) == {"450"}
    assert cite.unsupported_numbers("Four soldiers died", "4 soldiers and two rebels") == set()


def test_a_reply_without_a_real_quote_stands_only_on_a_sentence_that_states_it():
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    def finished(reply: str) -> Answer:
        passages = [Passage(str(n), f"{n}.txt", f"{n}.txt", "Title", "2023", False, "", "", text, [2023])
                    for n, text in enumerate(PASSAGES, start=1)]
        answer = Answer("What was seized?", passages=passages, raw_reply=reply)
        _finish(answer, "", 0.0)
        return answer

    supported = finished("Answer: Weapons, explosives and 79 kilograms of cocaine were seized [2].\n"
                         "Quote: [2]")
    assert supported.answered and [c.n for c in supported.citations] == [2]
    invented = finished('Answer: Rifles and 12 trucks of marijuana were seized [2].\nQuote: [2] "12 trucks"')
    assert not invented.answered and not invented.citations


def test_own_sentences_gives_the_passage_its_own_words_for_a_slipped_quote():
    text = "The army patrolled.\nFour soldiers and two rebels died in a clash on Monday. It rained."
    assert cite.own_sentences("Four soldiers and 2 rebels died in the clash", text) == (
        "Four soldiers and two rebels died in a clash on Monday.")
    # A quote that runs over two sentences gets both.
    assert cite.own_sentences("died in a clash on Monday. It rained.", text) == (
        "Four soldiers and two rebels died in a clash on Monday. It rained.")
    assert cite.own_sentences("Paris is the capital of France.", text) is None


# One article cut into two chunks: the leader is named in the first only. Written for the test.
LEADER = "Comrade Zorbul led the faction in the valley in 2012, police said."
CHUNKS = [f"The faction was founded decades ago. {LEADER} It trades in coca.",
          "The next morning soldiers patrolled the roads. The valley is large and poor."]


def _article(given: list[int]):
    from rag.retrieve import Passage

    chunks = [Passage(f"c{i}", "/a/valley.txt", "/a/valley.txt", "Valley report", "2012-08-31", False,
                      "Wire", "", text, [2012]) for i, text in enumerate(CHUNKS)]
    other = Passage("o", "/a/other.txt", "/a/other.txt", "Other", "2012-01-01", False, "Post", "",
                    "Rain fell on the capital for a week.", [2012])
    def chunks_of(source: str) -> list[Passage]:
        return chunks if "valley" in source else [other]

    return [chunks[i] if i >= 0 else other for i in given], chunks_of


def test_a_citation_shows_the_chunk_that_holds_its_sentence():
    from rag.answer import Answer
    from rag.api import _finish

    # The model cites [3], the next chunk, but quotes the sentence of [1]: [3] shows chunk 1.
    passages, chunks_of = _article([0, -1, 1])
    answer = Answer("Who led the faction in the valley in 2012?", passages=passages,
                    raw_reply=f'Answer: Comrade Zorbul led it [3].\nQuote: [1] "{LEADER}"')
    _finish(answer, "", 0.0, True, chunks_of)
    [c] = answer.citations
    assert c.n == 3 and LEADER in c.text and c.support == LEADER
    # The sentence is in a chunk of the article the model was not given at all: that chunk is shown.
    passages, chunks_of = _article([-1, 1])
    answer = Answer("Who led the faction in the valley in 2012?", passages=passages,
                    raw_reply="Answer: Comrade Zorbul led the faction [2].")
    _finish(answer, "", 0.0, True, chunks_of)
    assert answer.answered is False  # nothing the model was given states it: withheld, as before
    answer = Answer("Who led the faction in the valley in 2012?", passages=passages,
                    raw_reply='Answer: Comrade Zorbul led the faction [2].\nQuote: [2] "The valley is large"')
    _finish(answer, "", 0.0, True, chunks_of)
    [c] = answer.citations
    assert answer.answered and c.n == 2 and c.text == CHUNKS[0] and c.support == LEADER
    # Without the article's other chunks, nothing it cites names him: the quote shown instead
    # ('The valley is large and poor.') names no one either, so the answer is withheld.
    _finish(answer, "", 0.0, True, None)
    assert not answer.answered and not answer.citations and "asks for a name" in answer.full_text


def test_an_answer_must_state_what_its_question_asks_for():
    cases = [
        ("When was the brief published?", "date", "It was published on 31 August 2012 [1].",
         "The brief was published by InSight Crime [1]."),
        ("In which month of 2023 were police killed?", "month", "In February 2023 [1].",
         "Police were killed in 2023 [1]."),
        ("On what exact calendar date (day and month) did the clash happen?", "day",
         "On 17 February [1].", "The clash happened on Monday, 2023 [1]."),
        ("On which day of the week did the clash happen?", "weekday", "On a Monday [1].", "In 2023 [1]."),
        ("Which year was the clash?", "year", "The clash was in 2023 [1].", "It was a clash [1]."),
        ("How much money did Peru agree to pay in September 2020?", "figure", "About 20 million soles [1].",
         "Peru agreed to pay victims in September 2020 [1]."),
        ("Who wrote the article?", "name", "Boluarte wrote it [1].", "A reporter wrote it [1]."),
        # a sentence's first word is a name only when the parser reads one: not 'Later'
        ("Who was found alive?", "name", "Zakovryashin was found alive [1].",
         "Later in the day, six rescuers died while searching [1]."),
        ("Which news agency reported the toll?", "source", "The toll was reported by i24 [1].",
         "The toll was reported on Monday [1]."),
    ]
    for question, kind, good, bad in cases:
        assert cite.asks_for(question) == kind, question
        assert cite.gives(good, question, kind), good
        assert not cite.gives(bad, question, kind), bad
    assert cite.asks_for("What happened in Putis?") is None
    assert cite.asks_for("What is the price of a kilogram of cocaine?") == "figure"
    assert cite.asks_for("How large a charge did Microsoft take?") == "figure"
    assert cite.asks_for("What were the names of the four soldiers?") == "name"


def test_a_reply_that_does_not_answer_the_question_asked_is_withheld():
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    passage = Passage("1", "1.txt", "1.txt", "Clash", "2023", False, "", "",
                      "Peru agreed to pay compensation to victims of the violence.", [2023])
    answer = Answer("How much money did Peru agree to pay victims?", passages=[passage],
                    raw_reply='Answer: Peru agreed to pay compensation to victims [1].\n'
                              'Quote: [1] "Peru agreed to pay compensation to victims of the violence."')
    _finish(answer, "", 0.0)
    assert not answer.answered and answer.withheld and "asks for a figure" in answer.full_text


def test_a_reply_whose_quote_answers_when_its_wording_does_not_is_shown_as_quoted():
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    passage = Passage("1", "1.txt", "1.txt", "Arrests", "2023", False, "", "",
                      "The movement grew in the 1980s. In 1992, police captured Ana Ruiz, its founder.",
                      [2023])

    def finished(reply: str) -> Answer:
        answer = Answer("Who was the founder captured by the police?", passages=[passage], raw_reply=reply)
        _finish(answer, "", 0.0)
        return answer

    named = finished('Answer: The founder was captured in 1992 [1].\nQuote: [1] "Ana Ruiz, its founder"')
    assert named.answered and "In 1992, police captured Ana Ruiz, its founder. [1]" in named.text
    assert "Shown as quoted" in named.full_text and "grew in the 1980s" not in named.text
    nameless = finished('Answer: The founder was captured in the 1980s [1].\n'
                        'Quote: [1] "The movement grew in the 1980s."')
    assert not nameless.answered and "asks for a name" in nameless.full_text
    # A wording that only repeats the question gives way to its quote too.
    attack = Passage("1", "1.txt", "1.txt", "Attack", "2012", False, "", "",
                     "Rebels launched an attack Aug. 15 on a military base in Zorbu, killing five soldiers.",
                     [2012])
    echo = Answer("What did the rebels attack in Zorbu in August 2012?", passages=[attack],
                  raw_reply='Answer: The rebels attacked in Zorbu in August 2012 [1].\n'
                            'Quote: [1] "Rebels launched an attack Aug. 15 on a military base in Zorbu"')
    _finish(echo, "", 0.0)
    assert echo.answered and "military base" in echo.text and "only repeats the question" in echo.full_text


def test_an_answer_withheld_for_want_of_the_name_asked_gets_a_second_look(monkeypatch):
    import rag.api as api
    from index.settings import Settings
    from rag.answer import Answer
    from rag.retrieve import Passage

    question = "Who was the founder captured by the police?"
    named, nameless = "In 1992, police captured Ana Ruiz, its founder.", "The movement grew in the 1980s."
    passage = Passage("1", "1.txt", "1.txt", "Arrests", "2023", False, "", "", f"{nameless} {named}", [2023])
    passage.leads = [(0.9, named), (0.8, nameless)]

    class Chooses:  # the model's reply to the second look: a sentence's number
        def __init__(self, number: str) -> None:
            self.number = number

        def create_chat_completion(self, **_: object) -> dict:
            return {"choices": [{"message": {"content": self.number}}], "usage": {}}

    def settled(number: str) -> Answer:
        monkeypatch.setattr(api, "load_llm", lambda settings: Chooses(number))
        answer = Answer(question, passages=[passage], raw_reply=f'Answer: The founder was captured in the '
                        f'1980s [1].\nQuote: [1] "{nameless}"')
        api._settle(answer, "", 0.0, Settings.load(), None)
        return answer

    chosen = settled("1")
    assert chosen.answered and chosen.text.startswith(f'"{named}"') and "second_look_s" in chosen.timings
    for number in ("0", "2"):  # none chosen, or one that names no one either: the first verdict stands
        kept = settled(number)
        assert not kept.answered and kept.withheld_why == "off-question"
        assert "asks for a name" in kept.full_text


def test_a_why_withheld_as_off_subject_is_offered_the_causes_its_own_articles_state(monkeypatch):
    import rag.api as api
    from index.settings import Settings
    from rag.answer import Answer
    from rag.retrieve import Passage

    question = "What caused the fire in the Zorbu warehouse in Kalia?"
    own_cause = "An electrical fault apparently triggered the blaze, officials said."
    own_other = "Firefighters worked through the night."
    other_cause = "The flood was caused by heavy rain in Mirelo."
    own = Passage("1", "1.txt", "1.txt", "Fire in Zorbu, Kalia", "2023", False, "", "",
                  f"A fire razed a warehouse in Zorbu, Kalia. {own_cause} {own_other}", [2023])
    own.leads = [(0.9, own_other), (0.8, own_cause)]
    other = Passage("2", "2.txt", "2.txt", "Flood in Mirelo", "2023", False, "", "", other_cause, [2023])
    other.leads = [(0.95, other_cause)]
    offered = []

    class Picks:
        def create_chat_completion(self, messages: list[dict], **_: object) -> dict:
            offered.append(messages[-1]["content"])
            return {"choices": [{"message": {"content": "1"}}], "usage": {}}

    monkeypatch.setattr(api, "load_llm", lambda settings: Picks())
    answer = Answer(question, passages=[own, other], raw_reply=f'Answer: The fire in the Zorbu warehouse in '
                    f'Kalia was caused by heavy rain [2].\nQuote: [2] "{other_cause}"')
    api._settle(answer, "", 0.0, Settings.load(), None)
    # Offered only the sentence stating a cause in the article that names Zorbu and Kalia, asked
    # without the names (the sentence need not repeat them).
    assert len(offered) == 1 and own_cause in offered[0] and other_cause not in offered[0]
    assert own_other not in offered[0] and "Question: What caused the fire?" in offered[0], offered[0]
    assert answer.answered and own_cause in answer.text and answer.citations[0].n == 1


def test_a_figure_told_with_another_outcome_than_its_sentence_gives_is_withheld():
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    passage = Passage("1", "1.txt", "1.txt", "Brief", "2012", False, "", "",
                      "The rebels embarrassed the army, kidnapping 36 gas workers in April. "
                      "Gunmen later freed 12 hostages.", [2012])

    def finished(reply: str) -> Answer:
        answer = Answer("How many gas workers were freed?", passages=[passage], raw_reply=reply)
        _finish(answer, "", 0.0)
        return answer

    swapped = finished('Answer: 36 gas workers were freed [1].\n'
                       'Quote: [1] "kidnapping 36 gas workers in April"')
    assert not swapped.answered and "36 gas workers kidnapped" in swapped.full_text
    # The same outcome in other words ('released' for 'freed') stands.
    released = finished('Answer: 12 hostages were released [1].\n'
                        'Quote: [1] "Gunmen later freed 12 hostages."')
    assert released.answered and released.text.startswith("12 hostages were released")


def test_dates_in_an_answer_are_spelled_out_and_stream_whole():
    reply = ('Answer: It happened on Tuesday, 2020-06-09, and 81 died [1].\n'
             'Quote: [1] "On Tuesday (2020-06-09)"')
    assert cite.split_reply(reply)[1] == "It happened on Tuesday, 9 June 2020, and 81 died [1]."
    shown = ""
    for end in range(1, len(reply) + 1):  # every state of the stream extends the one before
        now = cite.answer_so_far(reply[:end])
        assert now.startswith(shown), (shown, now)
        shown = now
    assert shown == "It happened on Tuesday, 9 June 2020, and 81 died [1]."


def test_an_answer_that_retells_a_run_of_sentences_is_supported_by_them():
    question = "Why did the officials lower the toll from the May 2031 Arden sinking?"
    passage = ("Officials lowered the toll from the sinking on May 3 to 11, saying three victims were "
               "registered twice. In the confusion of the first day, bodies went to two places: the "
               "morgue in Tarvo and the clinic in Elm town. Three of the dead were logged at the clinic "
               "and again after their transfer to Tarvo, the chief examiner, Dr. Ila Venn, explained.")
    answer = ("The officials lowered the toll from the sinking on May 3 (2031-05-03) to 11, saying three "
              "victims were registered twice. Bodies went to two places, the morgue in Tarvo and the "
              "clinic in Elm town. Three of the dead were logged at the clinic and again after their "
              "transfer to Tarvo, the chief examiner, Dr. Ila Venn, explained.")
    assert len(cite.supporting_sentences(answer, question, [passage])) == 3
    # the same retelling with a figure no sentence gives is not supported
    assert cite.supporting_sentences(answer.replace("to 11", "to 12"), question, [passage]) == []
    # nor one whose words are mostly its own
    assert cite.supporting_sentences("The officials lowered the toll from the sinking to 11 after an "
                                     "audit by federal inspectors found clerical errors in hospital "
                                     "ledgers and duplicated insurance claims.", question, [passage]) == []
