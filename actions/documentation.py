"""``action_show_documentation``: point the user to the user guides (« Documentation » link).

When the message names a topic (mémoire, TIC, facture, compte, mot de passe, suivi,
support…), the guides about that topic come first and the best ones are named. A guide
is about a topic when one of the topic's words appears in its slug or title (strong
match) or in some of its section titles (weaker match). Matching is accent- and
case-insensitive; no model is involved.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, never_raise
from actions.texts import text
from knowledge_base.content import Guide
from knowledge_base.pages import GuideLibrary
from knowledge_base.text import expand_abbreviations, fold

logger = logging.getLogger(__name__)

DOCS_URL = "/docs"
DOCS_LINK = {"title": text("utter_link_documentation"), "url": DOCS_URL}
TITLE_WEIGHT = 3
SECTION_WEIGHT = 1


@dataclass(frozen=True)
class Topic:
    """A subject users ask about, as regular expressions over folded (accentless) text."""

    name: str
    patterns: tuple[str, ...]

    def matches(self, folded_text: str) -> bool:
        return any(re.search(rf"\b(?:{p})\b", folded_text) for p in self.patterns)


TOPICS: tuple[Topic, ...] = (
    Topic(
        "memoire",
        (
            r"memoires?",
            r"frais de justice",
            r"justice",
            r"experts?",
            r"interpretes?",
            r"traducteurs?",
            r"prestataires?",
        ),
    ),
    Topic(
        "tic",
        (
            r"tic",
            r"ticgn",
            r"dematic",
            r"gazole",
            r"fioul",
            r"gaz naturel",
            r"agricoles?",
            r"exploitants?",
            r"cuma",
            r"remboursements?",
        ),
    ),
    Topic(
        "facture",
        (
            r"factur\w*",
            r"avoirs?",
            r"chorus pro",
            r"dematerialis\w*",
            r"calendrier",
            r"obligations?",
        ),
    ),
    Topic(
        "compte",
        (
            r"comptes?",
            r"inscri\w*",
            r"siret",
            r"connexion",
            r"connecter",
            r"identifiants?",
            r"adresse electronique",
        ),
    ),
    Topic("mot de passe", (r"mots? de passe", r"password")),
    Topic(
        "suivi",
        (
            r"suivi",
            r"suivre",
            r"statuts?",
            r"avancement",
            r"etat de traitement",
            r"traitement",
            r"mise en paiement",
        ),
    ),
    Topic("support", (r"support", r"assistance", r"contacter", r"reclamations?", r"tickets?")),
    Topic("presentation", (r"presentation", r"gratuit\w*", r"tablette")),
)


def _folded(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(expand_abbreviations(text))))


def message_topics(text: str) -> list[Topic]:
    """The topics a user message mentions, in :data:`TOPICS` order."""
    folded = _folded(text)
    return [topic for topic in TOPICS if topic.matches(folded)]


def guide_score(guide: Guide, topics: list[Topic]) -> int:
    """How well a guide covers ``topics``.

    Per topic: :data:`TITLE_WEIGHT` when its slug or title names it, else one point per
    section title naming it, capped below :data:`TITLE_WEIGHT` so a title match wins.
    """
    head = _folded(f"{guide.slug.replace('-', ' ')} {guide.title}")
    section_titles = [_folded(s.title) for s in guide.sections]
    score = 0
    for topic in topics:
        if topic.matches(head):
            score += TITLE_WEIGHT
        else:
            hits = sum(1 for title in section_titles if topic.matches(title))
            score += min(hits * SECTION_WEIGHT, TITLE_WEIGHT - 1)
    return score


def rank_guides(guides: list[Guide], text: str) -> tuple[list[Guide], list[Guide]]:
    """``(best, others)``: the guides that cover the message's topics best, then the rest.

    ``others`` is ordered by decreasing score, then in the given order. Without a
    recognised topic, ``best`` is empty and ``others`` keeps the given order.
    """
    topics = message_topics(text)
    scored = sorted(
        ((guide_score(g, topics), index, g) for index, g in enumerate(guides)),
        key=lambda item: (-item[0], item[1]),
    )
    top = scored[0][0] if scored else 0
    best = [g for score, _, g in scored if top > 0 and score == top]
    others = [g for score, _, g in scored if not (top > 0 and score == top)]
    return best, others


def documentation_text(matching: list[Guide], others: list[Guide]) -> str:
    """The French answer, naming the most relevant guide(s) when there are some."""
    intro = text("utter_docs_intro")
    if not matching and not others:
        return f"{intro} {text('utter_docs_none')}"
    if not matching:
        return f"{intro} {text('utter_docs_all')}"
    if len(matching) == 1:
        best = text("utter_docs_one", title=matching[0].title)
    else:
        titles = ", ".join(f"«\u00a0{g.title}\u00a0»" for g in matching[:-1])
        best = text("utter_docs_many", titles=titles, last=matching[-1].title)
    tail = f" {text('utter_docs_others')}" if others else ""
    return f"{intro} {best}{tail}"


class ActionShowDocumentation(Action):
    """Answer ``ask_documentation`` with the links to the guides, the relevant ones first."""

    def __init__(self, library: GuideLibrary | None = None) -> None:
        self.library = library or GuideLibrary()

    def name(self) -> str:
        return "action_show_documentation"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        matching, others = rank_guides(self.library.guides(), latest_text(tracker))
        guides = matching + others
        links = [{"title": g.title, "url": g.url} for g in guides] or [DOCS_LINK]
        logger.info(
            "action.documentation sender=%s matched=%s",
            tracker.sender_id,
            ",".join(g.slug for g in matching),
        )
        dispatcher.utter_message(
            text=documentation_text(matching, others), json_message={"links": links}
        )
        return []
