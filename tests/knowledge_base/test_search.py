import json
from dataclasses import FrozenInstanceError, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pydantic import ValidationError

from knowledge_base import search as search_module
from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.documents import Unit
from knowledge_base.finetune import TRAINING_MANIFEST
from knowledge_base.search import Hit, KnowledgeBase, _ranks, _rrf, fuse

# A user's wording of « I forgot my password » that is no text of the fixture content (its
# FAQ entry was trained on the variant « mdp perdu », which would only test memorisation).
FORGOTTEN_PASSWORD = "j'ai oublié mon mdp, comment faire ?"


# --- fusion, side ranks and reciprocal ranks, with hand-computed numbers ----------------


def test_fuse_convex_weights() -> None:
    dense = np.asarray([0.8, 0.2, 0.0])
    lexical = np.asarray([0.4, 1.0, 0.0])
    classifier = np.asarray([0.5, 0.0, 1.0])
    # dense 0.25, classifier 0.5, lexical the rest (0.25).
    fused = fuse(dense, lexical, classifier, 0.25, 0.5)
    assert fused == pytest.approx([0.55, 0.3, 0.5])
    # No classifier weight: dense 0.75, lexical 0.25.
    assert fuse(dense, lexical, classifier, 0.75, 0.0) == pytest.approx([0.7, 0.4, 0.0])
    # All the weight on one side gives that side.
    assert fuse(dense, lexical, classifier, 0.0, 1.0) == pytest.approx([0.5, 0.0, 1.0])
    assert fuse(dense, lexical, classifier, 0.0, 0.0) == pytest.approx([0.4, 1.0, 0.0])


def test_ranks_one_based_ties_in_index_order() -> None:
    ranks = _ranks(np.asarray([0.5, 0.9, 0.5, 0.1, 0.9]))
    assert ranks.tolist() == [3, 1, 4, 5, 2]
    assert ranks.dtype == np.int64
    assert _ranks(np.asarray([], dtype=np.float32)).tolist() == []


def test_rrf_uses_the_rank_and_constant_sixty() -> None:
    rrf = _rrf(np.asarray([0.5, 0.9, 0.5, 0.1]))
    assert rrf.dtype == np.float32
    assert rrf.tolist() == pytest.approx([1 / 62, 1 / 61, 1 / 63, 1 / 64], rel=1e-6)


def test_hit_to_record_rounds_to_four_digits() -> None:
    hit = Hit(
        unit=_unit("u"),
        dense=0.123456,
        lexical=0.654321,
        fused=0.333333,
        rank=1,
        classifier=0.987654,
    )
    # Sides not computed: rank 0, no classifier probability.
    assert (hit.dense_rank, hit.lexical_rank, hit.classifier_rank) == (0, 0, 0)
    assert Hit(unit=_unit("v"), dense=0.5, lexical=0.5, fused=0.5, rank=2).classifier == 0.0
    with pytest.raises(FrozenInstanceError):
        hit.fused = 1.0  # type: ignore[misc]
    assert hit.to_record() == {
        "id": "u",
        "kind": "faq",
        "dense": 0.1235,
        "lexical": 0.6543,
        "classifier": 0.9877,
        "fused": 0.3333,
    }


# --- KnowledgeBase.search and KnowledgeBase.scores over a stub index --------------------


def _unit(uid: str) -> Unit:
    return Unit(id=uid, kind="faq", title=uid, answer="…", match_texts=(uid,))


class _Dense:
    """A stand-in for the faiss index: fixed similarities, records the k asked for."""

    def __init__(self, ntotal: int, sims: list[float], rows: list[int]) -> None:
        self.ntotal = ntotal
        self.sims = np.asarray([sims], dtype=np.float32)
        self.rows = np.asarray([rows], dtype=np.int64)
        self.asked: list[int] = []

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        assert vector.dtype == np.float32 and vector.shape == (1, 2)
        self.asked.append(k)
        return self.sims, self.rows


class _Lexical:
    def __init__(self, rows: list[float]) -> None:
        self.rows = np.asarray(rows, dtype=np.float32)

    def scores(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.rows * 10.0, self.rows


class _Classifier:
    def __init__(self, probabilities: list[float]) -> None:
        self.p = np.asarray(probabilities, dtype=np.float32)

    def probabilities(self, query: str) -> np.ndarray:
        return self.p


class _TwoDimensionEmbedder:
    name = "stub"
    dimension = 2

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 2), dtype=np.float64)


STUB_SETTINGS = KnowledgeBaseSettings(dense_weight=0.25, classifier_weight=0.5, top_k=2)


