"""Questions grouped by meaning: average-linkage clustering of their embeddings, cut at a
cosine distance, that holds at 100,000 questions.

The vectors are the knowledge base's embeddings, L2-normalised, so for two groups A and B
the mean cosine between their members is the dot product of their *mean* vectors
(``m_A · m_B``): the average-linkage distance of two groups is ``1 - m_A · m_B``, known from
their sums and sizes alone.

- Up to :data:`EXACT_MAX_QUESTIONS` questions: scikit-learn's
  ``AgglomerativeClustering(metric="cosine", linkage="average", distance_threshold=…)`` over
  them all (exact; its condensed distance matrix is O(n²): 2,000 questions, 2 million
  distances, 16 MB).
- Beyond: ``MiniBatchKMeans`` cuts the questions into cells of about
  :data:`CELL_QUESTIONS` (a cell still above :data:`EXACT_MAX_QUESTIONS` is cut again), the
  exact clustering runs inside each cell, and the sub-groups of all cells are then merged by
  the same average linkage (:func:`merge_groups`): each sub-group's nearest one is found by
  an exact inner-product search over the mean vectors (faiss ``IndexFlatIP``) and every pair
  of *reciprocal* nearest sub-groups closer than the threshold merges, round after round,
  until no pair is. Average linkage is reducible, so merging reciprocal nearest neighbours
  gives the groups the textbook order gives; after a merge only the sub-groups whose nearest
  was one of the two merged ones (and the new group) need a new search. Memory stays
  O(n·d). A topic cut in two by the cells' borders is joined again by the merge; what the
  cells change is only that a question first joins the sub-group of its own cell.
"""

from __future__ import annotations

import math

import numpy as np

EXACT_MAX_QUESTIONS = 2_000  # exact clustering up to this many questions (16 MB of distances)
CELL_QUESTIONS = 1_000  # average size of a MiniBatchKMeans cell beyond that
KMEANS_BATCH = 4_096  # MiniBatchKMeans batch size
# MiniBatchKMeans passes over the questions at most: the cells need not be optimal, only
# compact (the merge joins what their borders cut). With scikit-learn's default (100) the
# cells alone took 20 CPU-seconds at 100,000 questions; `bench_gaps` times the whole.
KMEANS_EPOCHS = 10
EMPTY_NORM = 1e-6  # a vector this short has no direction (a question without a known word)
SEED = 20261206  # MiniBatchKMeans's seed: the same questions give the same groups


