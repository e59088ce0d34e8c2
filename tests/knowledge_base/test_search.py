import pytest
from pydantic import ValidationError

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.search import KnowledgeBase


def test_search_finds_faq_by_variant(fixture_kb: KnowledgeBase) -> None:
    hits = fixture_kb.search("je ne retrouve plus mon mot de passe", top_k=3)
    assert hits[0].unit.id == "comptes-mot-de-passe-oublie"
    assert hits[0].rank == 1 and hits[0].fused >= hits[1].fused
    assert 0.0 <= hits[0].dense <= 1.0 and 0.0 <= hits[0].lexical <= 1.0


def test_search_accent_and_case_insensitive(fixture_kb: KnowledgeBase) -> None:
    plain = fixture_kb.search("CREER UN COMPTE SANS SIRET", top_k=1)[0]
    accented = fixture_kb.search("créer un compte sans siret", top_k=1)[0]
    assert plain.unit.id == accented.unit.id
    assert "comptes#compte-sans-siret" in (plain.unit.id, plain.unit.source)
    assert abs(plain.lexical - accented.lexical) < 1e-6


def test_search_fused_is_convex_combination(fixture_kb: KnowledgeBase) -> None:
    hit = fixture_kb.search("le portail est-il payant", top_k=1)[0]
    weight = fixture_kb.settings.dense_weight  # the fixture gives the classifier no weight
    assert abs(hit.fused - (weight * hit.dense + (1 - weight) * hit.lexical)) < 1e-5
    assert hit.unit.id == "comptes-gratuit"


def test_search_fuses_classifier_side(fixture_kb: KnowledgeBase) -> None:
    settings = fixture_kb.settings.model_copy(update={"classifier_weight": 0.4})
    kb = KnowledgeBase(fixture_kb.index, fixture_kb.embedder, settings)
    hits = kb.search("mdp perdu", top_k=3)
    for hit in hits:
        expected = 0.3 * hit.dense + 0.4 * hit.classifier + 0.3 * hit.lexical
        assert abs(hit.fused - expected) < 1e-5
    assert hits[0].unit.id == "comptes-mot-de-passe-oublie" and hits[0].classifier_rank == 1
    assert hits[0].classifier > hits[1].classifier and "classifier" in hits[0].to_record()
    alone = kb.search("mdp perdu", top_k=1, fusion="classifier")[0]
    assert alone.unit.id == "comptes-mot-de-passe-oublie"


def test_search_weights_must_not_exceed_one() -> None:
    with pytest.raises(ValidationError, match="must not exceed 1"):
        KnowledgeBaseSettings(dense_weight=0.6, classifier_weight=0.5)


def test_search_rollout_unit(fixture_kb: KnowledgeBase) -> None:
    ids = [
        h.unit.id for h in fixture_kb.search("départements expérimentateurs TIC Sarthe", top_k=3)
    ]
    assert "rollout-tic-ticgn-departements" in ids


def test_search_empty_query(fixture_kb: KnowledgeBase) -> None:
    assert fixture_kb.search("   ") == []


def test_search_soft_max_prefers_two_matching_rows(fixture_kb: KnowledgeBase) -> None:
    import numpy as np

    from knowledge_base.search import POOL_BLEND

    units = fixture_kb.index.row_units
    first, second = int(units[0]), int(next(u for u in units if u != units[0]))
    rows = np.concatenate([np.flatnonzero(units == first)[:2], np.flatnonzero(units == second)[:2]])
    # Same best row (0.8); the first unit's second-best row is much closer.
    scores = np.asarray([0.8, 0.7, 0.2, 0.8], dtype=np.float32)
    pooled = fixture_kb._unit_max(rows, scores)
    assert pooled[first] > pooled[second]
    assert abs(pooled[first] - ((1 - POOL_BLEND) * 0.8 + POOL_BLEND * 0.75)) < 1e-6
    assert abs(pooled[second] - ((1 - POOL_BLEND) * 0.8 + POOL_BLEND * 0.5)) < 1e-6
    assert np.isneginf(pooled).sum() == len(fixture_kb.units) - 2


def test_search_reports_side_ranks(fixture_kb: KnowledgeBase) -> None:
    hits = fixture_kb.search("mdp perdu", top_k=3)
    assert hits[0].dense_rank >= 1 and hits[0].lexical_rank >= 1
    assert min(h.lexical_rank for h in hits) == 1


def test_search_staleness_check_is_cached(fixture_kb: KnowledgeBase, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The content is hashed once per STALE_CHECK_INTERVAL_S, not on every question."""
    calls: list[int] = []
    monkeypatch.setattr(fixture_kb, "_check_stale", lambda: calls.append(1) or False)
    fixture_kb._stale = None
    assert fixture_kb.is_stale() is False
    assert fixture_kb.is_stale() is False
    assert len(calls) == 1
