"""The static embedder in numpy: same vectors as sentence-transformers, without torch.

A sentence-transformers folder made of a ``StaticEmbedding`` (``tokenizer.json`` and the
``embedding.weight`` matrix in ``model.safetensors``) followed by ``Normalize`` (what
:func:`knowledge_base.embedder.build_static_model` saves and ``finetune.py`` rewrites) is
encoded here with ``tokenizers`` and numpy only, as sentence-transformers does:

- the tokenizer without padding, ``encode_batch(texts, add_special_tokens=False)``; unknown
  words get the unknown token's id, and its row counts like any other;
- the mean of the token rows (``torch.nn.EmbeddingBag``'s default ``mode="mean"``); a text
  without any token (empty, or only characters the tokeniser drops) gives the zero vector;
- L2 normalisation as ``torch.nn.functional.normalize`` (norm floored at
  :data:`NORM_EPSILON`, so a zero vector stays zero).

The matrix stays in a private temporary file and only the rows of the text at hand are
read (:class:`RowFile`).

Importing torch and sentence-transformers costs a process about 380 MB (``BENCHMARKS.md``,
issue 17); the action server, the web app and the live index update only encode. Any other
folder or model name is not ours to read: :func:`load_static_encoder` returns ``None`` and
the caller falls back to sentence-transformers.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import tempfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from knowledge_base.text import expand_abbreviations

logger = logging.getLogger("knowledge_base.static_encoder")

MODULES_FILE = "modules.json"
CONFIG_FILE = "config_sentence_transformers.json"
TOKENIZER_FILE = "tokenizer.json"
WEIGHTS_FILE = "model.safetensors"
WEIGHT_KEY = "embedding.weight"
STATIC_TYPE_SUFFIX = ".StaticEmbedding"
NORMALIZE_TYPE_SUFFIX = ".Normalize"
COPY_CHUNK_BYTES = 1 << 20
# torch.nn.functional.normalize's default ``eps``: the norm is floored at it.
NORM_EPSILON = 1e-12


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _no_default_prompt(folder: Path) -> bool:
    """``encode`` without a prompt name prepends nothing (no default prompt, or an empty one)."""
    config = _read_json(folder / CONFIG_FILE)
    if not isinstance(config, dict):
        return not (folder / CONFIG_FILE).exists()  # none saved: no prompt
    name = config.get("default_prompt_name")
    prompts = config.get("prompts") or {}
    return not name or not (isinstance(prompts, dict) and prompts.get(name))


def is_static_model(folder: Path) -> bool:
    """Whether ``folder`` is a saved sentence-transformers model made of exactly a
    ``StaticEmbedding`` at its root and a ``Normalize``, with its tokenizer and weights."""
    modules = _read_json(folder / MODULES_FILE)
    if not isinstance(modules, list) or len(modules) != 2:
        return False
    first, second = (m if isinstance(m, dict) else {} for m in modules)
    return (
        str(first.get("type", "")).endswith(STATIC_TYPE_SUFFIX)
        and first.get("path") == ""
        and str(second.get("type", "")).endswith(NORMALIZE_TYPE_SUFFIX)
        and (folder / TOKENIZER_FILE).is_file()
        and (folder / WEIGHTS_FILE).is_file()
        and _no_default_prompt(folder)
    )


def _weights_entry(header: Any) -> tuple[int, int, int, int] | None:
    """(rows, columns, first byte, last byte) of the float32 matrix in a safetensors header."""
    entry = header.get(WEIGHT_KEY) if isinstance(header, dict) else None
    if not isinstance(entry, dict) or entry.get("dtype") != "F32":
        return None
    shape, offsets = entry.get("shape"), entry.get("data_offsets")
    if not (isinstance(shape, list) and len(shape) == 2 and isinstance(offsets, list)):
        return None
    rows, columns = int(shape[0]), int(shape[1])
    begin, end = int(offsets[0]), int(offsets[1])
    return (rows, columns, begin, end) if end - begin == rows * columns * 4 else None


class RowFile:
    """A read-only float32 matrix in a private, unnamed temporary file, whose rows are read
    on demand (``os.pread``, thread-safe): only the rows of the text at hand are in memory.

    Not a memory map: the kernel maps the pages around each page read (fault-around), so
    after a few hundred questions the whole 75 MB matrix was resident again (issue 17).
    """

    def __init__(self, handle: IO[bytes], rows: int, columns: int, offset: int = 0) -> None:
        self._handle = handle
        self.shape = (rows, columns)
        self._row_bytes = columns * 4
        self._offset = offset

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        """The rows ``ids`` (in that order, repeats included), as ``matrix[ids]``."""
        unique, inverse = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)
        block = np.empty((len(unique), self.shape[1]), dtype=np.float32)
        fd = self._handle.fileno()
        for j, row in enumerate(unique.tolist()):
            at = self._offset + row * self._row_bytes
            data = os.pread(fd, self._row_bytes, at) if row >= 0 else b""
            if len(data) != self._row_bytes:
                raise IndexError(f"row {row} out of {self.shape[0]}")
            block[j] = np.frombuffer(data, dtype="<f4")
        return block[inverse]


def _read_weights(path: Path) -> RowFile | None:
    """The embedding matrix, copied to a :class:`RowFile` (``None``: not the expected tensor).

    A private copy, because fine-tuning rewrites the model's file in place, which must
    neither change nor break an encoder already loaded; the copy has no name and goes with
    the encoder.
    """
    with path.open("rb") as source:
        (header_size,) = struct.unpack("<Q", source.read(8))
        entry = _weights_entry(json.loads(source.read(header_size)))
        if entry is None:
            return None
        rows, columns, begin, end = entry
        source.seek(8 + header_size + begin)
        # Kept open by the RowFile, closed (and freed) with it.
        private = tempfile.TemporaryFile(prefix="static-embedder-")  # noqa: SIM115
        remaining = end - begin
        while remaining > 0:
            chunk = source.read(min(COPY_CHUNK_BYTES, remaining))
            if not chunk:
                private.close()
                return None  # truncated file
            private.write(chunk)
            remaining -= len(chunk)
        private.flush()
        return RowFile(private, rows, columns)


class StaticEncoder:
    """A saved static embedder read with ``tokenizers`` and numpy (see the module docstring)."""

    def __init__(self, name: str, tokenizer: Any, weights: RowFile | np.ndarray) -> None:
        self.name = name
        self._tokenizer = tokenizer
        self._weights = weights
        self.dimension = int(weights.shape[1])

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids, as ``StaticEmbedding.preprocess`` gets them."""
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        return [list(encoding.ids) for encoding in encodings]

    def pool(self, texts: list[str]) -> np.ndarray:
        """The mean of each text's token rows (zero without tokens), not normalised:
        ``StaticEmbedding``'s output."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, ids in enumerate(self.token_ids(texts)):
            if ids:
                out[row] = self._weights[np.asarray(ids, dtype=np.int64)].mean(axis=0)
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors of ``texts`` (abbreviations expanded first, as
        :class:`~knowledge_base.embedder.SentenceTransformerEmbedder` does)."""
        vectors = self.pool([expand_abbreviations(t) for t in texts])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, NORM_EPSILON), dtype=np.float32)


def load_static_encoder(model: str) -> StaticEncoder | None:
    """The numpy encoder of the folder ``model``, or ``None`` when it is not a static model
    this module reads exactly (another architecture, a model name, other weights)."""
    folder = Path(model)
    if not folder.is_dir() or not is_static_model(folder):
        return None
    from tokenizers import Tokenizer

    weights = _read_weights(folder / WEIGHTS_FILE)
    if weights is None:
        logger.info("static_encoder.fallback model=%s reason=weights", model)
        return None
    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    tokenizer.no_padding()
    if tokenizer.get_vocab_size() > weights.shape[0]:
        logger.info("static_encoder.fallback model=%s reason=vocabulary", model)
        return None
    return StaticEncoder(model, tokenizer, weights)
