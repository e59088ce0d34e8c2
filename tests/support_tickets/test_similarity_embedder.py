"""Duplicate detection with the knowledge base's real embedder (built by
``python -m knowledge_base build-embedder``, which CI runs before the unit tests): paraphrases
pass the threshold, other topics do not, and ``create_ticket`` links them with the real
embedder rather than the lexical stand-in of the other support-desk tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.config import get_support_settings
from support_tickets.incident_evidence import separation
from support_tickets.similarity import EmbeddingSimilarity, get_similarity
from tests.support_tickets.conftest import unique_email

LOGIN = "Je n'arrive pas à me connecter à mon compte, mot de passe refusé."
LOGIN_AGAIN = "Impossible de me connecter : mon mot de passe ne marche pas."
REFUND = "Quand sera versé le remboursement TICGN de mon exploitation agricole ?"
# Share of the pairs of one problem's reports (incident_evidence.py) the threshold must link.
MIN_SAME_PROBLEM_SHARE = 0.5


@pytest.fixture
def real_similarity(monkeypatch: pytest.MonkeyPatch) -> EmbeddingSimilarity:
    """The real embedder, also inside ``create_ticket`` (undoes the lexical stand-in)."""
    get_similarity.cache_clear()
    similarity = get_similarity()
    assert isinstance(similarity, EmbeddingSimilarity), (
        "the knowledge base's embedder is not built: run `make index` first"
    )
    monkeypatch.setattr("support_tickets.service.get_similarity", lambda: similarity)
    return similarity


def test_embedding_similarity_threshold_separates_paraphrase_from_other_topic(
    real_similarity: EmbeddingSimilarity,
) -> None:
    threshold = get_support_settings().duplicate_min_similarity
    paraphrase, other = real_similarity.scores(LOGIN, [LOGIN_AGAIN, REFUND])
    assert paraphrase >= threshold > other


def test_create_ticket_with_real_embedder_links_paraphrase_not_other_topic(
    db: Session, real_similarity: EmbeddingSimilarity
) -> None:
    email = unique_email()
    first = service.create_ticket(db, email=email, category="compte", description=LOGIN)
    again = service.create_ticket(db, email=email, category="compte", description=LOGIN_AGAIN)
    other = service.create_ticket(db, email=email, category="tic_ticgn", description=REFUND)
    assert again.duplicate_of_id == first.id
    assert any(r.startswith("description similaire") for r in again.duplicate_reasons)
    assert other.duplicate_of_id is None


def test_duplicate_threshold_separates_the_evidence(real_similarity: EmbeddingSimilarity) -> None:
    # No two different problems are linked, and most reports of one problem are.
    threshold = get_support_settings().duplicate_min_similarity
    evidence = separation(real_similarity)
    assert evidence.wrong_at_least(threshold) == 0, evidence.different[-3:]
    assert evidence.share_at_least(threshold) >= MIN_SAME_PROBLEM_SHARE, evidence.same
