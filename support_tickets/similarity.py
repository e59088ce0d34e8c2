"""Similarity of ticket descriptions: the knowledge base's embedder when it is built, else a
lexical cosine on folded words (stop words removed). ``scores`` compares one text with others
(duplicates), ``pairwise`` every pair of a batch at once (incidents)."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Protocol

import numpy as np

from support_tickets.priority import fold

logger = logging.getLogger(__name__)

MIN_WORD_CHARS = 3
_STOP_WORDS_TEXT = (
    "les des une un le la de du et en pour sur dans avec est pas que qui mon ma mes vous nous "
    "je suis ai a au aux ce cette ces son sa ses par plus ne se sont bonjour merci cordialement "
    "madame monsieur votre vos notre nos leur leurs"
)
LEXICAL_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


class Similarity(Protocol):
    name: str

    def scores(self, text: str, others: list[str]) -> list[float]: ...

    def pairwise(self, texts: list[str]) -> np.ndarray:
        """The ``len(texts)`` × ``len(texts)`` matrix of cosines (float32)."""
        ...


class LexicalSimilarity:
    """Cosine of word-count vectors (folded, stop words and short words dropped)."""

    name = "lexical"

    @staticmethod
    def _vector(text: str) -> Counter[str]:
        words = re.findall(r"\w+", fold(text))
        return Counter(w for w in words if len(w) >= MIN_WORD_CHARS and w not in LEXICAL_STOP_WORDS)

    def scores(self, text: str, others: list[str]) -> list[float]:
        base = self._vector(text)
        base_norm = math.sqrt(sum(v * v for v in base.values()))
        results = []
        for other in others:
            vector = self._vector(other)
            norm = math.sqrt(sum(v * v for v in vector.values()))
            dot = sum(count * vector[word] for word, count in base.items())
            results.append(dot / (base_norm * norm) if base_norm and norm else 0.0)
        return results

    def pairwise(self, texts: list[str]) -> np.ndarray:
        """The same cosines for every pair at once: one product of sparse word counts."""
        from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        values: list[float] = []
        for row, text in enumerate(texts):
            vector = self._vector(text)
            norm = math.sqrt(sum(v * v for v in vector.values()))
            for word, count in vector.items():
                rows.append(row)
                columns.append(vocabulary.setdefault(word, len(vocabulary)))
                values.append(count / norm)
        shape = (len(texts), max(len(vocabulary), 1))
        matrix = csr_matrix((values, (rows, columns)), shape=shape, dtype=np.float32)
        return np.asarray((matrix @ matrix.T).toarray(), dtype=np.float32)


class EmbeddingSimilarity:
    """Cosine of the knowledge base's sentence embeddings (vectors are L2-normalised)."""

    def __init__(self, embedder: object) -> None:
        self._embedder = embedder
        self.name = f"embedding:{getattr(embedder, 'name', 'model')}"

    def scores(self, text: str, others: list[str]) -> list[float]:
        if not others:
            return []
        vectors = self._embedder.encode([text, *others])  # type: ignore[attr-defined]
        return [float(v) for v in vectors[1:] @ vectors[0]]

    def pairwise(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.asarray(self._embedder.encode(texts), dtype=np.float32)  # type: ignore[attr-defined]
        return vectors @ vectors.T


@lru_cache(maxsize=1)
def get_similarity() -> Similarity:
    """The embedder of the knowledge base when its model is available, else lexical."""
    try:
        from knowledge_base.config import get_settings
        from knowledge_base.embedder import load_embedder

        return EmbeddingSimilarity(load_embedder(get_settings().embedder))
    except Exception as exc:  # any failure to load keeps duplicate detection working
        logger.warning("tickets.similarity_fallback reason=%s", exc)
        return LexicalSimilarity()
