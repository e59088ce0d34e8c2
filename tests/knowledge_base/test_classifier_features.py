"""The classifier's own featurisation of a query: scikit-learn's TF-IDF row, to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.classifier import NGRAM_RANGE, EntryClassifier, char_wb_ngrams, normalise
from knowledge_base.documents import Unit

UNITS = [
    Unit(
        id=uid,
        kind="faq",
        title=texts[0],
        answer="…",
        match_texts=texts,
    )
    for uid, texts in (
        ("mdp", ("J'ai oublié mon mot de passe", "mot de passe perdu", "mdp oublié")),
        ("facture", ("Ma facture a été rejetée", "facture refusée", "rejet de facture")),
        ("gazole", ("Remboursement de la TIC sur le gazole", "taxe gazole agricole")),
    )
]
# Words as long as an n-gram size (padded « a » is 3 characters), repeated n-grams, a word
# the training never saw, digits, SMS shortcuts, and texts with no known n-gram at all.
QUERIES = [
    "facture rejetée",
    "a b à ab abc abcd abcde",
    "mot de passe mot de passe mot de passe",
    "zzzz qqqq",
    "gazole 2026 TIC, TICGN ?",
    "mdp oublié !!",
    "",
    "   ",
    "?!",
]


@pytest.fixture(scope="module")
def classifier() -> EntryClassifier:
    return EntryClassifier.fit(UNITS)


@pytest.mark.parametrize("text", [*QUERIES, "a", "ab", "abc", "abcd", "abcdef", "x y z"])
def test_char_wb_ngrams_same_as_scikit_learn(text: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAM_RANGE, preprocessor=normalise
    ).build_analyzer()
    assert char_wb_ngrams(normalise(text)) == analyse(text)


@pytest.mark.parametrize("query", QUERIES)
def test_classifier_query_features_same_bits_as_the_vectorizer(
    classifier: EntryClassifier, query: str
) -> None:
    expected = classifier.features([query])
    features = classifier.query_features(query)
    assert features.shape == expected.shape == (1, len(classifier.vocabulary))
    assert features.indices.tolist() == expected.indices.tolist()
    assert features.data.dtype == expected.data.dtype == np.float32
    assert np.array_equal(features.data, expected.data)


@pytest.mark.parametrize("query", QUERIES)
def test_classifier_probabilities_same_bits_as_through_the_vectorizer(
    classifier: EntryClassifier, query: str
) -> None:
    logits = np.asarray(classifier.features([query]) @ classifier.weights.T).ravel()
    logits = logits + classifier.biases
    logits -= logits.max()
    expected = (np.exp(logits) / np.exp(logits).sum()).astype(np.float32)
    assert np.array_equal(classifier.probabilities(query), expected)
