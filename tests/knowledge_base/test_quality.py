"""Quality floor on the real content: hybrid hit@1 on the evaluation set.

Measured 0.541 (default static embedder, convex fusion, 331 in-scope questions, content of
2026-11-27, ``python -m knowledge_base evaluate``); the floor leaves a small margin.
"""

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.evaluation import RETRIEVAL_SET, load_questions, rank_metrics
from knowledge_base.index import KnowledgeIndexError, is_stale
from knowledge_base.search import KnowledgeBase

HIT_AT_1_FLOOR = 0.50


def test_quality_hybrid_hit_at_1_floor() -> None:
    settings = KnowledgeBaseSettings()
    if not RETRIEVAL_SET.exists() or is_stale(settings):
        pytest.skip("real index not built or stale (make index), or no evaluation set")
    try:
        kb = KnowledgeBase.load(settings)
    except (KnowledgeIndexError, FileNotFoundError) as exc:
        pytest.skip(f"real index unusable: {exc}")
    metrics = rank_metrics(kb, load_questions(RETRIEVAL_SET), "convex")
    assert metrics["n"] >= 100
    assert metrics["hit@1"] >= HIT_AT_1_FLOOR, metrics
