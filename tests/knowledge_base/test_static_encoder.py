"""The numpy static encoder gives sentence-transformers' vectors, and runtime stays torch-free."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.config import DEFAULT_EMBEDDER_DIR, REPO_DIR
from knowledge_base.documents import build_units
from knowledge_base.embedder import SentenceTransformerEmbedder, load_embedder
from knowledge_base.static_encoder import StaticEncoder, is_static_model, load_static_encoder
from tests.knowledge_base.tiny_static_model import tiny_static_model

TOLERANCE = 1e-5
TINY_WORDS = [
    "le", "la", "mot", "passe", "facture", "ete", "eleve", "etat", "avancement", "piece",
    "jointe", "portail", "siret", "coeur", "oeuvre", "avoir", "123", "2026", "e", "a",
]  # fmt: skip
FIXED_TEXTS = [
    "",
    " ",
    "  \n\t ",
    "?!…",
    "« » — ; : ,",
    "🙂",
    "mdp oublié",
    "MDP ?",
    "pj trop lourde, svp",
    "ÉLÈVE Été ÇA",
    "l'état d'avancement",
    "Œuvre cœur",
    "123 456,78 €",
    "xqzw blorf",
    "le la le",
    "facture",
    "facture " * 400,
]


def _tiny_model(path: Path, words: list[str] = TINY_WORDS) -> Path:
    return tiny_static_model(path, words, dim=24, zero_unknown=False)


def _varied_texts(words: list[str], n: int = 300, seed: int = 17) -> list[str]:
    """Known words in several spellings, unknown words, punctuation, some long texts."""
    rng = random.Random(seed)
    spellings = [str.upper, str.title, lambda w: w.replace("e", "é"), lambda w: w]
    extras = ["zorglub", "Ñandú", "qu'il", "l'", "…", "!!", "(", ")", "mdp", "pj", "-", "42"]
    texts = list(FIXED_TEXTS)
    while len(texts) < n:
        long_text = rng.random() < 0.1
        length = rng.randint(200, 600) if long_text else rng.choice([1, 2, 3, 5, 8, 13, 21])
        picked = [
            rng.choice(spellings)(rng.choice(words)) if rng.random() < 0.7 else rng.choice(extras)
            for _ in range(length)
        ]
        texts.append(rng.choice([" ", ", ", " - ", "\n"]).join(picked))
    return texts


def _sentence_transformers_pool(path: Path, texts: list[str]) -> np.ndarray:
    """The StaticEmbedding module's output alone (before Normalize), from sentence-transformers."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu")
    pooled = SentenceTransformer(modules=[model[0]], device="cpu")
    out = pooled.encode(texts, normalize_embeddings=False, convert_to_numpy=True)
    return np.asarray(out, dtype=np.float32)


def _assert_same_as_sentence_transformers(path: Path, texts: list[str]) -> None:
    encoder = load_static_encoder(str(path))
    assert isinstance(encoder, StaticEncoder)
    reference = SentenceTransformerEmbedder(str(path))
    assert encoder.dimension == reference.dimension
    mine, theirs = encoder.encode(texts), reference.encode(texts)
    assert mine.dtype == np.float32 and mine.shape == theirs.shape
    assert mine.shape == (len(texts), encoder.dimension)
    assert float(np.abs(mine - theirs).max()) <= TOLERANCE
    pooled = _sentence_transformers_pool(path, texts)
    assert float(np.abs(encoder.pool(texts) - pooled).max()) <= TOLERANCE


def test_static_encoder_matches_sentence_transformers_on_tiny_model(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path / "tiny")
    texts = _varied_texts(TINY_WORDS)
    _assert_same_as_sentence_transformers(path, texts)
    vectors = load_static_encoder(str(path)).encode(texts)  # type: ignore[union-attr]
    norms = np.linalg.norm(vectors, axis=1)
    assert np.all(norms[:3] == 0.0)  # no token at all: the zero vector, as torch gives it
    assert np.allclose(norms[norms > 0], 1.0, atol=TOLERANCE) and (norms > 0).sum() > 250


