"""Hybrid search over the knowledge base: dense (faiss) + BM25 + entry classifier, fused.

Every match text is a row of the dense and lexical indexes; on each of these sides a unit
scores a soft max over its rows: ``(1 - POOL_BLEND) * best + POOL_BLEND * mean(two best)``
(of two entries with the same best row, the one whose second wording also matches wins
over a single lucky row; evaluation set hybrid hit@1 0.725 → 0.737 against the plain max).
The third side is the probability the character n-gram classifier gives the unit
(``classifier.py``). The three scores are fused by a convex combination
``wd * dense + wc * classifier + (1 - wd - wc) * lexical`` (``KB_DENSE_WEIGHT``,
``KB_CLASSIFIER_WEIGHT``), chosen over reciprocal-rank fusion by
``python -m knowledge_base evaluate`` (RRF ranks about as well but its scores carry no
absolute meaning, which the answer / clarify / abstain thresholds need); the weights are
chosen by ``python -m knowledge_base calibrate``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge_base.config import KnowledgeBaseSettings, get_settings
from knowledge_base.documents import Unit, content_hash
from knowledge_base.embedder import Embedder, load_embedder
from knowledge_base.finetune import read_training_fingerprint
from knowledge_base.index import LoadedIndex, load_index
from knowledge_base.text import lemmas

logger = logging.getLogger(__name__)

RRF_K = 60
# How long a staleness check of the index stays valid (see KnowledgeBase.is_stale).
STALE_CHECK_INTERVAL_S = 30.0
DENSE_CANDIDATES = 512
FAISS_THREADS = 1
"""OpenMP threads of a faiss search. One query at a time needs no more: with faiss's
default (one per core), each search spun up a team of threads that fought the other
servers for the two cores (kb.search 120 ms a question on a loaded machine, 44 ms with
one thread, the same hits; issue 17). OpenMP keeps this setting per thread, so it is set
by the thread that searches (the action server searches from a pool of threads)."""
POOL_BLEND = 0.3
POOL_TOP = 2
Fusion = Literal["convex", "rrf", "dense", "bm25", "classifier"]


@dataclass(frozen=True)
class Hit:
    """A unit found for a query, with its per-side and fused scores (rank from 1; a side
    rank of 0 means that side was not computed)."""

    unit: Unit
    dense: float
    lexical: float
    fused: float
    rank: int
    dense_rank: int = 0
    lexical_rank: int = 0
    classifier: float = 0.0
    classifier_rank: int = 0

    def to_record(self) -> dict[str, object]:
        return {
            "id": self.unit.id,
            "kind": self.unit.kind,
            "dense": round(self.dense, 4),
            "lexical": round(self.lexical, 4),
            "classifier": round(self.classifier, 4),
            "fused": round(self.fused, 4),
        }


class KnowledgeBase:
    """A loaded index plus the embedder of its queries. Thread-safe for searching."""

    def __init__(
        self, index: LoadedIndex, embedder: Embedder, settings: KnowledgeBaseSettings
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.units = index.units
        self.by_id = {u.id: u for u in index.units}
        # Rows per unit: the lexical side scores every row (see ``scores``).
        self._unit_rows = np.bincount(index.row_units, minlength=len(index.units))
        self._lock = threading.Lock()
        # (checked at, result)
        self._stale: tuple[float, bool] | None = None  # pragma: no mutate (annotation)

    @classmethod
    def load(
        cls,
        settings: KnowledgeBaseSettings | None = None,  # pragma: no mutate (annotation)
        embedder: Embedder | None = None,  # pragma: no mutate (annotation)
    ) -> KnowledgeBase:
        """Load the index and its embedder (``settings.embedder`` unless one is given).

        Raises:
            KnowledgeIndexError: missing, corrupt or mismatched index.
            FileNotFoundError: the configured embedder folder does not exist.
        """
        settings = settings or get_settings()
        embedder = embedder or load_embedder(settings.embedder)
        return cls(load_index(settings, embedder.name), embedder, settings)

    def is_stale(self) -> bool:
        """True when the content changed since the index was built, or the embedder folder
        now holds a model trained on other data (re-index needed).

        Hashing every content file is not free: the answer is kept for
        ``STALE_CHECK_INTERVAL_S`` seconds, so a busy action server checks once in a while,
        not on every question.
        """
        now = time.monotonic()
        if self._stale is None or now - self._stale[0] >= STALE_CHECK_INTERVAL_S:
            self._stale = (now, self._check_stale())
        return self._stale[1]

    def _check_stale(self) -> bool:
        manifest = self.index.manifest
        trained = read_training_fingerprint(Path(self.embedder.name))
        return (
            manifest.get("content_hash") != content_hash(self.settings.content_dir)
            or manifest.get("embedder_training") != trained
        )

    def unit(self, unit_id: str) -> Unit | None:  # pragma: no mutate (annotation)
        return self.by_id.get(unit_id)

    def _unit_max(
        self,
        rows: np.ndarray,
        scores: np.ndarray,
        unit_rows: np.ndarray | None = None,  # pragma: no mutate (annotation)
    ) -> np.ndarray:
        """Per unit: soft max of its rows' ``scores`` (see the module docstring); units
        without a scored row get -inf.

        The mean is over the ``POOL_TOP`` best scored rows of a unit, or, with ``unit_rows``
        (rows per unit), over ``min(POOL_TOP, unit_rows)`` with the missing rows counting 0:
        the pooling of every row when only the rows given may score above 0.

        One ``np.maximum.at`` pass per pooled row, without sorting: the best score of every
        unit, then one row holding it taken out, and so on (a sort of the 1,400 rows a
        question's lemmas match cost more than all of BM25; issue 17). Sums are added best
        first in float32, as they were.
        """
        n_units = len(self.units)
        units = self.index.row_units[rows]
        remaining = np.array(scores, dtype=np.float32)
        best = np.full(n_units, -np.inf, dtype=np.float32)
        sums = np.zeros(n_units, dtype=np.float32)
        counts = np.zeros(n_units, dtype=np.float32)
        for position in range(POOL_TOP):
            top = np.full(n_units, -np.inf, dtype=np.float32)
            np.maximum.at(top, units, remaining)
            found = np.isfinite(top)
            if position == 0:
                best = top
            sums[found] += top[found]
            counts[found] += 1.0
            if position + 1 < POOL_TOP:
                # Take one row of each unit's top score out (the first one).
                at_top = np.flatnonzero(remaining == top[units])
                _, first = np.unique(units[at_top], return_index=True)
                remaining[at_top[first]] = -np.inf
        if unit_rows is not None:
            pooled = np.minimum(unit_rows, POOL_TOP).astype(np.float32)
            counts = np.where(np.isfinite(best), pooled, np.float32(0.0))
        mean = np.divide(sums, counts, out=np.full_like(sums, -np.inf), where=counts > 0)
        pooled_scores: np.ndarray = (1.0 - POOL_BLEND) * best + POOL_BLEND * mean
        return pooled_scores

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-unit dense cosine (clipped to [0, 1]), normalised BM25 score and classifier
        probability."""
        import faiss

        vector = self.embedder.encode([query]).astype(np.float32)
        k = min(self.index.dense.ntotal, DENSE_CANDIDATES)
        with self._lock:  # faiss search is thread-safe, the lemmatiser is shared
            faiss.omp_set_num_threads(FAISS_THREADS)
            sims, rows = self.index.dense.search(vector, k)
            tokens = lemmas(query)
        valid = rows[0] >= 0
        dense = self._unit_max(rows[0][valid], sims[0][valid])
        dense = np.clip(np.where(np.isfinite(dense), dense, 0.0), 0.0, 1.0)
        _, lexical_rows = self.index.lexical.scores(tokens)
        # BM25 scores are never negative: the rows it does not match (most of them) score 0
        # and only count in their unit's mean (``unit_rows``), the same pooling of every row.
        matched = np.flatnonzero(lexical_rows)
        lexical = self._unit_max(matched, lexical_rows[matched], self._unit_rows)
        lexical = np.clip(np.where(np.isfinite(lexical), lexical, 0.0), 0.0, 1.0)
        classifier = self.index.classifier.probabilities(query)
        return dense, lexical, classifier

    def search(
        self,
        query: str,
        top_k: int | None = None,  # pragma: no mutate (annotation)
        fusion: Fusion = "convex",
    ) -> list[Hit]:
        """The ``top_k`` best units for ``query``, best first.

        Args:
            query: the user's question, as typed.
            top_k: how many hits (default ``settings.top_k``).
            fusion: ``convex`` (default), ``rrf``, or one side alone (``dense``, ``bm25``,
                ``classifier``) for evaluation.
        """
        top_k = top_k or self.settings.top_k
        if not query.strip() or not self.units:
            return []
        dense, lexical, classifier = self.scores(query)
        convex = fuse(
            dense,
            lexical,
            classifier,
            self.settings.dense_weight,
            self.settings.classifier_weight,
        )
        if fusion == "convex":
            ranking = convex
        elif fusion == "dense":
            ranking = dense
        elif fusion == "bm25":
            ranking = lexical + 1e-6 * dense  # dense only breaks ties
        elif fusion == "classifier":
            ranking = classifier
        else:
            ranking = _rrf(dense) + _rrf(lexical) + _rrf(classifier)
        order = np.argsort(-ranking, kind="stable")[:top_k]
        dense_ranks, lexical_ranks = _ranks(dense), _ranks(lexical)
        classifier_ranks = _ranks(classifier)
        return [
            Hit(
                unit=self.units[i],
                dense=float(dense[i]),
                lexical=float(lexical[i]),
                fused=float(convex[i]),
                rank=rank,
                dense_rank=int(dense_ranks[i]),
                lexical_rank=int(lexical_ranks[i]),
                classifier=float(classifier[i]),
                classifier_rank=int(classifier_ranks[i]),
            )
            for rank, i in enumerate(order, start=1)
        ]


def fuse(
    dense: np.ndarray,
    lexical: np.ndarray,
    classifier: np.ndarray,
    dense_weight: float,
    classifier_weight: float,
) -> np.ndarray:
    """The convex combination of the three sides; the lexical side gets the rest."""
    return (
        dense_weight * dense
        + classifier_weight * classifier
        + (1.0 - dense_weight - classifier_weight) * lexical
    )


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of every unit on one side (ties: first in index order)."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def _rrf(scores: np.ndarray) -> np.ndarray:
    return 1.0 / (RRF_K + _ranks(scores).astype(np.float32))
