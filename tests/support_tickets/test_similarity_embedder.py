"""Duplicate detection with the knowledge base's real embedder (built by
``python -m knowledge_base build-embedder``): paraphrases pass the threshold, other topics
do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.config import get_settings
from support_tickets.config import get_support_settings
from support_tickets.similarity import EmbeddingSimilarity, get_similarity

MODEL_DIR = Path(get_settings().embedder)


def test_embedding_similarity_threshold_separates_paraphrase_from_other_topic() -> None:
    get_similarity.cache_clear()
    similarity = get_similarity()
    assert isinstance(similarity, EmbeddingSimilarity)
    threshold = get_support_settings().duplicate_min_similarity
    paraphrase, other = similarity.scores(
        "Je n'arrive pas à me connecter à mon compte, mot de passe refusé.",
        [
            "Impossible de me connecter : mon mot de passe ne marche pas.",
            "Quand sera versé le remboursement TICGN de mon exploitation agricole ?",
        ],
    )
    assert paraphrase >= threshold > other
