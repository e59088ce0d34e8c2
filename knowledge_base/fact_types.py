"""Which kind of fact a question asks for, and whether an answer states one.

A question asking « combien de temps », « quand » or « combien ça coûte » wants a
duration, a date or an amount. An entry that is on the right subject but states none
(the general description of a procedure, for a question about its delay) is a confident
answer beside the point, the worst outcome for a public service: :mod:`decision` then
clarifies or abstains instead (``FACT_MISSING`` in its log line).

The cues are deliberately narrow: a question matches a fact type only through an
explicit interrogative phrase, and an answer satisfies it with any figure, date or the
type's own word (« délai », « gratuit »), so that the check removes answers that
plainly lack the fact and nothing else.
"""

from __future__ import annotations

import re

from knowledge_base.text import fold_words

_NUMBER_WORDS = (
    r"un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente"
    r"|quarante|cinquante|soixante|cent|mille"
)
_MONTHS = r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
# fact type -> (question cue, answer evidence), both on fold_words() text.
FACT_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "duration": (
        re.compile(
            r"\b(?:combien de (?:temps|jours|mois|semaines)|quel(?:s|le)? (?:est le |sont les )?"
            r"delais?|sous combien|dans combien|en combien de temps|delai (?:de|pour|moyen|max)"
            r"|duree|pendant combien)\b"
        ),
        re.compile(
            rf"\b(?:\d+|{_NUMBER_WORDS}) (?:jours?|mois|ans?|annees?|semaines?|heures?|minutes?)"
            r"\b|\bdelais?\b|\bduree\b|\bimmediat\w*|\binstantan\w*|\ben temps reel\b"
            r"|\bjusqu (?:a|au|aux)\b|\bavant le\b"
        ),
    ),
    "date": (
        re.compile(
            r"\b(?:a partir de quand|depuis quand|jusqu a quand|quelle date|a quelle date"
            r"|date limite|quand (?:est ce que|doit|dois|devons|faut|entre|commence|s applique"
            r"|debute))\b"
        ),
        re.compile(
            rf"\b(?:19|20)\d\d\b|\b(?:{_MONTHS})\b|\bdepuis\b|\bdes le\b|\ba partir\b"
            r"|\bjusqu (?:a|au|aux)\b|\bavant le\b"
        ),
    ),
    "amount": (
        re.compile(
            r"\b(?:combien (?:ca |cela )?(?:coute|coutent|vaut)|quel(?:le)? (?:est le )?(?:prix"
            r"|cout|tarif|montant|taux)|c est payant|est (?:ce )?payant|est il payant"
            r"|faut il payer|combien faut il payer)\b"
        ),
        re.compile(r"\d|\b(?:euros?|gratuit\w*|payant\w*|aucun frais|sans frais|montant|taux)\b|€"),
    ),
}


def asked_fact(question: str) -> str | None:
    """The fact type the question explicitly asks for, or ``None``."""
    folded = fold_words(question)
    for name, (cue, _) in FACT_TYPES.items():
        if cue.search(folded):
            return name
    return None


def states_fact(answer: str, fact: str) -> bool:
    """Whether ``answer`` states a fact of type ``fact``."""
    return bool(FACT_TYPES[fact][1].search(fold_words(answer).replace("€", " € ")))
