"""Supervised side of the hybrid search: a character n-gram classifier of the entries.

Trained when the index is built, on every indexed text of every unit (an FAQ entry's
question, variants, paraphrases and answer; a section's title and windows; a rollout rule's
wordings), each labelled with its unit: a multinomial logistic regression over the TF-IDF
of character n-grams (:data:`NGRAM_RANGE`, inside word boundaries) of the folded text
(lower case, no accents, SMS shortcuts expanded, punctuation as spaces).

Why a third side: character n-grams survive what defeats words and lemmas (typos, missing
accents, « facturé / facturer », « sirete »), and a discriminative model learns which
fragments tell two neighbouring entries apart instead of counting every shared word. On
the evaluation set, alone: hit@1 0.816 against 0.804 for the dense side and 0.746 for BM25;
fused with both, 0.864 (content of 2026-11-28, ``python -m knowledge_base evaluate``).

Saved in the index folder as one ``.npz`` (vocabulary, idf, weights in float16, biases,
parameters): no pickle, so loading an index never runs code.
"""

from __future__ import annotations

import json
import logging
import re
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.documents import Unit
from knowledge_base.text import expand_abbreviations, fold

logger = logging.getLogger(__name__)

NGRAM_RANGE = (2, 5)
# An n-gram met in a single text is noise (a typo, a number): it needs MIN_DF texts.
MIN_DF = 2
# Inverse L2 regularisation strength (scikit-learn's C): 10 and 30 rank alike on the
# evaluation set; 10 keeps the probabilities less peaked.
REGULARISATION_C = 10.0
MAX_ITERATIONS = 300
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Folded text with SMS shortcuts expanded and anything but letters and digits as one
    space: « J'ai oublié mon MDP ! » → « j ai oublie mon mot de passe »."""
    return _NON_WORD.sub(" ", fold(expand_abbreviations(text))).strip()


def char_wb_ngrams(text: str) -> list[str]:
    """The n-grams scikit-learn's ``char_wb`` analyser takes from a :func:`normalise`d text
    (same n-grams, same order): each word padded with one space on both sides, its n-grams
    of every size of :data:`NGRAM_RANGE`; a padded word no longer than ``n`` counts once, as
    itself, and stops the larger sizes."""
    low, high = NGRAM_RANGE
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length <= n:
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams


def _vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        preprocessor=normalise,
        sublinear_tf=True,
        min_df=1 if vocabulary is not None else MIN_DF,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


