"""Shared fixtures: a deterministic offline embedder and a small index built in tmp_path."""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.index import build_index
from knowledge_base.search import KnowledgeBase
from knowledge_base.text import simple_tokens

FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"


class HashingEmbedder:
    """Hashed bag of folded words: deterministic, no model, good enough for tests."""

    name = "test-hashing-embedder"
    dimension = 256

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in simple_tokens(text):
                out[i, zlib.crc32(word.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def make_settings(index_dir: Path, content_dir: Path = FIXTURE_CONTENT) -> KnowledgeBaseSettings:
    return KnowledgeBaseSettings(
        content_dir=content_dir,
        index_dir=index_dir,
        embedder=HashingEmbedder.name,
        dense_weight=0.3,
        classifier_weight=0.0,
        answer_min_score=0.45,
        answer_min_margin=0.05,
        clarify_min_score=0.2,
    )


@pytest.fixture(scope="session")
def fixture_content() -> Path:
    return FIXTURE_CONTENT


@pytest.fixture(scope="session")
def settings_factory() -> Callable[..., KnowledgeBaseSettings]:
    return make_settings


@pytest.fixture(scope="session")
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def built_settings(
    tmp_path_factory: pytest.TempPathFactory, embedder: HashingEmbedder
) -> KnowledgeBaseSettings:
    settings = make_settings(tmp_path_factory.mktemp("kb") / "index")
    build_index(settings, embedder)
    return settings


@pytest.fixture(scope="session")
def fixture_kb(built_settings: KnowledgeBaseSettings, embedder: HashingEmbedder) -> KnowledgeBase:
    return KnowledgeBase.load(built_settings, embedder=embedder)


@pytest.fixture()
def fresh(tmp_path: Path, embedder: HashingEmbedder) -> KnowledgeBaseSettings:
    """An index built from a writable copy of the fixture content (a test may change both)."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    settings = make_settings(tmp_path / "index", content)
    build_index(settings, embedder)
    return settings
