"""Redaction of the personal data typed in the chat, before a turn is stored.

Each item found is replaced by a typed French placeholder (:data:`PLACEHOLDERS`): e-mail
addresses (« @ » spelt « arobase » or « [at] » included; the administration's own public
addresses, :data:`PUBLIC_EMAILS`, are kept), phone numbers (French: ``+33``/``0033``/``0X``
and 8 more digits grouped any way, with spaces, dots or dashes; other countries and the
overseas codes: ``+`` and a country code), IBANs (SEPA countries, with or without spaces;
length of the country and mod-97 checksum verified), social security numbers (NIR: 13
digits and the key, spaces allowed; key verified), payment card numbers (13 to 19 digits of
a card network, Luhn verified) and postal addresses (street line, lieu-dit, BP/CS,
postcode and town, CEDEX: :mod:`portal.conversations.addresses`).

:func:`redact` is what every stored copy of users' words goes through: chat turns (and so
the transcripts, logs and analytics built from them), review notes and the paraphrases an
agent drafts from users' wordings. :func:`find_personal_data` gives the spans it replaces;
its recall and precision on a labelled set of French messages are measured by
``python -m portal.conversations.redaction_eval`` (:mod:`portal.conversations.redaction_eval`).

What the assistant needs matches no pattern and is kept: submission references and ticket
numbers (``MJ-2026-000123``, ``FAC-…``, ``SUP-2026-000001``: a year and at most 9 digits,
too short for a card or a NIR, and no leading 0 for a phone), SIRET (14 digits) and SIREN
(9 digits): no card length is 14 here (:data:`CARD_LENGTHS`), so a SIRET, which passes the
Luhn check by design, is not taken for a card. Amounts, dates and département numbers do
not match either.

Approach: precise regular expressions with checksums rather than ``presidio-analyzer``.
Presidio's pattern recognizers are regexes too, but its analyzer pulls spaCy and a language
model for every call, has no French NIR or French phone recognizer, and would not know the
business identifiers to keep; ours are a few compiled regular expressions per message.

The replies stored with a turn are the bot's own answers and are left as they are (the
status answers, bound to the verified identity, must stay exact; the knowledge-base answers
quote official addresses), except the replies that echo what the user typed: the support
form's summary and its confirmation (:data:`ECHO_REPLY_PREFIXES`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from portal.conversations.addresses import find_postal_addresses

EMAIL = "[adresse électronique]"
PHONE = "[téléphone]"
IBAN = "[IBAN]"
NIR = "[numéro de sécurité sociale]"
CARD = "[carte bancaire]"
ADDRESS = "[adresse postale]"
PLACEHOLDERS = (EMAIL, PHONE, IBAN, NIR, CARD, ADDRESS)

# The administration's own public addresses, quoted by the knowledge base
# (knowledge_base/faq/): a user naming the sender of a message is not personal data.
PUBLIC_EMAILS = frozenset({
    "choruspro.notification.aife@finances.gouv.fr",
    "cosp.dsj-fip4@justice.gouv.fr",
})  # fmt: skip

# The replies that repeat the user's answers (domain/support.yml: utter_support_summary,
# utter_support_submitted): their text is redacted like the user's.
ECHO_REPLY_PREFIXES = (
    "Voici le récapitulatif de votre demande",
    "Votre demande a bien été transmise",
    "Voici votre demande telle que je l'ai comprise",
)
# IBAN length per country (SEPA area), from the IBAN registry (ISO 13616).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}  # fmt: skip
# Card numbers: lengths issued by the networks (14, Diners only, is left out: a SIRET has
# 14 digits and passes the Luhn check).
CARD_LENGTHS = frozenset({13, 15, 16, 17, 18, 19})
_CARD_NETWORK = re.compile(r"4|5[1-5]|2[2-7]|3[47]|6")  # Visa, Mastercard, Amex, Discover…

# Digits glued to letters are an identifier (a session id, a hash), not a number someone
# typed: every number pattern wants no letter or digit on either side.
# « @ » may be spelt out by users wary of spam: « arobase », « [at] », « (at) ». The local
# part is taken from the start of its run of characters only (linear time on long words).
_EMAIL = re.compile(
    r"(?<![\w.+\-])[\w.+\-]+(?:@|\s?[\[(]at[\])]\s?|\s+arobase\s+)[\w\-]+(?:\.[\w\-]+)*"
    r"\.[A-Za-z]{2,}",
    re.IGNORECASE,
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){10,30}")
_NIR = re.compile(
    r"(?<![\w+])([1-478])[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d|2[AB])[ .\-]?(\d{3})"
    r"[ .\-]?(\d{3})[ .\-]?(\d\d)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_CARD = re.compile(r"(?<![A-Za-z0-9+])\d(?:[ \-]?\d){12,18}(?![A-Za-z0-9])")
# Any grouping of the 8 digits after the area digit (« 06 12 34 56 78 », « 0612 345 678 »),
# but not the middle of a longer run of digit groups (a NIR with a wrong key, say).
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[ .\-])(?:(?:\+|00)33[ .\-]?(?:\(0\)[ .\-]?)?|0)[1-9]"
    r"(?:[ .\-]?\d){8}(?![A-Za-z0-9])"
)
# Other countries and the overseas departments' own codes (+262, +590…): a « + », a country
# code and 7 to 12 more digits in groups.
_INTERNATIONAL_PHONE = re.compile(
    r"(?<![\w+])\+(?!33)\d{1,3}(?:[ .\-]?\(0\))?(?:[ .\-]?\d){7,12}(?![A-Za-z0-9])"
)

Span = tuple[int, int]


class Found(NamedTuple):
    """An item of personal data: its span in the text and the placeholder replacing it."""

    start: int
    end: int
    placeholder: str


def _iban_span(match: re.Match[str]) -> Span | None:
    """The span of the IBAN at the start of ``match`` (trimmed to its country's length) when
    its checksum holds, else None."""
    text = match.group(0)
    length = IBAN_LENGTHS.get(text[:2].upper())
    if length is None:
        return None
    compact, end = "", 0
    while end < len(text) and len(compact) < length:
        if text[end].isalnum():
            compact += text[end].upper()
        end += 1
    if len(compact) != length or (end < len(text) and text[end].isalnum()):
        return None  # too short, or glued to more letters and digits (an identifier)
    rearranged = compact[4:] + compact[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        return None
    return match.start(), match.start() + end


def _nir_span(match: re.Match[str]) -> Span | None:
    """The NIR's span when its key is right (Corsica's 2A/2B count as 19/18)."""
    parts = [g.upper() for g in match.groups()]
    parts[3] = {"2A": "19", "2B": "18"}.get(parts[3], parts[3])
    number = int("".join(parts[:6]))
    return match.span() if 97 - number % 97 == int(parts[6]) else None


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_span(match: re.Match[str]) -> Span | None:
    digits = re.sub(r"\D", "", match.group(0))
    valid = len(digits) in CARD_LENGTHS and _CARD_NETWORK.match(digits) and _luhn_ok(digits)
    return match.span() if valid else None


def _email_span(match: re.Match[str]) -> Span | None:
    return None if match.group(0).lower() in PUBLIC_EMAILS else match.span()


# Detectors in order of precedence: an item overlapping an earlier one is not redacted twice.
_DETECTORS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Span | None], str], ...] = (
    (_EMAIL, _email_span, EMAIL),
    (_IBAN, _iban_span, IBAN),
    (_NIR, _nir_span, NIR),
    (_CARD, _card_span, CARD),
    (_PHONE, lambda m: m.span(), PHONE),
    (_INTERNATIONAL_PHONE, lambda m: m.span(), PHONE),
)


def _overlaps(span: Span, taken: list[Found]) -> bool:
    return any(span[0] < item.end and item.start < span[1] for item in taken)


def _outside(span: Span, taken: list[Found]) -> list[Span]:
    """The parts of ``span`` that no item of ``taken`` covers."""
    pieces = [span]
    for item in taken:
        pieces = [
            piece
            for start, end in pieces
            for piece in ((start, min(end, item.start)), (max(start, item.end), end))
            if piece[0] < piece[1]
        ]
    return pieces


def find_personal_data(text: str) -> list[Found]:
    """The personal data items of ``text``, in order, none overlapping another. A postal
    address is found last, around the items it holds (a phone line inside it, say)."""
    found: list[Found] = []
    for pattern, span_of, placeholder in _DETECTORS:
        for match in pattern.finditer(text):
            span = span_of(match)
            if span is not None and not _overlaps(span, found):
                found.append(Found(*span, placeholder))
    for address in find_postal_addresses(text):
        found.extend(Found(*piece, ADDRESS) for piece in _outside(address, list(found)))
    return sorted(found)


def redact(text: str) -> str:
    """``text`` with each personal data item replaced by its placeholder: what is stored of
    a chat turn, a log line, an analytics row or a paraphrase drafted from users' wordings."""
    for start, end, placeholder in reversed(find_personal_data(text)):
        text = text[:start] + placeholder + text[end:]
    return text


