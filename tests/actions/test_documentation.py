"""Tests of action_show_documentation: links to the guides, matching guides first."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TECHNICAL_ERROR_TEXT
from actions.documentation import (
    DOCS_LINK,
    ActionShowDocumentation,
    message_topics,
    rank_guides,
)
from knowledge_base.content import load_guides
from knowledge_base.pages import GuideLibrary

FIXTURES = Path(__file__).parents[1] / "knowledge_base" / "fixtures" / "pages"
ALL_SLUGS = ["comptes", "memoires-justice", "remboursement-tic"]


def _tracker(text: str, intent: str = "ask_documentation") -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.97},
                "entities": [],
            },
            "events": [],
        }
    )


async def _run(text: str, library: GuideLibrary) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionShowDocumentation(library).run(dispatcher, _tracker(text), {})
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0], events


def _slugs(message: dict[str, Any]) -> list[str]:
    return [link["url"].removeprefix("/docs/") for link in message["custom"]["links"]]


@pytest.fixture()
def library(tmp_path: Path) -> GuideLibrary:
    target = tmp_path / "documents"
    shutil.copytree(FIXTURES, target)
    return GuideLibrary(target)


def test_action_show_documentation_name() -> None:
    assert ActionShowDocumentation().name() == "action_show_documentation"


async def test_action_show_documentation_lists_all_guides_without_topic(
    library: GuideLibrary,
) -> None:
    message, events = await _run("Où est la documentation ?", library)
    assert events == []
    assert _slugs(message) == ALL_SLUGS
    assert "«\u00a0Documentation\u00a0»" in message["text"]
    assert message["custom"]["links"][0] == {
        "title": "Créer et gérer son compte",
        "url": "/docs/comptes",
    }


async def test_action_show_documentation_puts_memoire_guide_first(library: GuideLibrary) -> None:
    message, _ = await _run("je cherche le guide pour déposer mes mémoires", library)
    assert _slugs(message) == ["memoires-justice", "comptes", "remboursement-tic"]
    assert "«\u00a0Déposer un mémoire de frais de justice\u00a0»" in message["text"]
    assert "Les autres guides suivent" in message["text"]


async def test_action_show_documentation_matches_without_accents(library: GuideLibrary) -> None:
    message, _ = await _run("la doc sur les MEMOIRES svp", library)
    assert _slugs(message)[0] == "memoires-justice"


async def test_action_show_documentation_puts_tic_guide_first(library: GuideLibrary) -> None:
    message, _ = await _run("un guide pour le remboursement de la TICGN ?", library)
    assert _slugs(message)[0] == "remboursement-tic"


async def test_action_show_documentation_matches_section_titles(library: GuideLibrary) -> None:
    message, _ = await _run("y a-t-il un guide si j'ai perdu mon mdp", library)
    assert _slugs(message) == ALL_SLUGS
    assert "«\u00a0Créer et gérer son compte\u00a0»" in message["text"]


def test_action_show_documentation_ranks_title_before_section_match(
    library: GuideLibrary,
) -> None:
    guides = library.guides()
    best, others = rank_guides(guides, "guide pour le suivi de mon compte")
    # « compte » is in the title of comptes, « suivi » only in a section of memoires-justice.
    assert [g.slug for g in best] == ["comptes"]
    assert [g.slug for g in others] == ["memoires-justice", "remboursement-tic"]


def test_rank_guides_counts_section_matches() -> None:
    guides = load_guides(FIXTURES)
    best, others = rank_guides(guides, "un guide sur le suivi ?")
    assert [g.slug for g in best] == ["memoires-justice"]
    assert [g.slug for g in others] == ["comptes", "remboursement-tic"]


async def test_action_show_documentation_names_several_best_guides(
    library: GuideLibrary,
) -> None:
    message, _ = await _run("les guides sur les mémoires et la TIC", library)
    assert _slugs(message) == ["memoires-justice", "remboursement-tic", "comptes"]
    assert (
        "les guides «\u00a0Déposer un mémoire de frais de justice\u00a0» et "
        "«\u00a0Demander le remboursement de la TIC/TICGN\u00a0» devraient vous aider"
    ) in message["text"]


async def test_action_show_documentation_ignores_button_payload(library: GuideLibrary) -> None:
    message, _ = await _run("/ask_documentation", library)
    assert _slugs(message) == ALL_SLUGS


async def test_action_show_documentation_without_guides(tmp_path: Path) -> None:
    message, _ = await _run("documentation", GuideLibrary(tmp_path))
    assert message["custom"]["links"] == [DOCS_LINK]
    assert "«\u00a0support\u00a0»" in message["text"]


async def test_action_show_documentation_apologises_on_error(tmp_path: Path) -> None:
    class BrokenLibrary(GuideLibrary):
        def guides(self) -> list:
            raise RuntimeError("disk failure")

    message, events = await _run("documentation", BrokenLibrary(tmp_path))
    assert events == []
    assert message["text"] == TECHNICAL_ERROR_TEXT


def test_message_topics_do_not_match_inside_words() -> None:
    assert message_topics("une question pratique sur la statistique") == []


def test_message_topics_expand_abbreviations() -> None:
    assert [t.name for t in message_topics("mdp oublié")] == ["mot de passe"]


def test_rank_guides_keeps_order_without_topic() -> None:
    guides = load_guides(FIXTURES)
    best, others = rank_guides(guides, "bonjour")
    assert best == []
    assert others == guides
