"""A knowledge-base search runs faiss on one OpenMP thread (issue 17: a team of threads per
question fought the other servers for the cores), whichever thread searches: OpenMP keeps
the setting per thread and the action server searches from a pool of threads."""

from __future__ import annotations

import threading

import faiss

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.search import FAISS_THREADS, KnowledgeBase
from tests.knowledge_base.conftest import HashingEmbedder


def test_search_threads_one_per_search_in_any_thread(
    built_settings: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    kb = KnowledgeBase.load(built_settings, embedder=embedder)
    seen: list[tuple[int, int]] = []

    def search_in_a_fresh_thread() -> None:
        faiss.omp_set_num_threads(4)  # what this thread would use left to itself
        hits = kb.search("mot de passe oublié")
        seen.append((faiss.omp_get_max_threads(), len(hits)))

    worker = threading.Thread(target=search_in_a_fresh_thread)
    worker.start()
    worker.join()
    assert FAISS_THREADS == 1
    assert seen[0][0] == 1 and seen[0][1] > 0
