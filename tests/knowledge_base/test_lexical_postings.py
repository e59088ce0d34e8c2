"""The BM25 postings as numpy arrays give the scores of the textbook formula, term by term."""

from __future__ import annotations

import math

import numpy as np
import pytest

from knowledge_base.lexical import K1, B, Bm25Index
from knowledge_base.synonyms import RELATED_WEIGHT, canonical, related

# Rows of different lengths, a repeated term (tf 2 and 3), equivalent words on both sides
# (« gasoil » / « gazole », « mail » / « courriel »), a related word (« payant » → « gratuit »)
# next to the word itself, and an empty row.
DOCUMENTS = [
    ["mot", "passe", "oublier", "mot"],
    ["gasoil", "remboursement", "taxe"],
    ["portail", "gratuit"],
    ["portail", "payant", "gratuit", "abonnement", "compte", "creer", "portail", "portail"],
    ["courriel", "confirmation", "compte"],
    [],
    ["gazole", "agricole", "tic", "gazole", "remboursement"],
    ["mail", "mot", "passe"],
]
QUERIES = [
    ["mot", "passe"],
    ["gazole"],
    ["gasoil", "gazoil", "remboursement"],
    ["payant"],  # matches « payant », or « gratuit » at RELATED_WEIGHT, whichever is larger
    ["portail", "payant", "portail"],  # a repeated query term counts once
    ["email", "compte", "passeport"],  # « passeport » is unknown: it only lowers the ceiling
    ["meteo"],
    [],
]


def _reference_scores(documents: list[list[str]], query: list[str]) -> list[float]:
    """The normalised score of every row, straight from the formula, one row at a time."""
    rows = [[canonical(t) for t in doc] for doc in documents]
    average = sum(len(d) for d in documents) / len(documents)

    def idf(term: str) -> float:
        df = sum(term in row for row in rows)
        return math.log(1.0 + (len(rows) - df + 0.5) / (df + 0.5))

    def term_score(term: str, row: list[str], length: int) -> float:
        tf = row.count(term)
        norm = K1 * (1.0 - B + B * length / average)
        return idf(term) * tf * (K1 + 1.0) / (tf + norm) if tf else 0.0

    terms = list(dict.fromkeys(canonical(t) for t in query))
    scores = []
    for row, doc in zip(rows, documents, strict=True):
        raw = 0.0
        for term in terms:
            hints = [RELATED_WEIGHT * term_score(h, row, len(doc)) for h in related(term)]
            raw += max([term_score(term, row, len(doc)), *hints])
        ceiling = sum(idf(t) for t in terms) * (K1 + 1.0)
        scores.append(min(raw / ceiling, 1.0) if terms else 0.0)
    return scores


@pytest.mark.parametrize("query", QUERIES)
def test_bm25_scores_match_the_formula(query: list[str]) -> None:
    index = Bm25Index(DOCUMENTS)
    raw, normalised = index.scores(query)
    assert raw.dtype == normalised.dtype == np.float32
    assert normalised.tolist() == pytest.approx(_reference_scores(DOCUMENTS, query), abs=1e-6)


def test_bm25_scores_related_word_is_weighted_and_not_added() -> None:
    index = Bm25Index(DOCUMENTS)
    raw, _ = index.scores(["payant"])
    (payant,) = index.postings("payant")[1]
    gratuit_2, gratuit_3 = index.postings("gratuit")[1]
    # Row 2 holds only « gratuit » (the related word); row 3 holds both: the larger counts.
    assert raw[2] == pytest.approx(RELATED_WEIGHT * gratuit_2)
    assert raw[3] == pytest.approx(max(payant, RELATED_WEIGHT * gratuit_3))
    assert raw[3] < payant + RELATED_WEIGHT * gratuit_3


def test_bm25_postings_rows_in_order_with_each_contribution() -> None:
    index = Bm25Index(DOCUMENTS)
    rows, weights = index.postings("portail")
    assert rows.tolist() == [2, 3] and weights.dtype == np.float32
    # tf 1 in row 2, tf 3 in row 3, each with its row's length normalisation.
    idf = index.idf["portail"]
    expected = [idf * tf * (K1 + 1.0) / (tf + index.norm[r]) for r, tf in ((2, 1), (3, 3))]
    assert weights.tolist() == pytest.approx(expected, rel=1e-6)
    # Equivalent words share one posting list under the group's first word.
    assert index.postings("gazole")[0].tolist() == [1, 6]
    assert index.postings("gasoil")[0].tolist() == []
    absent_rows, absent_weights = index.postings("passeport")
    assert absent_rows.tolist() == [] and absent_weights.tolist() == []


def test_bm25_postings_same_bits_as_the_dense_computation() -> None:
    """Each posting holds what the former per-query code computed, to the bit: the same
    float32 operations in the same order."""
    index = Bm25Index(DOCUMENTS)
    for term in index.idf:
        rows, weights = index.postings(term)
        tf = np.asarray([[canonical(t) for t in DOCUMENTS[r]].count(term) for r in rows])
        tf = tf.astype(np.float32)
        former = index.idf[term] * tf * (K1 + 1.0) / (tf + index.norm[rows])
        assert np.array_equal(weights, former), term


def test_bm25_empty_index_and_empty_query() -> None:
    empty = Bm25Index([])
    raw, normalised = empty.scores(["mot"])
    assert raw.tolist() == [] and normalised.tolist() == []
    raw, normalised = Bm25Index(DOCUMENTS).scores([])
    assert raw.tolist() == [0.0] * len(DOCUMENTS) and normalised.tolist() == raw.tolist()
