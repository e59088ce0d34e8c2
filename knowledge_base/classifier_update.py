"""Incremental update of the entry classifier (:mod:`knowledge_base.classifier`): an added or
changed unit gets its weight row fitted while every other unit's weights stay frozen.

With the other units fixed, the multinomial log-likelihood restricted to one unit's weights
``w`` and bias ``b`` is a binary logistic regression with a per-text offset: for a text ``i``
the unit wins with probability ``sigmoid(x_i·w + b - L_i)``, where ``L_i`` is the
log-sum-exp of the other units' scores of that text. scikit-learn's objective
(``C · Σ loss + ½‖w‖²``, intercept not penalised) is minimised by L-BFGS on the unit's own
texts (positives) and on negatives: every text of the :data:`HARD_NEGATIVE_UNITS` units the
frozen model prefers for the unit's texts, plus a seeded sample of :data:`NEGATIVE_SAMPLE`
other texts, each weighted to stand for the texts not drawn. A second of work where the full
fit takes two minutes.

The n-gram vocabulary and idf stay those of the last full build: n-grams that no indexed
text had then are ignored for the new unit until the next full build refits everything.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from knowledge_base.classifier import REGULARISATION_C, EntryClassifier

HARD_NEGATIVE_UNITS = 20
NEGATIVE_SAMPLE = 2000
MAX_ITERATIONS = 200
SEED = 20261206


def _logsumexp(matrix: np.ndarray) -> np.ndarray:
    top = matrix.max(axis=1, keepdims=True)
    result: np.ndarray = (top + np.log(np.exp(matrix - top).sum(axis=1, keepdims=True))).ravel()
    return result


def _fit_row(features: Any, labels: np.ndarray, weights: np.ndarray, offsets: np.ndarray) -> Any:
    """``(w, b)`` minimising the offset logistic loss (see the module docstring)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]
    from scipy.special import expit  # type: ignore[import-untyped]

    n_features = features.shape[1]
    transposed = features.T.tocsr()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:n_features], theta[n_features]
        margin = features @ w + b - offsets
        loss = REGULARISATION_C * float(
            np.sum(weights * (np.logaddexp(0.0, margin) - labels * margin))
        )
        slope = REGULARISATION_C * weights * (expit(margin) - labels)
        gradient = np.empty_like(theta)
        gradient[:n_features] = transposed @ slope + w
        gradient[n_features] = slope.sum()
        return loss + 0.5 * float(w @ w), gradient

    start = np.zeros(n_features + 1, dtype=np.float64)
    result = minimize(
        objective, start, jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITERATIONS}
    )
    return result.x[:n_features].astype(np.float32), np.float32(result.x[n_features])


class _Negatives:
    """The seeded sample of frozen units' texts, vectorised once for every unit refitted."""

    def __init__(
        self, model: EntryClassifier, rows: list[tuple[int, str]], frozen: set[int]
    ) -> None:
        rng = np.random.default_rng(SEED)
        candidates = [i for i, (unit, _) in enumerate(rows) if unit in frozen]
        size = min(NEGATIVE_SAMPLE, len(candidates))
        drawn = sorted(rng.choice(candidates, size=size, replace=False).tolist()) if size else []
        self.rows = rows
        self.model = model
        self.sample = drawn
        self.sample_units = np.asarray([rows[i][0] for i in drawn], dtype=np.int64)
        self.sample_features = model.features([rows[i][1] for i in drawn]) if drawn else None
        self.by_unit: dict[int, list[int]] = {}
        for i in candidates:
            self.by_unit.setdefault(rows[i][0], []).append(i)

    def for_unit(self, hard_units: set[int]) -> tuple[Any, np.ndarray]:
        """Features and weights of the negatives: all texts of ``hard_units``, plus the
        sample's other texts weighted by how many texts each one stands for."""
        from scipy.sparse import vstack  # type: ignore[import-untyped]

        hard_rows = [i for unit in sorted(hard_units) for i in self.by_unit.get(unit, [])]
        n_rest = sum(len(v) for u, v in self.by_unit.items() if u not in hard_units)
        keep = ~np.isin(self.sample_units, list(hard_units))
        parts, weights = [], []
        if hard_rows:
            parts.append(self.model.features([self.rows[i][1] for i in hard_rows]))
            weights.append(np.ones(len(hard_rows)))
        if self.sample_features is not None and keep.any():
            parts.append(self.sample_features[np.flatnonzero(keep)])
            weights.append(np.full(int(keep.sum()), n_rest / max(int(keep.sum()), 1)))
        return vstack(parts).tocsr(), np.concatenate(weights)


def refit_units(
    model: EntryClassifier,
    sources: list[int | None],
    rows: list[tuple[int, str]],
) -> EntryClassifier:
    """A classifier over the new unit order.

    Args:
        model: the classifier of the index being updated.
        sources: per new unit, its position in ``model`` when it is unchanged (weights
            copied), or None when its weights must be fitted on its texts.
        rows: ``(new unit position, text)`` of every indexed text of the new index.
    """
    from scipy.sparse import vstack

    started = time.perf_counter()
    weights = np.zeros((len(sources), len(model.vocabulary)), dtype=np.float32)
    biases = np.zeros(len(sources), dtype=np.float32)
    frozen = [j for j, s in enumerate(sources) if s is not None]
    old = [s for s in sources if s is not None]
    weights[frozen] = model.weights[old]
    biases[frozen] = model.biases[old]
    negatives = _Negatives(model, rows, set(frozen))
    targets = [j for j, s in enumerate(sources) if s is None]
    # Units not yet fitted take no part in the softmax (their placeholder row is not a model).
    absent = np.zeros(len(sources), dtype=np.float32)
    absent[targets] = -np.inf
    for target in targets:
        own = model.features([text for unit, text in rows if unit == target])
        preferred = np.asarray((own @ weights.T).max(axis=0)).ravel() + biases + absent
        hard = set(np.argsort(-preferred)[:HARD_NEGATIVE_UNITS].tolist())
        negative_features, negative_weights = negatives.for_unit(hard)
        features = vstack([own, negative_features]).tocsr()
        labels = np.r_[np.ones(own.shape[0]), np.zeros(negative_features.shape[0])]
        sample_weights = np.r_[np.ones(own.shape[0]), negative_weights]
        offsets = _logsumexp(np.asarray(features @ weights.T) + biases + absent)
        weights[target], biases[target] = _fit_row(features, labels, sample_weights, offsets)
        absent[target] = 0.0
    params = {
        **model.params,
        "incremental_units": len(targets),
        "incremental_seconds": round(time.perf_counter() - started, 2),
    }
    return EntryClassifier(model.vocabulary, model.idf, weights, biases, params)
