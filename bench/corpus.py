"""A generated news corpus for benchmarks: article-length texts with headlines, datelines,
bylines, names, places and figures, some web-page clutter and some near-duplicate copies.
Deterministic for a given seed, so two runs measure the same work."""

from __future__ import annotations

import random
from pathlib import Path

FIRST = ("Ana Carlos Maria Jose Luis Rosa Pedro Elena Jorge Lucia Miguel Sofia Diego Carmen Pablo "
         "Julia Raul Teresa Hugo Isabel Victor Marta Oscar Laura Andres Paula Felipe Irene Mateo Clara "
         "Samuel Nadia Tomas Alicia Ruben Gloria Ivan Patricia Emilio Beatriz").split()
LAST = ("Garcia Rodriguez Lopez Martinez Gonzalez Perez Sanchez Ramirez Torres Flores Rivera Gomez "
        "Diaz Cruz Morales Reyes Gutierrez Ortiz Chavez Ramos Mendoza Castillo Vargas Rojas Herrera "
        "Medina Aguilar Vega Castro Salazar Quispe Huaman Mamani Condori Paredes Campos Silva").split()
PLACES = [("Lima", "Peru"), ("Cusco", "Peru"), ("Ayacucho", "Peru"), ("Arequipa", "Peru"),
          ("Bogota", "Colombia"), ("Medellin", "Colombia"), ("Cali", "Colombia"), ("Quito", "Ecuador"),
          ("Guayaquil", "Ecuador"), ("La Paz", "Bolivia"), ("Santa Cruz", "Bolivia"),
          ("Santiago", "Chile"), ("Valparaiso", "Chile"), ("Buenos Aires", "Argentina"),
          ("Cordoba", "Argentina"), ("Montevideo", "Uruguay"), ("Asuncion", "Paraguay"),
          ("Caracas", "Venezuela"), ("Mexico City", "Mexico"), ("Monterrey", "Mexico"),
          ("Tegucigalpa", "Honduras"), ("San Salvador", "El Salvador"), ("Guatemala City", "Guatemala"),
          ("Managua", "Nicaragua"), ("Panama City", "Panama"), ("San Jose", "Costa Rica")]
OUTLETS = ["Andes Wire", "Southern Courier", "Valley Herald", "Continental Post", "Pacific Ledger",
           "Highland Times", "River Gazette", "Coastal Monitor"]
TOPICS = {
    "security": (["police", "soldiers", "rebels", "patrol", "ambush", "checkpoint", "cartel", "raid",
                  "prosecutors", "detainees", "weapons", "cocaine"],
                 ["{n} {noun} were killed in the {event} near {place} on {weekday}",
                  "authorities seized {n} kilograms of cocaine during the {event} outside {place}",
                  "the {org} said {n} suspects had been detained after the {event}",
                  "{person}, a spokesman for the {org}, said the {event} lasted {n} hours"]),
    "economy": (["inflation", "exports", "copper", "wages", "budget", "central bank", "tariffs",
                 "investors", "unemployment", "bonds", "currency", "harvest"],
                ["{org} reported that {noun} rose {n} percent in the {quarter} quarter",
                 "the finance ministry expects {noun} to reach {n} million dollars by {year}",
                 "{person}, an economist at the {org}, said {noun} would slow after {year}",
                 "exports of {noun} from {place} fell by {n} percent compared with {year}"]),
    "politics": (["election", "congress", "referendum", "mayor", "coalition", "protest", "reform",
                  "ministers", "ballots", "campaign", "senate", "governor"],
                 ["{person} won {n} percent of the vote in the {noun} held in {place}",
                  "the {org} approved the {noun} by {n} votes to {m}",
                  "thousands marched in {place} on {weekday} against the {noun}",
                  "{person} told reporters the {noun} would be decided before {month} {year}"]),
    "health": (["hospital", "vaccine", "outbreak", "clinics", "dengue", "doctors", "patients",
                "ministry", "nurses", "medicines", "beds", "cases"],
               ["the {org} counted {n} new {noun} of dengue in {place} last week",
                "{person}, director of the regional {noun}, asked for {n} more nurses",
                "about {n} {noun} were treated at the main hospital of {place} in {month}",
                "the ministry sent {n} doses of the vaccine to {place} on {weekday}"]),
    "climate": (["floods", "drought", "rainfall", "glacier", "wildfire", "landslide", "river",
                 "farmers", "crops", "emergency", "storm", "temperatures"],
                ["{noun} forced {n} families to leave their homes around {place}",
                 "the {org} declared a state of emergency in {n} districts after the {noun}",
                 "{person}, a farmer from {place}, said the {noun} destroyed {n} hectares",
                 "scientists at the {org} measured {noun} {n} percent above the {year} average"]),
}
ORGS = ["Interior Ministry", "National Police", "Army", "electoral board", "central bank",
        "Health Ministry", "National Statistics Institute", "university", "ombudsman's office",
        "chamber of commerce", "civil defence agency", "Supreme Court"]
