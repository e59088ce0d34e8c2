"""The grouping of :mod:`support_tickets.gaps_cluster` on real embeddings (the knowledge
base's embedder, built by ``make index``): the reciprocal-nearest-neighbour merging gives
scikit-learn's average-linkage groups, and a topic cut by the k-means cells is joined again."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import AgglomerativeClustering

from knowledge_base.content import load_paraphrases
from support_tickets import gaps_cluster
from support_tickets.gaps import GAP_DISTANCE
from support_tickets.gaps_cluster import cluster, merge_groups, renumber
from support_tickets.gaps_index import get_knowledge_index
from tests.support_tickets import gaps_data as data


def _paraphrase_vectors(count: int) -> np.ndarray:
    """The first ``count`` wordings of the knowledge base's paraphrases, embedded."""
    texts = [text for wordings in load_paraphrases().values() for text in wordings][:count]
    return get_knowledge_index().embedder().encode(texts)


def test_merge_groups_from_single_questions_gives_sklearn_average_linkage() -> None:
    vectors = _paraphrase_vectors(400)
    expected = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=GAP_DISTANCE
    ).fit_predict(vectors)
    merged = merge_groups(vectors, np.ones(len(vectors)), GAP_DISTANCE)
    assert 20 < merged.max() + 1 < 350  # a real mix of groups and single questions
    assert np.array_equal(merged, renumber(expected))


def test_cluster_joins_a_topic_cut_by_the_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gaps_cluster, "EXACT_MAX_QUESTIONS", 40)
    monkeypatch.setattr(gaps_cluster, "CELL_QUESTIONS", 20)
    texts = data.TOPIC + data.noise()
    vectors = get_knowledge_index().embedder().encode(texts)
    labels = cluster(vectors, GAP_DISTANCE)
    topic_cells = [cell for cell in gaps_cluster._cells(vectors) if cell.min() < len(data.TOPIC)]
    assert len(topic_cells) > 1  # the cells cut the topic: the merge joins it again
    topic = labels[: len(data.TOPIC)]
    assert set(topic) == {topic[0]}
    assert int(np.sum(labels == topic[0])) == len(data.TOPIC)


def test_cluster_few_questions_is_exact() -> None:
    vectors = _paraphrase_vectors(300)
    expected = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=GAP_DISTANCE
    ).fit_predict(vectors)
    assert np.array_equal(cluster(vectors, GAP_DISTANCE), renumber(expected))
    assert cluster(vectors[:1], GAP_DISTANCE).tolist() == [0]


def test_cluster_keeps_questions_without_known_word_apart() -> None:
    texts = ["le la les", *data.TOPIC[:5], "de du des", "zzqxw"]
    vectors = get_knowledge_index().embedder().encode(texts)
    assert float(np.linalg.norm(vectors[0])) == 0.0  # stop words only: no direction
    labels = cluster(vectors, GAP_DISTANCE)
    assert len(set(labels[1:6])) == 1
    assert len({labels[0], labels[6], labels[7], labels[1]}) == 4
