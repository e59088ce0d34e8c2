"""Duplicate detection (same requester and similar description, or same reference) and merging
that keeps both transcripts."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.errors import TicketValidationError
from support_tickets.models import Agent
from support_tickets.similarity import EmbeddingSimilarity, LexicalSimilarity
from tests.support_tickets.conftest import unique_email

LOGIN_PROBLEM = "Je n'arrive plus à me connecter à mon compte : mot de passe refusé."
LOGIN_AGAIN = "Impossible de me connecter à mon compte, le mot de passe est refusé."
OTHER_TOPIC = "Quand sera versé le remboursement TICGN pour mon exploitation agricole ?"


def test_create_ticket_links_similar_ticket_of_same_requester(db: Session) -> None:
    email = unique_email()
    first = service.create_ticket(db, email=email, category="compte", description=LOGIN_PROBLEM)
    second = service.create_ticket(db, email=email, category="compte", description=LOGIN_AGAIN)
    assert second.duplicate_of_id == first.id
    assert "même demandeur" in second.duplicate_reasons
    assert any(r.startswith("description similaire") for r in second.duplicate_reasons)
    assert second.events[-1].kind == "doublon"


def test_create_ticket_does_not_link_other_topic_or_other_requester(db: Session) -> None:
    email = unique_email()
    service.create_ticket(db, email=email, category="compte", description=LOGIN_PROBLEM)
    other_topic = service.create_ticket(
        db, email=email, category="tic_ticgn", description=OTHER_TOPIC
    )
    other_person = service.create_ticket(
        db, email=unique_email(), category="compte", description=LOGIN_PROBLEM
    )
    assert other_topic.duplicate_of_id is None
    assert other_person.duplicate_of_id is None


def test_create_ticket_links_same_reference_across_requesters(db: Session) -> None:
    first = service.create_ticket(
        db,
        email=unique_email(),
        category="memoires",
        description="Mon mémoire est bloqué depuis un mois.",
        reference="MJ-2026-007001",
    )
    second = service.create_ticket(
        db,
        email=unique_email(),
        category="suivi",
        description="Où en est le paiement de ce dossier ?",
        reference="mj 2026 007001",
    )
    assert second.duplicate_of_id == first.id
    assert second.duplicate_reasons[0] == "même référence de formulaire"


def test_create_ticket_ignores_closed_tickets_for_duplicates(db: Session, agent: Agent) -> None:
    email = unique_email()
    first = service.create_ticket(db, email=email, category="compte", description=LOGIN_PROBLEM)
    service.change_status(db, first, agent=agent, status="clos")
    second = service.create_ticket(db, email=email, category="compte", description=LOGIN_AGAIN)
    assert second.duplicate_of_id is None


def test_create_ticket_links_by_identity_even_with_other_email(db: Session) -> None:
    identity = {"sub": "user-dup-77", "name": "Anne Petit"}
    first = service.create_ticket(
        db, email=unique_email(), category="compte", description=LOGIN_PROBLEM, identity=identity
    )
    second = service.create_ticket(
        db, email=unique_email(), category="compte", description=LOGIN_AGAIN, identity=identity
    )
    assert second.duplicate_of_id == first.id


def test_merge_tickets_keeps_both_transcripts(db: Session, agent: Agent) -> None:
    email = unique_email()
    target = service.create_ticket(
        db,
        email=email,
        category="compte",
        description=LOGIN_PROBLEM,
        chat_session_id="chat-merge-target",
        transcript=[
            {"role": "user", "text": "connexion impossible"},
            {"role": "bot", "text": "Je vous propose le support."},
        ],
    )
    source = service.create_ticket(
        db,
        email=email,
        category="compte",
        description=LOGIN_AGAIN,
        chat_session_id="chat-merge-source",
        transcript=[
            {"role": "user", "text": "toujours bloqué"},
            {"role": "bot", "text": "Voulez-vous contacter le support ?"},
        ],
    )
    service.merge_tickets(db, source=source, target=target, agent=agent)
    assert source.merged_into_id == target.id and source.status == "clos"
    # The source keeps its own transcript; the target has both.
    assert [m.body for m in source.messages] == [
        "toujours bloqué",
        "Voulez-vous contacter le support ?",
    ]
    bodies = [(m.body, m.origin_number) for m in target.messages]
    assert ("connexion impossible", None) in bodies
    assert ("toujours bloqué", source.number) in bodies
    assert (LOGIN_AGAIN, source.number) in bodies
    assert target.events[-1].detail == {"ticket_fusionne": source.number}
    # An agent reply on the target reaches the chat session of the merged ticket too.
    assert not service.has_public_replies_for_chat_session(db, "chat-merge-source")
    service.reply_to_ticket(db, target, agent=agent, text="Votre accès est rétabli.")
    assert service.has_public_replies_for_chat_session(db, "chat-merge-source")
    replies = service.public_replies_for_chat_session(db, "chat-merge-source")
    assert [r.body for r in replies] == ["Votre accès est rétabli."]
    with pytest.raises(TicketValidationError, match="déjà été fusionné"):
        service.merge_tickets(db, source=source, target=target, agent=agent)
    with pytest.raises(TicketValidationError, match="lui-même"):
        service.merge_tickets(db, source=target, target=target, agent=agent)


def test_lexical_similarity_orders_paraphrase_above_other_topic() -> None:
    scores = LexicalSimilarity().scores(LOGIN_PROBLEM, [LOGIN_AGAIN, OTHER_TOPIC, ""])
    assert scores[0] > 0.5 > scores[1] and scores[2] == 0.0


def test_embedding_similarity_uses_normalised_vectors() -> None:
    import numpy as np

    class FakeEmbedder:
        name = "fake"

        def encode(self, texts: list[str]) -> np.ndarray:
            table = {"a": [1.0, 0.0], "b": [0.6, 0.8], "c": [0.0, 1.0]}
            return np.asarray([table[t] for t in texts], dtype=np.float32)

    scores = EmbeddingSimilarity(FakeEmbedder()).scores("a", ["b", "c"])
    assert scores == pytest.approx([0.6, 0.0])
    assert EmbeddingSimilarity(FakeEmbedder()).scores("a", []) == []
