"""A tiny static sentence-transformers model like ours, for the tests of the static encoder
and of the fine-tuning: the folding tokenizer, ``StaticEmbedding`` with random rows, then
``Normalize``. « le » is a stop word (a zero row)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def tiny_static_model(path: Path, words: list[str], dim: int, zero_unknown: bool) -> Path:
    """Save the model at ``path`` (vocabulary ``words`` and the unknown token); the unknown
    token's row is random, so that unknown words count, unless ``zero_unknown``."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    vocab = {w: i for i, w in enumerate([*words, "[UNK]"])}
    tokenizer = Tokenizer(WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation()]
    )
    weights = np.random.default_rng(0).standard_normal((len(vocab), dim)).astype(np.float32)
    weights[vocab["le"]] = 0.0
    if zero_unknown:
        weights[vocab["[UNK]"]] = 0.0
    static = StaticEmbedding(tokenizer, embedding_weights=weights)
    SentenceTransformer(modules=[static, Normalize()], device="cpu").save(str(path))
    return path
