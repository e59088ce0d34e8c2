"""The per-unit soft max of the rows, against a plain reference: the lexical side pools only
the rows BM25 matched, with the same result as pooling every row."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.documents import Unit
from knowledge_base.search import POOL_BLEND, POOL_TOP, KnowledgeBase
from knowledge_base.text import lemmas


def _reference_pool(row_units: np.ndarray, scores: np.ndarray, n_units: int) -> list[float]:
    """Per unit, sorted best first: (1 - blend) * best + blend * mean of the POOL_TOP first;
    -inf for a unit without a row."""
    out = []
    for unit in range(n_units):
        mine = sorted((float(s) for s in scores[row_units == unit]), reverse=True)
        top = mine[:POOL_TOP]
        out.append(
            (1.0 - POOL_BLEND) * top[0] + POOL_BLEND * sum(top) / len(top) if top else -np.inf
        )
    return out


def _kb(row_units: list[int], n_units: int) -> KnowledgeBase:
    units = [
        Unit(id=f"u{i}", kind="faq", title="t", answer="a", match_texts=("t",))
        for i in range(n_units)
    ]
    index = SimpleNamespace(
        units=units, row_units=np.asarray(row_units, dtype=np.int64), manifest={}
    )
    return KnowledgeBase(index, SimpleNamespace(name="stub"), KnowledgeBaseSettings())  # type: ignore[arg-type]


def test_unit_max_ties_and_single_rows_like_the_reference() -> None:
    # u0: its best score twice; u1: one row; u2: three rows, best last; u3: none.
    row_units = np.asarray([0, 1, 0, 2, 2, 2, 0])
    scores = np.asarray([0.5, 0.25, 0.5, 0.125, 0.375, 0.75, 0.0625], dtype=np.float32)
    kb = _kb(row_units.tolist(), 4)
    pooled = kb._unit_max(np.arange(len(row_units)), scores)
    assert pooled.tolist() == pytest.approx(_reference_pool(row_units, scores, 4), abs=1e-6)
    assert pooled[0] == pytest.approx(0.5)  # two rows at 0.5: the mean is 0.5 too


def test_unit_max_with_unit_rows_counts_unmatched_rows_as_zero() -> None:
    # u0 has three rows, one matched; u1 one row, matched; u2 two rows, both matched;
    # u3 two rows, none matched.
    row_units = [0, 0, 0, 1, 2, 2, 3, 3]
    kb = _kb(row_units, 4)
    matched = np.asarray([1, 3, 4, 5])
    pooled = kb._unit_max(
        matched, np.asarray([0.5, 0.25, 0.75, 0.125], dtype=np.float32), kb._unit_rows
    )
    assert pooled[:3].tolist() == pytest.approx(
        [0.7 * 0.5 + 0.3 * 0.25, 0.25, 0.7 * 0.75 + 0.3 * 0.4375], abs=1e-6
    )
    assert np.isneginf(pooled[3])


def test_unit_max_matched_rows_equal_pooling_every_row() -> None:
    """Random non-negative scores, most of them 0: pooling the non-zero rows with
    ``unit_rows`` gives the reference pooling of every row, to the bit (0 where a unit has
    no matched row, as the search clips it)."""
    rng = np.random.default_rng(17)
    n_units, n_rows = 60, 400
    row_units = rng.integers(0, n_units, n_rows)
    kb = _kb(row_units.tolist(), n_units)
    for _ in range(20):
        scores = rng.choice([0.0, 0.0, 0.0, 0.25, 0.5], n_rows) * rng.random(n_rows)
        scores = scores.astype(np.float32)
        scores[rng.integers(0, n_rows, 10)] = 0.5  # ties on the best row
        full = kb._unit_max(np.arange(n_rows), scores)
        matched = np.flatnonzero(scores)
        sparse = kb._unit_max(matched, scores[matched], kb._unit_rows)
        sparse = np.where(np.isfinite(sparse), sparse, 0.0)
        assert np.array_equal(sparse, np.where(np.isfinite(full), full, 0.0))
        expected = np.asarray(_reference_pool(row_units, scores, n_units))
        assert np.allclose(full, expected, atol=1e-6)


def test_knowledge_base_lexical_side_pools_every_row(fixture_kb: KnowledgeBase) -> None:
    index = fixture_kb.index
    for query in ("j'ai oublié mon mdp", "le portail est-il payant ?", "gasoil agricole", "météo"):
        _, lexical = fixture_kb.scores(query)[:2]
        _, rows = index.lexical.scores(lemmas(query))
        expected = np.asarray(_reference_pool(index.row_units, rows, len(fixture_kb.units)))
        expected = np.clip(np.where(np.isfinite(expected), expected, 0.0), 0.0, 1.0)
        assert lexical.tolist() == pytest.approx(expected.tolist(), abs=1e-6), query
