"""Which country a statement speaks for, read from its own text.

A statement delivered for a country names that country far more often than any other, and speaks in
the first person ("my country", "we"). Country names come from ISO 3166 (the `pycountry` data): the
short name, the common name ("Bolivia" for "Bolivia, Plurinational State of") and the official name.
A text without a first-person voice (a resolution, a report) speaks for no country, and neither does
one where no country clearly leads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

from index.model import Document

FIRST_PERSON = re.compile(r"\b(I|we|We|our|Our|my|My|us)\b")
VOICE_SHARE = 0.3  # paragraphs in the first person, for a text to speak for someone
LEAD = 2  # the own country is named in at least this many paragraphs,
LEAD_RATIO = 1.5  # and in this many times as many as any other
CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")  # "EST" in "EST_72_2017.txt"


# Everyday and former English names that ISO 3166 does not list, for the country it lists otherwise ("North
# Korea" is its "Democratic People's Republic of Korea", "Siam" Thailand): general knowledge, like the ISO table.
COMMON_NAMES = {
    "North Korea": "PRK", "DPRK": "PRK", "South Korea": "KOR", "Russia": "RUS", "Syria": "SYR", "Laos": "LAO",
    "Vietnam": "VNM", "Britain": "GBR", "Great Britain": "GBR", "UK": "GBR", "US": "USA", "USA": "USA", "Turkey": "TUR",
    "Czech Republic": "CZE", "Ivory Coast": "CIV", "Cape Verde": "CPV", "Swaziland": "SWZ", "Macedonia": "MKD",
    "Burma": "MMR", "East Timor": "TLS", "Vatican": "VAT", "Holy See": "VAT", "Brunei": "BRN", "DRC": "COD",
    "Democratic Republic of the Congo": "COD", "Republic of the Congo": "COG", "Netherlands": "NLD",
    # former names, as older resolutions write them
    "Siam": "THA", "Ceylon": "LKA", "Persia": "IRN", "Southern Rhodesia": "ZWE", "Rhodesia": "ZWE", "Zaire": "COD",
    "Dahomey": "BEN", "Upper Volta": "BFA", "Kampuchea": "KHM", "South West Africa": "NAM", "Bechuanaland": "BWA",
    "Basutoland": "LSO", "Gold Coast": "GHA", "Tanganyika": "TZA",
}


# Demonyms that the suffix rule of `countries_asked` cannot read back to a name ("Swiss", "Dutch"), or reads to
# the wrong one ("Nigerian" would give Niger): general knowledge, like the names above.
DEMONYMS = {
    "Swiss": "CHE", "French": "FRA", "Dutch": "NLD", "Greek": "GRC", "Thai": "THA", "Irish": "IRL", "Danish": "DNK",
    "Finnish": "FIN", "Polish": "POL", "Spanish": "ESP", "British": "GBR", "Filipino": "PHL", "Emirati": "ARE",
    "Saudi": "SAU", "Malagasy": "MDG", "Ivorian": "CIV", "Argentine": "ARG", "Cypriot": "CYP", "Czech": "CZE",
    "Slovak": "SVK", "Vietnamese": "VNM", "Lao": "LAO", "Salvadoran": "SLV", "Burkinabe": "BFA", "Tajik": "TJK",
    "Uzbek": "UZB", "Kazakh": "KAZ", "Kyrgyz": "KGZ", "Turkmen": "TKM", "Montenegrin": "MNE", "Sammarinese": "SMR",
    "Nigerian": "NGA", "Nigerien": "NER", "Monegasque": "MCO", "Luxembourgish": "LUX", "Icelandic": "ISL",
    "Bahamian": "BHS", "Barbadian": "BRB", "Comorian": "COM", "Djiboutian": "DJI", "Guatemalan": "GTM",
    "Guyanese": "GUY", "Haitian": "HTI", "Honduran": "HND", "Maldivian": "MDV", "Mauritian": "MUS",
    "Mozambican": "MOZ", "Nicaraguan": "NIC", "Peruvian": "PER", "Turkish": "TUR", "Yemeni": "YEM",
    "Austrian": "AUT", "Australian": "AUS",
}
_IRREGULAR = re.compile(r"\b(" + "|".join(DEMONYMS) + r")\b")


@cache
def demonym_country(word: str) -> str | None:
    """The country a demonym stands for, as a name `code_of` knows: "Swiss" -> "Switzerland", "Mexican" ->
    "Mexico"; None for a word that is no demonym."""
    if word in DEMONYMS:
        return min(names_of(DEMONYMS[word]), key=len)
    if not _DEMONYM.fullmatch(word):
        return None
    shorts = {name.split(",")[0] for name in _forms()}
    if word in shorts:
        return None  # a name itself ("Oman")
    for stem in (word[: STEM + 1], word[:STEM]):  # "Austr" is Austria or Australia before "Aust" is anything
        match = [name for name in sorted(shorts) if name.startswith(stem) and " " not in name]
        if match:
            return match[0]
    return None


def demonyms_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, country) of each demonym in `text`, the country as `code_of` knows it ("the Kenyan
    President" -> the span of "Kenyan" and "Kenya")."""
    found = [*_IRREGULAR.finditer(text), *_DEMONYM.finditer(text)]
    return sorted({(m.start(), m.end(), country) for m in found if (country := demonym_country(m.group(0)))})


def _demonym_words(text: str) -> list[str]:
    """The words of `text` that may be demonyms: the irregular ones and those with a demonym's suffix."""
    return [m.group(0) for m in _IRREGULAR.finditer(text)] + _DEMONYM.findall(text)