def _stub_kb(
    n_units: int = 4,
    row_units: list[int] | None = None,
    dense: _Dense | None = None,
    lexical: _Lexical | None = None,
    classifier: _Classifier | None = None,
) -> KnowledgeBase:
    index = SimpleNamespace(
        units=[_unit(f"u{i}") for i in range(n_units)],
        row_units=np.asarray(row_units if row_units is not None else [], dtype=np.int64),
        dense=dense,
        lexical=lexical,
        classifier=classifier,
        manifest={},
    )
    return KnowledgeBase(index, _TwoDimensionEmbedder(), STUB_SETTINGS)  # type: ignore[arg-type]


def _with_scores(
    dense: list[float], lexical: list[float], classifier: list[float]
) -> KnowledgeBase:
    kb = _stub_kb(n_units=len(dense))
    sides = (np.asarray(dense), np.asarray(lexical), np.asarray(classifier))
    kb.scores = lambda query: sides  # type: ignore[method-assign]
    return kb


# Four units whose order differs on every side and under every fusion.
SIDES = (
    [0.5, 0.25, 0.0, 1.0],  # dense: u3 u0 u1 u2
    [0.0, 1.0, 0.5, 0.25],  # lexical: u1 u2 u3 u0
    [1.0, 0.25, 0.5, 0.0],  # classifier: u0 u2 u1 u3
)
# Convex, 0.25 dense + 0.5 classifier + 0.25 lexical:
# u0 0.125 + 0.5 + 0 = 0.625; u1 0.0625 + 0.125 + 0.25 = 0.4375;
# u2 0 + 0.25 + 0.125 = 0.375; u3 0.25 + 0 + 0.0625 = 0.3125.
CONVEX = {"u0": 0.625, "u1": 0.4375, "u2": 0.375, "u3": 0.3125}


def test_knowledge_base_search_convex_ranking_and_side_ranks() -> None:
    hits = _with_scores(*SIDES).search("q", top_k=4)
    assert [h.unit.id for h in hits] == ["u0", "u1", "u2", "u3"]
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert [h.fused for h in hits] == pytest.approx([0.625, 0.4375, 0.375, 0.3125])
    assert [h.dense for h in hits] == [0.5, 0.25, 0.0, 1.0]
    assert [h.lexical for h in hits] == [0.0, 1.0, 0.5, 0.25]
    assert [h.classifier for h in hits] == [1.0, 0.25, 0.5, 0.0]
    assert [h.dense_rank for h in hits] == [2, 3, 4, 1]
    assert [h.lexical_rank for h in hits] == [4, 1, 2, 3]
    assert [h.classifier_rank for h in hits] == [1, 3, 2, 4]


def test_knowledge_base_search_top_k_defaults_to_settings() -> None:
    kb = _with_scores(*SIDES)
    assert [h.unit.id for h in kb.search("q")] == ["u0", "u1"]  # settings.top_k = 2
    assert [h.unit.id for h in kb.search("q", top_k=1)] == ["u0"]


@pytest.mark.parametrize(
    ("fusion", "expected"),
    [
        ("convex", ["u0", "u1", "u2", "u3"]),
        ("dense", ["u3", "u0", "u1", "u2"]),
        ("bm25", ["u1", "u2", "u3", "u0"]),
        ("classifier", ["u0", "u2", "u1", "u3"]),
        # 1/(60 + rank) summed over the sides (ranks dense, lexical, classifier):
        # u0 (2, 4, 1) 0.048147, u1 (3, 1, 3) 0.048139, u2 (4, 2, 2) 0.047883,
        # u3 (1, 3, 4) 0.047891.
        ("rrf", ["u0", "u1", "u3", "u2"]),
    ],
)
def test_knowledge_base_search_each_fusion_ranks_keeps_convex_scores(
    fusion: str, expected: list[str]
) -> None:
    # Built at run time, as a name read from the command line is: compared by value.
    mode = "".join(list(fusion))
    hits = _with_scores(*SIDES).search("q", top_k=4, fusion=mode)  # type: ignore[arg-type]
    assert [h.unit.id for h in hits] == expected
    assert [h.fused for h in hits] == pytest.approx([CONVEX[h.unit.id] for h in hits])
    assert [h.rank for h in hits] == [1, 2, 3, 4]


def test_knowledge_base_search_rrf_follows_ranks_not_scores() -> None:
    # u0 is first on two sides by a hair, u1 far ahead on the third: RRF prefers u0,
    # the convex combination u1.
    kb = _with_scores([0.51, 0.5], [0.51, 0.5], [0.0, 1.0])
    assert [h.unit.id for h in kb.search("q", fusion="rrf")] == ["u0", "u1"]
    assert [h.unit.id for h in kb.search("q")] == ["u1", "u0"]