def redact_replies(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replies, with the text of those echoing the user's answers redacted."""
    redacted: list[dict[str, Any]] = []
    for reply in replies:
        text = reply.get("text")
        if isinstance(text, str) and text.startswith(ECHO_REPLY_PREFIXES):
            reply = {**reply, "text": redact(text)}
        redacted.append(reply)
    return redacted


def redact_tracker_event(
    data: dict[str, Any], keep_slots: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A Rasa tracker event (``Event.as_dict()``) as its tracker store keeps it: the user's
    text, its parse data and the string values of its entities redacted, a reply echoing the
    user's answers redacted like :func:`redact_replies`, a slot's string value redacted
    (an entity copied into a slot, say) unless the slot is one of ``keep_slots`` (a contact
    e-mail a form still needs); other events unchanged."""
    kind = data.get("event")
    if kind == "bot":
        text = data.get("text")
        if isinstance(text, str) and text.startswith(ECHO_REPLY_PREFIXES):
            return {**data, "text": redact(text)}
        return data
    if kind == "slot":
        value = data.get("value")
        if isinstance(value, str) and data.get("name") not in keep_slots:
            return {**data, "value": redact(value)}
        return data
    if kind != "user":
        return data
    out = dict(data)
    if isinstance(out.get("text"), str):
        out["text"] = redact(out["text"])
    parse = out.get("parse_data")
    if isinstance(parse, dict):
        parse = dict(parse)
        if isinstance(parse.get("text"), str):
            parse["text"] = redact(parse["text"])
        if isinstance(parse.get("entities"), list):
            parse["entities"] = [_redacted_entity(e) for e in parse["entities"]]
        out["parse_data"] = parse
    return out


def _redacted_entity(entity: Any) -> Any:
    if isinstance(entity, dict) and isinstance(entity.get("value"), str):
        return {**entity, "value": redact(entity["value"])}
    return entity
