"""The trimmed spaCy pipeline of ``knowledge_base.text`` gives the full pipeline's lemmas."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.documents import build_units
from knowledge_base.text import (
    SPACY_MODEL,
    CompactLookup,
    _doc_lemmas,
    _prepare,
    get_nlp,
    lemmas_batch,
)

QUESTIONS = [
    "J'ai oublié mon mdp, je fais comment ?",
    "Puis-je envoyer un avoir par le portail ?",
    "les avoirs de la mairie ne sont pas arrivés",
    "Qu'est-ce que le numéro SIRET et où le trouver ?",
    "Les pièces jointes dépassent 10 Mo : que faire ?",
    "Mes factures ont été rejetées hier par l'établissement public",
]


def test_get_nlp_lemmas_same_as_full_pipeline(fixture_content: Path) -> None:
    """Without the parser, the entity recogniser, the sentence splitter and the vocabulary's
    string table (``SPACY_EXCLUDE``), with the compact lemma tables, the lemmas are those of
    the pipeline as shipped."""
    import spacy

    full = spacy.load(SPACY_MODEL, disable=["parser", "ner"])
    texts = QUESTIONS + [t for u in build_units(fixture_content) for t in u.index_texts]
    expected = [_doc_lemmas(doc) for doc in full.pipe(_prepare(t) for t in texts)]
    assert lemmas_batch(texts) == expected
    assert "parser" not in get_nlp().component_names
    assert len(get_nlp().vocab.strings) < len(full.vocab.strings) // 10


def test_compact_lookup_behaves_like_the_table() -> None:
    from spacy.lookups import Table
    from spacy.strings import get_string_id

    data = {"été": ["être"], "avoirs": ["avoir"], "mangé": ["manger"], "eu": ["avoir"]}
    table = Table.from_dict(data)
    compact = CompactLookup(table.items())
    for key in [*data, "absent", ""]:
        assert compact.get(key, ["défaut"]) == table.get(key, ["défaut"])
        assert (key in compact) == (key in table)
        assert compact.get(get_string_id(key)) == table.get(get_string_id(key))
    assert compact["eu"] is compact["avoirs"] and len(compact) == 4  # values shared
    with pytest.raises(KeyError):
        compact["absent"]