def _exact(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage labels of at most :data:`EXACT_MAX_QUESTIONS` vectors."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    return np.asarray(model.fit_predict(vectors), dtype=np.int64)


def _cells(vectors: np.ndarray) -> list[np.ndarray]:
    """Row indexes of the MiniBatchKMeans cells, each at most :data:`EXACT_MAX_QUESTIONS`."""
    from sklearn.cluster import MiniBatchKMeans

    pending = [np.arange(len(vectors))]
    cells: list[np.ndarray] = []
    while pending:
        rows = pending.pop()
        if len(rows) <= EXACT_MAX_QUESTIONS:
            cells.append(rows)
            continue
        count = math.ceil(len(rows) / CELL_QUESTIONS)
        model = MiniBatchKMeans(
            n_clusters=count,
            batch_size=KMEANS_BATCH,
            max_iter=KMEANS_EPOCHS,
            random_state=SEED,
            n_init=1,
        )
        labels = model.fit_predict(vectors[rows])
        parts = [rows[labels == label] for label in range(count)]
        parts = [part for part in parts if len(part)]
        if len(parts) == 1:  # identical vectors: k-means cannot cut them, split evenly
            parts = list(np.array_split(rows, count))
        pending.extend(parts)
    return cells


def _nearest(
    sums: np.ndarray, sizes: np.ndarray, alive: np.ndarray, queries: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each group of ``queries``: its nearest other living group and their mean cosine
    (-inf and -1 when it is alone)."""
    import faiss

    living = np.flatnonzero(alive)
    means = np.ascontiguousarray(sums[living] / sizes[living, None], dtype=np.float32)
    index = faiss.IndexFlatIP(means.shape[1])
    index.add(means)
    query_means = np.ascontiguousarray(sums[queries] / sizes[queries, None], dtype=np.float32)
    similarities, positions = index.search(query_means, min(2, len(living)))
    found = living[positions]
    best = np.full(len(queries), -1, dtype=np.int64)
    best_similarity = np.full(len(queries), -np.inf, dtype=np.float32)
    for column in range(found.shape[1]):
        other = (found[:, column] != queries) & (best < 0)
        best[other] = found[other, column]
        best_similarity[other] = similarities[other, column]
    return best, best_similarity


def merge_groups(sums: np.ndarray, sizes: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage merging of groups given by the sum of their unit vectors and their
    size, cut at ``threshold``; returns each group's final label (0, 1, … in order of first
    appearance). See the module docstring."""
    count = len(sizes)
    sums = np.array(sums, dtype=np.float32)
    sizes = np.array(sizes, dtype=np.float32)
    alive = np.ones(count, dtype=bool)
    parent = np.arange(count)
    nearest = np.full(count, -1, dtype=np.int64)
    similarity = np.full(count, -np.inf, dtype=np.float32)
    dirty = np.arange(count)
    while len(dirty) and alive.sum() > 1:
        found, found_similarity = _nearest(sums, sizes, alive, dirty)
        nearest[dirty], similarity[dirty] = found, found_similarity
        living = np.flatnonzero(alive)
        partner = nearest[living]
        reciprocal = (
            (partner > living)
            & (nearest[np.maximum(partner, 0)] == living)
            & (1.0 - similarity[living] < threshold)
        )
        keep, gone = living[reciprocal], partner[reciprocal]
        if not len(keep):
            break
        sums[keep] += sums[gone]
        sizes[keep] += sizes[gone]
        alive[gone] = False
        parent[gone] = keep
        merged = np.zeros(count, dtype=bool)
        merged[keep] = merged[gone] = True
        stale = alive & (merged[np.maximum(nearest, 0)] | merged)
        dirty = np.flatnonzero(stale)
    roots = parent.copy()
    while not np.array_equal(roots[roots], roots):  # pointer jumping to each root
        roots = roots[roots]
    return renumber(roots)


def renumber(labels: np.ndarray) -> np.ndarray:
    """The same partition numbered 0, 1, … in order of first appearance."""
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return np.asarray(order[inverse.reshape(-1)], dtype=np.int64)


def cluster(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """A group label for each of ``vectors`` (L2-normalised rows): questions whose groups'
    mean cosine distance stays under ``threshold`` share a label. A vector without direction
    (no known word in the question) is a group of its own."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    empty = np.linalg.norm(vectors, axis=1) < EMPTY_NORM if len(vectors) else np.zeros(0, bool)
    if empty.any():
        labels = np.empty(len(vectors), dtype=np.int64)
        inner = cluster(vectors[~empty], threshold)
        labels[~empty] = inner
        labels[empty] = (int(inner.max()) + 1 if len(inner) else 0) + np.arange(empty.sum())
        return renumber(labels)
    if len(vectors) <= EXACT_MAX_QUESTIONS:
        return renumber(_exact(vectors, threshold))
    labels = np.empty(len(vectors), dtype=np.int64)
    sums: list[np.ndarray] = []
    sizes: list[int] = []
    for rows in _cells(vectors):
        local = _exact(vectors[rows], threshold)
        for label in range(int(local.max()) + 1):
            members = rows[local == label]
            labels[members] = len(sizes)
            sums.append(vectors[members].sum(axis=0))
            sizes.append(len(members))
    final = merge_groups(np.vstack(sums), np.asarray(sizes), threshold)
    return renumber(final[labels])