class EntryClassifier:
    """P(unit | query) for the units of one index, in the index's unit order."""

    def __init__(
        self,
        vocabulary: list[str],
        idf: np.ndarray,
        weights: np.ndarray,
        biases: np.ndarray,
        params: dict[str, Any],
    ) -> None:
        self.vocabulary = vocabulary
        # Kept as n-grams × units, contiguous: the sparse query times it is a gather of a
        # few rows (0.01 ms) instead of a strided walk over the whole matrix (4 ms).
        self._columns = np.ascontiguousarray(np.asarray(weights, dtype=np.float32).T)
        self.biases = np.asarray(biases, dtype=np.float32)
        self.params = params
        self._gram_ids = {gram: i for i, gram in enumerate(vocabulary)}
        self._idf = np.asarray(idf, dtype=np.float32)
        self._vectorizer = _vectorizer(self._gram_ids)
        self._vectorizer.idf_ = self._idf

    @property
    def n_units(self) -> int:
        return int(self._columns.shape[1])

    @property
    def weights(self) -> np.ndarray:
        """The units × n-grams weight matrix (a view)."""
        return self._columns.T

    @property
    def idf(self) -> np.ndarray:
        """The idf of each n-gram of :attr:`vocabulary`."""
        return np.asarray(self._vectorizer.idf_, dtype=np.float32)

    def features(self, texts: list[str]) -> Any:
        """The sparse TF-IDF rows of ``texts`` in this model's n-gram space (an incremental
        update fits new units' weights on them, :mod:`knowledge_base.classifier_update`)."""
        return self._vectorizer.transform(texts)

    @classmethod
    def fit(cls, units: list[Unit]) -> EntryClassifier:
        """Train on every indexed text of ``units`` (see the module docstring)."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        started = time.perf_counter()
        texts = [t for u in units for t in u.index_texts]
        labels = np.asarray([i for i, u in enumerate(units) for _ in u.index_texts])
        vectorizer = _vectorizer()
        features = vectorizer.fit_transform(texts)
        model = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(features, labels)
        # One weight row per unit, in unit order (every unit has at least one text).
        weights = np.zeros((len(units), features.shape[1]), dtype=np.float32)
        biases = np.full(len(units), -np.inf, dtype=np.float32)
        weights[model.classes_] = model.coef_
        biases[model.classes_] = model.intercept_
        vocabulary = [""] * len(vectorizer.vocabulary_)
        for gram, column in vectorizer.vocabulary_.items():
            vocabulary[column] = gram
        params = {
            "ngram_range": list(NGRAM_RANGE),
            "min_df": MIN_DF,
            "c": REGULARISATION_C,
            "max_iter": MAX_ITERATIONS,
            "texts": len(texts),
            "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
            "seconds": round(time.perf_counter() - started, 2),
        }
        logger.info(
            "classifier.fit units=%d texts=%d ngrams=%d converged=%s seconds=%.1f",
            len(units),
            len(texts),
            len(vocabulary),
            params["converged"],
            params["seconds"],
        )
        return cls(vocabulary, vectorizer.idf_, weights, biases, params)

    def query_features(self, query: str) -> Any:
        """The sparse TF-IDF row of ``query``: what :meth:`features` gives for one text, to
        the bit, without scikit-learn's per-call checks (a question's features cost 1 ms
        through ``TfidfVectorizer.transform``, 0.2 ms here; issue 17).

        As scikit-learn computes it: n-gram counts (:func:`char_wb_ngrams`, unknown n-grams
        left out) in float32, ``1 + log(count)``, times the idf, divided by the L2 norm
        (squares summed in float64, one after the other, then the division in float64).
        """
        from scipy.sparse import csr_array  # type: ignore[import-untyped]

        counts: dict[int, int] = {}
        for gram, count in Counter(char_wb_ngrams(normalise(query))).items():
            column = self._gram_ids.get(gram)
            if column is not None:
                counts[column] = count
        columns = np.asarray(sorted(counts), dtype=np.int32)
        data = np.asarray([counts[c] for c in columns.tolist()], dtype=np.float32)
        np.log(data, out=data)
        data += 1.0
        data *= self._idf[columns]
        if len(data):
            squares = np.cumsum(data * data, dtype=np.float64)[-1]
            if squares != 0.0:
                data = (data.astype(np.float64) / np.sqrt(squares)).astype(np.float32)
        indptr = np.asarray([0, len(columns)], dtype=np.int32)
        return csr_array((data, columns, indptr), shape=(1, len(self.vocabulary)))

    def probabilities(self, query: str) -> np.ndarray:
        """Softmax over the units of the linear scores of ``query`` (sums to 1)."""
        features = self.query_features(query)
        logits = np.asarray(features @ self._columns).ravel() + self.biases
        logits -= logits.max()
        exp = np.exp(logits)
        probabilities: np.ndarray = (exp / exp.sum()).astype(np.float32)
        return probabilities

    def save(self, path: Path) -> None:
        """Write the model to ``path`` (``.npz``; weights stored as float16)."""
        with path.open("wb") as handle:
            np.savez(
                handle,
                vocabulary=np.asarray(self.vocabulary, dtype=str),
                idf=self._vectorizer.idf_.astype(np.float32),
                weights=self.weights.astype(np.float16),
                biases=self.biases,
                params=np.asarray(json.dumps(self.params)),
            )

    @classmethod
    def load(cls, path: Path) -> EntryClassifier:
        """Read a model written by :meth:`save`.

        Raises:
            ValueError: unreadable file or inconsistent shapes.
        """
        with np.load(path, allow_pickle=False) as data:
            vocabulary = [str(g) for g in data["vocabulary"]]
            idf, weights, biases = data["idf"], data["weights"], data["biases"]
            params = json.loads(str(data["params"]))
        if not vocabulary or weights.ndim != 2 or weights.shape[1] != len(vocabulary):
            raise ValueError(f"{weights.shape} weights for {len(vocabulary)} n-grams")
        if idf.shape != (len(vocabulary),) or biases.shape != (weights.shape[0],):
            raise ValueError("idf or biases do not match the weights")
        return cls(vocabulary, idf, weights.astype(np.float32), biases, params)