EVENTS = ["attack", "clash", "operation", "raid", "ambush", "confrontation", "search"]
CONNECTIVES = ["Meanwhile,", "According to officials,", "Local residents said that", "In a statement,",
               "Earlier this year,", "Witnesses reported that", "By late afternoon,", "Separately,"]
COMMENTARY = [
    "Analysts say the region has seen similar episodes for more than a decade.",
    "The government has promised an investigation, but few details have been released.",
    "Opposition lawmakers called for the minister to appear before congress.",
    "Residents complain that promises made after earlier crises were never kept.",
    "The figures could not be independently verified.",
    "Officials did not respond to requests for comment by the time of publication.",
    "Observers expect the issue to dominate the coming session of congress.",
    "Neighbouring provinces reported smaller incidents over the same weekend.",
    "Road blockades cut the highway to the coast for several hours.",
    "Teachers and transport workers joined the strike on its second day.",
    "The mining company suspended operations while engineers inspected the tunnels.",
    "Human rights groups questioned the use of force by the security services.",
    "A court is expected to rule on the case before the end of the month.",
    "Prices of bread, rice and cooking oil have climbed steadily since the spring.",
    "Volunteers from the parish distributed blankets and drinking water.",
    "The bridge, built in the nineteen-sixties, had been declared unsafe years ago.",
    "Fishermen along the coast reported the smallest catch in a generation.",
    "The president cut short a foreign trip to return to the capital.",
    "Indigenous leaders demanded to be consulted before any new concession is granted.",
    "Satellite images showed the extent of the damage to the forest.",
    "Diplomats from three neighbouring countries attended the ceremony.",
]
CLUTTER = ["Share this article", "Advertisement", "Was this content helpful?", "Subscribe now",
           "Follow us on Twitter", "Read more: regional headlines", "Share icon icon icon"]
MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def article(rng: random.Random, number: int) -> tuple[str, str]:
    """One article: (file name, text). 300-800 words of body, about the length of a news story."""
    topic = rng.choice(sorted(TOPICS))
    nouns, templates = TOPICS[topic]
    city, country = rng.choice(PLACES)
    year = rng.randint(2005, 2024)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    outlet = rng.choice(OUTLETS)
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    def sentence() -> str:
        slots = {"n": rng.randint(2, 950), "m": rng.randint(2, 120), "noun": rng.choice(nouns),
                 "event": rng.choice(EVENTS), "place": rng.choice(PLACES)[0], "org": rng.choice(ORGS),
                 "person": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "weekday": rng.choice(WEEKDAYS),
                 "month": rng.choice(MONTHS), "year": rng.randint(year - 8, year),
                 "quarter": rng.choice(["first", "second", "third", "fourth"])}
        text = rng.choice(templates).format(**slots)
        if rng.random() < 0.35:
            text = f"{rng.choice(CONNECTIVES)} {text}"
        return text[0].upper() + text[1:] + "."

    title = sentence().rstrip(".")
    title = title if len(title) < 110 else title[:100].rsplit(" ", 1)[0]
    paragraphs: list[str] = []
    words = 0
    target = rng.randint(300, 800)
    while words < target:
        sentences = [sentence() for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.4:
            sentences.append(rng.choice(COMMENTARY))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        words += len(paragraph.split())
        if rng.random() < 0.08:
            paragraphs.append(rng.choice(CLUTTER))
    dateline = rng.choice([
        f"{city.upper()}, {country} / {day} {MONTHS[month - 1][:3].upper()} {year}",
        f"{city.upper()}, {year}-{month:02d}-{day:02d} ({outlet})",
        f"Published: {MONTHS[month - 1]} {day}, {year} | {outlet}",
    ])
    head = [f"# {title}", "", dateline, f"By {author}"]
    if rng.random() < 0.2:
        head = ["Skip to main content", *head]
    tail = [f"© {year} {outlet}."]
    if rng.random() < 0.15:
        tail += ["Related Content", f"{sentence()}", f"{sentence()}"]
    name = f"{year}-{month:02d}-{number:05d}-{topic}.txt"
    return name, "\n\n".join(["\n".join(head), *paragraphs, *tail]) + "\n"


def near_duplicate(rng: random.Random, text: str) -> str:
    """The same story saved again from another page: clutter added, a line or two changed."""
    blocks = text.split("\n\n")
    blocks.insert(1, rng.choice(CLUTTER))
    blocks.insert(len(blocks) // 2, rng.choice(CLUTTER))
    blocks.append(rng.choice(CLUTTER))
    return "\n\n".join(blocks)


def generate_corpus(folder: Path, articles: int, seed: int = 6, duplicate_share: float = 0.04) -> list[Path]:
    """Write `articles` generated articles (about `duplicate_share` of them near-duplicates of
    another) as .txt files into `folder`; returns their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    texts: list[str] = []
    for number in range(articles):
        if texts and rng.random() < duplicate_share:
            name, text = f"copy-{number:05d}.txt", near_duplicate(rng, rng.choice(texts))
        else:
            name, text = article(rng, number)
            texts.append(text)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
