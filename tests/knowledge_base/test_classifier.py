"""The character n-gram entry classifier: training, typo robustness, saving and loading, and
its own featurisation of a query (scikit-learn's TF-IDF row, to the bit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge_base.classifier import NGRAM_RANGE, EntryClassifier, char_wb_ngrams, normalise
from knowledge_base.documents import Unit, build_units


def _faq(uid: str, question: str, *variants: str) -> Unit:
    return Unit(
        id=uid,
        kind="faq",
        title=question,
        answer=f"Réponse à « {question} »",
        match_texts=(question, *variants),
    )


UNITS = [
    _faq(
        "mot-de-passe",
        "J'ai oublié mon mot de passe",
        "mot de passe perdu",
        "réinitialiser mon mot de passe",
        "plus de mot de passe pour me connecter",
    ),
    _faq(
        "facture-rejetee",
        "Ma facture a été rejetée",
        "facture refusée par le service",
        "rejet de ma facture",
        "pourquoi ma facture est rejetée",
    ),
    _faq(
        "remboursement-gazole",
        "Remboursement de la taxe sur le gazole",
        "récupérer la taxe sur le gazole",
        "gazole non routier remboursement",
        "taxe gazole agricole",
    ),
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


def test_normalise_folds_accents_punctuation_and_shortcuts() -> None:
    assert normalise("J'ai oublié mon MDP !") == "j ai oublie mon mot de passe"
    assert normalise("  Facturé,  rejetée ") == "facture rejetee"


def test_classifier_probabilities_sum_to_one(classifier: EntryClassifier) -> None:
    p = classifier.probabilities("facture rejetée")
    assert p.shape == (3,) and p.dtype == np.float32
    assert abs(float(p.sum()) - 1.0) < 1e-5


def test_classifier_survives_typos_and_missing_accents(classifier: EntryClassifier) -> None:
    # No whole word of these queries is spelled as in the training texts.
    assert UNITS[int(np.argmax(classifier.probabilities("factur rejette")))].id == (
        "facture-rejetee"
    )
    assert UNITS[int(np.argmax(classifier.probabilities("remboursment gasoil")))].id == (
        "remboursement-gazole"
    )
    assert UNITS[int(np.argmax(classifier.probabilities("oublie mdp")))].id == "mot-de-passe"


def test_classifier_save_load_round_trip(classifier: EntryClassifier, tmp_path: Path) -> None:
    path = tmp_path / "classifier.npz"
    classifier.save(path)
    loaded = EntryClassifier.load(path)
    assert loaded.n_units == 3 and loaded.params["converged"] is True
    query = "taxe sur le gasoil agricole"
    # Weights are stored as float16: the same ranking, probabilities within 1e-3.
    assert np.argmax(loaded.probabilities(query)) == np.argmax(classifier.probabilities(query))
    assert np.allclose(loaded.probabilities(query), classifier.probabilities(query), atol=1e-3)


def test_classifier_load_rejects_inconsistent_file(tmp_path: Path) -> None:
    path = tmp_path / "classifier.npz"
    with path.open("wb") as handle:
        np.savez(
            handle,
            vocabulary=np.asarray(["ab", "bc"]),
            idf=np.ones(2, dtype=np.float32),
            weights=np.ones((3, 5), dtype=np.float16),
            biases=np.zeros(3, dtype=np.float32),
            params=np.asarray("{}"),
        )
    with pytest.raises(ValueError, match="5\\) weights for 2 n-grams"):
        EntryClassifier.load(path)


def test_classifier_learns_paraphrases_of_fixture_content(fixture_content: Path) -> None:
    units = build_units(fixture_content)
    classifier = EntryClassifier.fit(units)
    # Wordings that are no text of the fixture content (the entry's variant « mdp perdu »
    # would only show that the classifier remembers its training texts).
    for query in ("mon mot de passe est perdu", "j'ai oublié mon mdp, comment faire ?"):
        best = units[int(np.argmax(classifier.probabilities(query)))]
        assert best.id == "comptes-mot-de-passe-oublie", query


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