def test_knowledge_base_search_bm25_breaks_ties_with_dense_only() -> None:
    # Same BM25 score: the dense side decides; a higher BM25 score always wins.
    kb = _with_scores([0.1, 0.9, 0.0], [0.5, 0.5, 0.6], [0.0, 0.0, 0.0])
    assert [h.unit.id for h in kb.search("q", top_k=3, fusion="bm25")] == ["u2", "u1", "u0"]


def test_knowledge_base_search_blank_query_or_no_units() -> None:
    kb = _with_scores(*SIDES)
    assert kb.search("") == [] and kb.search(" \n\t") == []
    assert _with_scores([], [], []).search("q") == []


def test_knowledge_base_scores_clips_pools_and_asks_at_most_512() -> None:
    # Rows: u0 has rows 0 and 2, u1 row 1, u2 row 3; u3 has none.
    dense = _Dense(ntotal=1000, sims=[1.5, 0.5, -0.25, 0.25, 0.0], rows=[0, 1, 2, 3, -1])
    kb = _stub_kb(
        row_units=[0, 1, 0, 2],
        dense=dense,
        lexical=_Lexical([0.5, 0.25, 0.75, 1.5]),
        classifier=_Classifier([0.25, 0.25, 0.25, 0.25]),
    )
    d, lex, clf = kb.scores("mot de passe")
    assert dense.asked == [512]  # DENSE_CANDIDATES, fewer than the 1000 rows
    # u0: 0.7 * 1.5 + 0.3 * (1.5 - 0.25) / 2 = 1.2375, clipped to 1; u1: 0.5; u2: 0.25;
    # u3: no row (and row -1 is faiss' « no result »): 0.
    assert d.tolist() == pytest.approx([1.0, 0.5, 0.25, 0.0])
    # u0: 0.7 * 0.75 + 0.3 * 0.625 = 0.7125; u1 0.25; u2 1.5 clipped to 1; u3 0.
    assert lex.tolist() == pytest.approx([0.7125, 0.25, 1.0, 0.0])
    assert clf.tolist() == [0.25, 0.25, 0.25, 0.25]


def test_knowledge_base_scores_small_index_asks_every_row() -> None:
    dense = _Dense(ntotal=3, sims=[0.5, -0.5, 0.25], rows=[0, 1, 2])
    kb = _stub_kb(
        n_units=3,
        row_units=[0, 1, 2],
        dense=dense,
        lexical=_Lexical([0.25, -0.5, 0.0]),
        classifier=_Classifier([0.5, 0.25, 0.25]),
    )
    d, lex, _ = kb.scores("q")
    assert dense.asked == [3]
    assert d.tolist() == pytest.approx([0.5, 0.0, 0.25])  # a negative cosine counts as 0
    assert lex.tolist() == pytest.approx([0.25, 0.0, 0.0])  # so does a negative BM25 score


def test_knowledge_base_unit_max_pools_the_two_best_rows() -> None:
    # u0: rows 0.5, 0.9, 0.7 (three rows, unordered, interleaved with u1's);
    # u1: 0.25, 0.75; u2: no row.
    kb = _stub_kb(n_units=3, row_units=[0, 1, 0, 0, 1])
    rows = np.asarray([0, 1, 2, 3, 4])
    pooled = kb._unit_max(rows, np.asarray([0.5, 0.25, 0.9, 0.7, 0.75], dtype=np.float32))
    # u0: 0.7 * 0.9 + 0.3 * (0.9 + 0.7) / 2 = 0.87; u1: 0.7 * 0.75 + 0.3 * 0.5 = 0.675.
    assert pooled[:2].tolist() == pytest.approx([0.87, 0.675], abs=1e-6)
    assert np.isneginf(pooled[2])
    # Negative scores (a dense cosine can be) pool as they are: u1 0.7 * -0.25 + 0.3 * -0.5.
    negative = kb._unit_max(np.asarray([1, 4]), np.asarray([-0.25, -0.75], dtype=np.float32))
    assert negative[1] == pytest.approx(-0.325)
    assert np.isneginf(negative[0]) and np.isneginf(negative[2])
    # Only some rows scored: the others are ignored.
    partial = kb._unit_max(np.asarray([3, 4]), np.asarray([0.5, 0.25], dtype=np.float32))
    assert partial[:2].tolist() == pytest.approx([0.5, 0.25]) and np.isneginf(partial[2])


def test_knowledge_base_staleness_rechecked_after_thirty_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kb = _stub_kb()
    answers = iter([False, True, False])
    calls: list[float] = []
    clock = [100.0]
    monkeypatch.setattr(search_module.time, "monotonic", lambda: clock[0])

    def check() -> bool:
        calls.append(clock[0])
        return next(answers)

    monkeypatch.setattr(kb, "_check_stale", check)
    assert kb.is_stale() is False
    clock[0] = 129.5
    assert kb.is_stale() is False  # still the answer of t = 100
    clock[0] = 130.0
    assert kb.is_stale() is True  # STALE_CHECK_INTERVAL_S (30 s) later: checked again
    clock[0] = 159.5
    assert kb.is_stale() is True
    clock[0] = 265.0  # long after: checked again
    assert kb.is_stale() is False
    assert calls == [100.0, 130.0, 265.0]


