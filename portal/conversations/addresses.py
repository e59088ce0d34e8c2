"""French postal addresses in a chat message, for the redaction (``redaction.py``).

An address is recognised from its parts, then the parts that touch (only spaces or commas
between them) are joined into one span:

- a street line: a number (``12``, ``3 bis``), a street type (:data:`STREET_TYPES`,
  abbreviations included) and a name (``12 rue de la Paix``, ``27 bd Voltaire``);
- a named place with no number: ``lieu-dit Kerbrat``, ``ZA de Kergonan``, ``hameau …``
  (:data:`PLACE_TYPES`);
- a postal box: ``BP 123``, ``CS 70001``, ``TSA 30012``;
- a postcode and its town (``75002 Paris``, ``72300 Sablé-sur-Sarthe``), with ``CEDEX``.

A joined span then grows to the right over a postcode and a town written in lower case
(``4 rue des écoles 14000 caen``: taken only after a street line, as ``15000 euros`` alone is
an amount), and to the left over at most :data:`MAX_LEADING_WORDS` capitalised words, which
are the name of a farm or a hamlet (``La Haute Forge, 72300 …``) or of the addressee.

A postcode alone (``75002``), a département, a town alone, an amount or a reference is kept:
none of them identifies a person.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

# Street types that make a street line with a number, whatever the case of the name.
STREET_TYPES = (
    r"rue|r\.|avenue|av\.?|ave|boulevard|bd|bld|bvd|impasse|imp\.|all[ée]e|quai|chemin|ch\.|"
    r"route|rte|sentier|square|sq\.|passage|cours|place|pl\.|faubourg|fbg|mont[ée]e|"
    r"chauss[ée]e|esplanade|promenade|rond-point|voie|sente|venelle|villa|cit[ée]|parvis|"
    r"r[ée]sidence|r[ée]s\.|hameau|lotissement|lot\.|domaine|clos|ruelle|traverse"
)
# Street types that are also common words (« 2 cours de formation », « 3 place… »): their
# name must hold a capitalised word.
WEAK_STREET_TYPES = frozenset(
    {"cours", "place", "pl.", "voie", "passage", "villa", "cité", "cite", "domaine",
     "clos", "route", "rte", "square", "sq.", "résidence", "residence", "rés.", "res.",
     "montée", "montee", "traverse", "parvis", "lotissement", "lot."}
)  # fmt: skip
# Named places that are an address without a number, when a capitalised name follows.
PLACE_TYPES = r"lieu[- ]dit|hameau|ZA|ZI|ZAC|zone (?:artisanale|industrielle|d'activit[ée]s)"
# Complements written before the street line (« Appartement 12, 45 boulevard … »).
COMPLEMENTS = r"appartement|appart\.?|appt\.?|apt\.?|b[âa]timent|b[âa]t\.?|escalier|esc\.?|[ée]tage"
MAX_LEADING_WORDS = 4
# How far before an address its leading words are looked for (characters): bounds the work
# per address whatever the length of the message.
LEADING_WINDOW = 120
# Capitalised words after five digits that are a unit, not a town (« 15000 Euros »).
NOT_TOWNS = (
    "euros?|eur|ht|ttc|litres?|l|hl|hectolitres?|kg|kilos?|tonnes?|t|m3|kwh|mwh|"
    "mo|ko|go|factures?|jours?|ans?|heures?|pages?|caract[èe]res?"
)

_CONNECTOR = r"(?:(?:de|du|des|la|le|les|aux|au|à|sur|sous|en|et)\s+|[ldLD]['’]\s?)"
_CAP_WORD = r"[A-ZÀ-ÖØ-Ý](?:[^\W\d_]|['’\-])*"
_WORD = r"[\w'’\-]+"
_NAME = rf"{_CONNECTOR}*{_WORD}(?:\s+{_CONNECTOR}*{_CAP_WORD})*"
_NUMBER = r"\d{1,4}(?:\s?(?i:bis|ter|quater|[A-D])\b)?,?\s+"
_STREET = re.compile(rf"(?<![\w.\-])(?:{_NUMBER})((?i:{STREET_TYPES}))\s+({_NAME})")
_CAP_NAME = rf"{_CONNECTOR}*{_CAP_WORD}(?:\s+{_CONNECTOR}*{_CAP_WORD})*"
_PLACE = re.compile(rf"(?<![\w\-])(?i:{PLACE_TYPES})\s+{_CAP_NAME}")
_BOX = re.compile(r"(?<![\w\-])(?:BP|B\.P\.|CS|TSA)\s?\d{1,6}(?![\w\-])")
_POSTCODE = r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3}"
_TOWN_TAIL = (
    rf"(?:[ \-](?:(?:sur|sous|en|lès|lez|de|du|des|la|le|les)[ \-])?(?!(?i:cedex)\b){_CAP_WORD})*"
)
_CEDEX = r"(?:\s+(?i:cedex)(?:\s?\d{1,2})?)?"
_NOT_TOWN = rf"(?!(?i:{NOT_TOWNS})(?![\w\-]))"
_POSTCODE_TOWN = re.compile(
    rf"(?<![\w.,\-]){_POSTCODE}\s+{_NOT_TOWN}{_CAP_WORD}{_TOWN_TAIL}{_CEDEX}(?![\w\-])"
)
_ANY_POSTCODE_TOWN = re.compile(
    rf"[\s,]+{_POSTCODE}\s+{_NOT_TOWN}{_WORD}{_TOWN_TAIL}{_CEDEX}(?![\w\-])"
)
_GAP = re.compile(r"[\s,]*")
_COMPLEMENT = re.compile(rf"(?<![\w\-])(?i:{COMPLEMENTS})\s*\w{{1,4}}[\s,]*$")
_LEADING_FIRST = rf"(?:{_CAP_WORD}|(?i:{PLACE_TYPES}|{STREET_TYPES}))"
_LEADING = re.compile(
    rf"(?<![\w'’\-]){_LEADING_FIRST}[\s,]*(?:(?:{_LEADING_FIRST}|{_CONNECTOR})[\s,]*)"
    rf"{{0,{MAX_LEADING_WORDS - 1}}}$"
)


def _street_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _STREET.finditer(text):
        street_type, name = match.group(1).lower(), match.group(2)
        if street_type in WEAK_STREET_TYPES and not re.match(_CAP_NAME, name):
            continue
        spans.append(match.span())
    return spans


def _parts(text: str) -> list[Span]:
    spans = _street_spans(text)
    for pattern in (_PLACE, _BOX, _POSTCODE_TOWN):
        spans.extend(match.span() for match in pattern.finditer(text))
    return sorted(spans)


def _join(text: str, parts: list[Span]) -> list[tuple[int, int, bool]]:
    """Touching parts joined; the flag says whether the span holds a street line or box."""
    joined: list[tuple[int, int, bool]] = []
    for start, end in parts:
        street = not _POSTCODE_TOWN.fullmatch(text, start, end)
        if joined:
            last_start, last_end, last_street = joined[-1]
            gap = _GAP.match(text, last_end)
            if start <= (gap.end() if gap else last_end):
                joined[-1] = (last_start, max(end, last_end), last_street or street)
                continue
        joined.append((start, end, street))
    return joined


def find_postal_addresses(text: str) -> list[Span]:
    """The spans of the postal addresses in ``text``, in order, none overlapping another."""
    found: list[Span] = []
    for start, end, street in _join(text, _parts(text)):
        if street:
            tail = _ANY_POSTCODE_TOWN.match(text, end)
            end = tail.end() if tail else end
        window = max(0, start - LEADING_WINDOW)
        complement = _COMPLEMENT.search(text, window, start)
        start = complement.start() if complement else start
        leading = _LEADING.search(text, max(0, start - LEADING_WINDOW), start)
        start = leading.start() if leading else start
        if found and start <= found[-1][1]:  # grown over the previous one: one address
            previous_start, previous_end = found.pop()
            start, end = min(start, previous_start), max(end, previous_end)
        found.append((start, end))
    return found
