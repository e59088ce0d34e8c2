"""Latency and scale benchmarks.

- :func:`search_latency`: p50 / p95 of a full ``KnowledgeBase.search`` (encode + faiss +
  BM25 + fusion), one query at a time, on our real index.
- :func:`synthetic_scale`: ``SYNTHETIC_ROWS`` synthetic normalised vectors of the
  embedder's dimension (low intrinsic dimension, like real embeddings): build time and
  memory of ``IndexFlatIP`` and ``IndexHNSWFlat``, one-query latency, and HNSW recall@10
  against exact search.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from knowledge_base.search import KnowledgeBase

SYNTHETIC_ROWS = 100_000
SYNTHETIC_QUERIES = 200
LATENT_DIMENSION = 24
NOISE = 0.5
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = (16, 64, 128)
SEED = 7


def _percentiles(samples: list[float]) -> dict[str, float]:
    values = np.asarray(samples) * 1000.0
    return {"p50_ms": float(np.percentile(values, 50)), "p95_ms": float(np.percentile(values, 95))}


def search_latency(kb: KnowledgeBase, queries: list[str], repeat: int = 2) -> dict[str, float]:
    """p50 / p95 (ms) of one search per query, after one warm-up query."""
    kb.search(queries[0])
    samples = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            kb.search(query)
            samples.append(time.perf_counter() - started)
    return {"queries": len(samples), **_percentiles(samples)}


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def _synthetic_vectors(dimension: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` data vectors and :data:`SYNTHETIC_QUERIES` query vectors, L2-normalised."""
    import faiss

    rng = np.random.default_rng(SEED)
    # Real sentence embeddings have a low intrinsic dimension: draw points in a
    # LATENT_DIMENSION-d space, map them linearly to ``dimension`` and add a little noise
    # (isotropic high-dimensional noise would make every neighbour a near tie).
    projection = rng.standard_normal((LATENT_DIMENSION, dimension)).astype(np.float32)

    def sample(n: int) -> np.ndarray:
        latent = rng.standard_normal((n, LATENT_DIMENSION)).astype(np.float32)
        points = latent @ projection + NOISE * rng.standard_normal((n, dimension)).astype(
            np.float32
        )
        faiss.normalize_L2(points)
        return points

    data = sample(rows)
    return data, sample(SYNTHETIC_QUERIES)


def _flat_run(data: np.ndarray, queries: np.ndarray, report: dict[str, Any]) -> list[set[int]]:
    """Build and query ``IndexFlatIP`` (figures into ``report``); the exact top 10 of each
    query."""
    import faiss

    rss = _rss_mb()
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(data.shape[1])
    flat.add(data)
    report["flat_build_s"] = time.perf_counter() - started
    report["flat_bytes_mb"] = len(faiss.serialize_index(flat)) / 2**20
    report["flat_rss_delta_mb"] = _rss_mb() - rss
    exact = []
    samples = []
    for q in queries:
        started = time.perf_counter()
        _, ids = flat.search(q[None, :], 10)
        samples.append(time.perf_counter() - started)
        exact.append(set(ids[0].tolist()))
    report["flat_latency"] = _percentiles(samples)
    return exact


def _hnsw_run(
    data: np.ndarray, queries: np.ndarray, exact: list[set[int]], report: dict[str, Any]
) -> None:
    """Build ``IndexHNSWFlat`` and query it at each ``HNSW_EF_SEARCH`` (figures and recall@10
    against ``exact`` into ``report``)."""
    import faiss

    rss = _rss_mb()
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(data.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    faiss.omp_set_num_threads(2)
    hnsw.add(data)
    faiss.omp_set_num_threads(1)
    report["hnsw_build_s"] = time.perf_counter() - started
    report["hnsw_bytes_mb"] = len(faiss.serialize_index(hnsw)) / 2**20
    report["hnsw_rss_delta_mb"] = _rss_mb() - rss
    report["hnsw"] = []
    for ef in HNSW_EF_SEARCH:
        hnsw.hnsw.efSearch = ef
        samples = []
        recall = 0.0
        for q, truth in zip(queries, exact, strict=True):
            started = time.perf_counter()
            _, ids = hnsw.search(q[None, :], 10)
            samples.append(time.perf_counter() - started)
            recall += len(truth & set(ids[0].tolist())) / 10.0
        report["hnsw"].append(
            {"ef_search": ef, "recall@10": recall / len(queries), **_percentiles(samples)}
        )


def synthetic_scale(dimension: int, rows: int = SYNTHETIC_ROWS) -> dict[str, Any]:
    """Flat vs HNSW on ``rows`` synthetic vectors (single-threaded, one query at a time)."""
    import faiss

    faiss.omp_set_num_threads(1)
    data, queries = _synthetic_vectors(dimension, rows)
    report: dict[str, Any] = {"rows": rows, "dimension": dimension}
    exact = _flat_run(data, queries, report)
    _hnsw_run(data, queries, exact, report)
    return report