# --- over the fixture index (the hashing embedder of conftest.py) ---------------------


def test_search_finds_faq_by_variant(fixture_kb: KnowledgeBase) -> None:
    hits = fixture_kb.search("je ne retrouve plus mon mot de passe", top_k=3)
    assert hits[0].unit.id == "comptes-mot-de-passe-oublie"
    assert hits[0].rank == 1 and hits[0].fused >= hits[1].fused
    assert 0.0 <= hits[0].dense <= 1.0 and 0.0 <= hits[0].lexical <= 1.0


def test_search_accent_and_case_insensitive(fixture_kb: KnowledgeBase) -> None:
    # Not a text of the fixture content (the variant is « créer un compte sans SIRET »).
    plain = fixture_kb.search("OUVRIR UN COMPTE SANS NUMERO SIRET", top_k=1)[0]
    accented = fixture_kb.search("ouvrir un compte sans numéro siret", top_k=1)[0]
    assert plain.unit.id == accented.unit.id
    assert "comptes#compte-sans-siret" in (plain.unit.id, plain.unit.source)
    assert abs(plain.lexical - accented.lexical) < 1e-6


def test_search_fused_is_convex_combination(fixture_kb: KnowledgeBase) -> None:
    # Not the FAQ question (« Le portail est-il payant ? ») nor one of its variants.
    hit = fixture_kb.search("est-ce que l'inscription au portail coûte quelque chose", top_k=1)[0]
    weight = fixture_kb.settings.dense_weight  # the fixture gives the classifier no weight
    assert abs(hit.fused - (weight * hit.dense + (1 - weight) * hit.lexical)) < 1e-5
    assert hit.unit.id == "comptes-gratuit"


def test_search_fuses_classifier_side(fixture_kb: KnowledgeBase) -> None:
    settings = fixture_kb.settings.model_copy(update={"classifier_weight": 0.4})
    kb = KnowledgeBase(fixture_kb.index, fixture_kb.embedder, settings)
    hits = kb.search(FORGOTTEN_PASSWORD, top_k=3)
    for hit in hits:
        expected = 0.3 * hit.dense + 0.4 * hit.classifier + 0.3 * hit.lexical
        assert abs(hit.fused - expected) < 1e-5
    assert hits[0].unit.id == "comptes-mot-de-passe-oublie" and hits[0].classifier_rank == 1
    assert hits[0].classifier > hits[1].classifier and "classifier" in hits[0].to_record()
    alone = kb.search(FORGOTTEN_PASSWORD, top_k=1, fusion="classifier")[0]
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
    hits = fixture_kb.search(FORGOTTEN_PASSWORD, top_k=3)
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


def test_knowledge_base_unit_and_staleness(
    fixture_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fixture_kb.unit("comptes-gratuit").title == "Le portail est-il payant ?"
    assert fixture_kb.unit("absent") is None
    assert fixture_kb._check_stale() is False
    moved = KnowledgeBase(
        fixture_kb.index,
        fixture_kb.embedder,
        fixture_kb.settings.model_copy(update={"content_dir": tmp_path}),
    )
    assert moved._check_stale() is True
    retrained = replace(
        fixture_kb.index,
        manifest={**fixture_kb.index.manifest, "embedder_training": "other-fingerprint"},
    )
    stale = KnowledgeBase(retrained, fixture_kb.embedder, fixture_kb.settings)
    assert stale._check_stale() is True


def test_knowledge_base_check_stale_compares_by_value(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / TRAINING_MANIFEST).write_text(json.dumps({"fingerprint": "mmmm"}), encoding="utf-8")
    embedder = SimpleNamespace(name=str(model))
    manifest = fixture_kb.index.manifest

    def check(**recorded: object) -> bool:
        index = replace(fixture_kb.index, manifest={**manifest, **recorded})
        kb = KnowledgeBase(index, embedder, fixture_kb.settings)  # type: ignore[arg-type]
        return kb._check_stale()

    # The same fingerprint, read from two files: equal values, distinct objects.
    assert check(embedder_training="".join(["mm", "mm"])) is False
    for fingerprint in ("aaaa", "zzzz", None):
        assert check(embedder_training=fingerprint) is True
    for digest in ("0" * 64, "f" * 64):
        assert check(embedder_training="mmmm", content_hash=digest) is True