def demonyms_of(text: str, code: str) -> list[str]:
    """The demonyms in `text` of the country with this code ("the Swiss statement" -> ["Swiss"])."""
    return [w for w in dict.fromkeys(_demonym_words(text))
            if (country := demonym_country(w)) and code_of(country) == code]


@cache
def _forms() -> dict[str, str]:
    """Each way of writing a country's name -> the ISO 3166 alpha-3 code; a form two countries share
    ("Korea") is dropped."""
    import pycountry

    owners: dict[str, set[str]] = {name: {code} for name, code in COMMON_NAMES.items()}
    for country in pycountry.countries:
        short, _, qualifier = country.name.partition(", ")  # "Korea, Republic of" is "Republic of Korea"
        names = {country.name, short, f"{qualifier} {short}" if qualifier.endswith(" of") else "",
                 getattr(country, "common_name", ""), getattr(country, "official_name", "")}
        for name in filter(None, names):
            owners.setdefault(name.strip(), set()).add(country.alpha_3)
    return {name: codes.pop() for name, codes in owners.items() if len(codes) == 1}


@cache
def _pattern() -> re.Pattern[str]:
    forms = sorted(_forms(), key=len, reverse=True)  # "Republic of Korea" before "Korea"
    return re.compile(r"\b(" + "|".join(re.escape(f).replace("'", "['’]") for f in forms) + r")\b")


def document_country(document: Document) -> str | None:
    """The country `document` speaks for: its catalogue metadata's, else what its text and its id (named
    like its file, "est-72-2017") say."""
    listed = str(document.meta.get("country") or "")
    return listed or document.country or own_country([p.text for p in document.paragraphs], document.doc_id.upper())


def country_code(file_name: str) -> str | None:
    """The ISO 3166 alpha-3 code a file is named by ("EST" in "EST_72_2017.txt"), if any."""
    codes = set(_forms().values())
    return next((c for c in CODE.findall(file_name) if c in codes), None)


def code_of(name: str) -> str | None:
    """The alpha-3 code of a country name as `countries_named` or `countries_asked` give it (either apostrophe)."""
    return _forms().get(name.replace("’", "'"))


def _code(named: str) -> str:
    """The code of a name `countries_named` found (so it is known)."""
    return _forms()[named.replace("’", "'")]


def names_of(code: str) -> set[str]:
    """Every name `countries_named` knows for the country with this alpha-3 code."""
    return {name for name, owner in _forms().items() if owner == code}


def countries_named(text: str) -> list[str]:
    """The country names in `text`, as written, in order."""
    return [m.group(0) for m in _pattern().finditer(text)]


def own_country(paragraphs: Sequence[str], file_name: str = "") -> str | None:
    """The country the text speaks for, as the text writes its name, or None. A file named by the
    country's ISO code ("EST_72_2017.txt") settles it when the text names that country."""
    if not paragraphs:
        return None
    voiced = sum(1 for p in paragraphs if FIRST_PERSON.search(p))
    if voiced < VOICE_SHARE * len(paragraphs):
        return None
    spread: Counter[str] = Counter()  # paragraphs naming each country (by code)
    written: dict[str, Counter[str]] = {}
    for text in paragraphs:
        names = countries_named(text)
        spread.update({_code(n) for n in names})
        for name in names:
            written.setdefault(_code(name), Counter())[name] += 1
    code = country_code(file_name)
    if code is not None:  # the file names its country: the text's name for it, or none if it never writes it
        return written[code].most_common(1)[0][0] if code in written else None
    ranked = spread.most_common(2)
    if not ranked or ranked[0][1] < LEAD or (len(ranked) > 1 and ranked[1][1] * LEAD_RATIO > ranked[0][1]):
        return None
    return written[ranked[0][0]].most_common(1)[0][0]


_DEMONYM = re.compile(r"\b[A-Z][a-z]{3,}(?:ian|an|ese|ish|i|ic)\b")  # "Mexican", "Chinese", "Israeli"
STEM = 4  # letters that find a country's name in all its forms: "Mexi" in "Mexico" and "Mexican", "Chin" in "Chinese"


def countries_asked(question: str) -> list[str]:
    """The countries a question names, by name or by demonym ("Mexican" -> "Mexico", "Swiss" -> "Switzerland")."""
    found = list(dict.fromkeys(countries_named(question)))
    for word in _demonym_words(question):
        country = demonym_country(word)
        if country is not None:
            found.append(country)
    return list(dict.fromkeys(found))


def mentions_country(text: str, country: str) -> bool:
    """`text` names `country` in some form: "Mexico", "Mexican", "Chinese" for "China" (its last word's first
    letters, as a word's start: "United Kingdom" is found by "United King"), or another name of the same
    country ("the Democratic People's Republic of Korea" for "North Korea")."""
    words = country.split()
    head = " ".join(words[:-1] + [words[-1][:STEM]]) if len(words) > 1 else country[:STEM]
    return re.search(rf"\b{re.escape(head)}", text, re.IGNORECASE) is not None or names_country(text, country)


def names_country(text: str, country: str) -> bool:
    """`text` writes the country `country` names by any of its names ("Russian Federation" for "Russia") or
    demonyms ("British" for "UK")."""
    code = code_of(country)
    return code is not None and (any(code_of(name) == code for name in countries_named(text))
                                 or bool(demonyms_of(text, code)))