@pytest.mark.skipif(
    not is_static_model(DEFAULT_EMBEDDER_DIR), reason="default embedder not built (make index)"
)
def test_static_encoder_matches_sentence_transformers_on_default_model(
    fixture_content: Path,
) -> None:
    vocabulary = json.loads((DEFAULT_EMBEDDER_DIR / "tokenizer.json").read_text("utf-8"))
    words = sorted(vocabulary["model"]["vocab"])
    sample = random.Random(3).sample(words, 3000)
    units = build_units(fixture_content)
    texts = _varied_texts(sample, n=400) + [t for u in units for t in u.index_texts][:200]
    _assert_same_as_sentence_transformers(DEFAULT_EMBEDDER_DIR, texts)


def test_static_encoder_only_for_static_and_normalize(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path / "tiny")
    assert isinstance(load_embedder(str(path)), StaticEncoder)
    modules = json.loads((path / "modules.json").read_text())
    (path / "modules.json").write_text(json.dumps(modules[:1]))  # no Normalize
    assert not is_static_model(path) and load_static_encoder(str(path)) is None
    load_embedder.cache_clear()  # one model per path and process
    assert isinstance(load_embedder(str(path)), SentenceTransformerEmbedder)
    (path / "modules.json").write_text(json.dumps(modules))
    config = json.loads((path / "config_sentence_transformers.json").read_text())
    config.update(prompts={"query": "query: "}, default_prompt_name="query")
    (path / "config_sentence_transformers.json").write_text(json.dumps(config))
    assert not is_static_model(path)  # a default prompt: sentence-transformers prepends it
    assert not is_static_model(tmp_path / "absent")


def test_static_encoder_unaffected_by_rewritten_model(tmp_path: Path) -> None:
    """Fine-tuning rewrites ``model.safetensors`` in place: an encoder already loaded keeps
    its vectors (and does not crash on a shorter file)."""
    path = _tiny_model(tmp_path / "tiny")
    encoder = load_static_encoder(str(path))
    assert encoder is not None
    texts = _varied_texts(TINY_WORDS, n=50)
    before = encoder.encode(texts)
    with (path / "model.safetensors").open("r+b") as weights:
        weights.truncate(200)  # what the rewrite does first
    _tiny_model(tmp_path / "other", [*reversed(TINY_WORDS)])
    (path / "model.safetensors").write_bytes(
        (tmp_path / "other" / "model.safetensors").read_bytes()
    )
    assert np.array_equal(encoder.encode(texts), before)


RUNTIME_SCRIPT = """
import shutil
import sys
from pathlib import Path
from knowledge_base.embedder import load_embedder
from knowledge_base.index import build_index
from knowledge_base.index_update import update_index
from knowledge_base.live import LiveKnowledgeBase
from tests.knowledge_base.conftest import FIXTURE_CONTENT, make_settings
model, work = sys.argv[1], Path(sys.argv[2])
content = work / "content"
shutil.copytree(FIXTURE_CONTENT, content)
settings = make_settings(work / "index", content).model_copy(update={"embedder": model})
build_index(settings, load_embedder(model))
live = LiveKnowledgeBase(settings, update=False)
hits = live.get().search("mot de passe oublié")
live.stop()
faq = content / "faq" / "comptes.yml"
faq.write_text(faq.read_text(encoding="utf-8").replace("mdp perdu", "mdp égaré"))
report = update_index(settings, load_embedder(model))
assert report.changed or report.added, report
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "sentence_transformers"})
import torch  # still importable afterwards (building the embedder needs it)
print(len(hits), heavy)
"""


def test_static_encoder_runtime_never_imports_torch(tmp_path: Path) -> None:
    """Encoding, lemmatising, building, serving and updating an index with the static model
    (what the action server, the web app and the live update do) import neither torch nor
    sentence-transformers."""
    path = _tiny_model(tmp_path / "tiny")
    result = subprocess.run(
        [sys.executable, "-c", RUNTIME_SCRIPT, str(path), str(tmp_path / "work")],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    count, heavy = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert int(count) > 0 and heavy == "[]"
