"""The trimmed spaCy pipeline of ``knowledge_base.text`` gives the full pipeline's lemmas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge_base.documents import build_units
from knowledge_base.lemma_tables import CompactLookup, read_tables, tables_path, write_tables
from knowledge_base.text import (
    SPACY_EXCLUDE,
    SPACY_MODEL,
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

    data = {"été": ["être"], "avoirs": ["avoir"], "mangé": ["manger"], "eu": ["avoir", "eu"]}
    table = Table.from_dict(data)
    compact = CompactLookup.from_items(table.items())
    for key in [*data, "absent", ""]:
        assert compact.get(key, ["défaut"]) == table.get(key, ["défaut"])
        assert (key in compact) == (key in table)
        assert compact.get(get_string_id(key)) == table.get(get_string_id(key))
    assert compact["eu"] == ["avoir", "eu"] and len(compact) == 4
    compact["été"].append("changé")  # a reader's change does not reach the table
    assert compact["été"] == ["être"]
    with pytest.raises(KeyError):
        compact["absent"]


def test_compact_lookup_refuses_a_lemma_holding_a_separator() -> None:
    with pytest.raises(ValueError, match="separator"):
        CompactLookup.from_items([(1, ["a\x1fb"])])


def test_lemma_tables_file_round_trip_gives_the_model_tables(tmp_path: Path) -> None:
    """The file written from the shipped tables reads back to the same lemmas and sets,
    table by table."""
    from knowledge_base.text import import_spacy

    nlp = import_spacy().load(SPACY_MODEL, exclude=list(SPACY_EXCLUDE))
    shipped = nlp.get_pipe("lemmatizer").lookups
    path = tmp_path / "lemmas.npz"
    write_tables(nlp, path)
    read = read_tables(path)
    lookup = shipped.get_table("lemma_lookup")
    for key, value in list(lookup.items())[::997]:
        assert read.get_table("lemma_lookup").get(key) == value
    for pos, forms in shipped.get_table("lemma_exc").items():
        compact = read.get_table("lemma_exc").get(pos)
        assert len(compact) == len(forms)
        for form, value in list(forms.items())[::97]:
            assert compact.get(form) == value
    for pos, words in shipped.get_table("lemma_index").items():
        assert read.get_table("lemma_index").get(pos) == frozenset(words)
    assert dict(read.get_table("lemma_rules").items()) == dict(
        shipped.get_table("lemma_rules").items()
    )


def test_lemma_tables_path_names_model_and_versions() -> None:
    from spacy.about import __version__ as spacy_version

    name = tables_path(SPACY_MODEL).name
    assert name.startswith(f"{SPACY_MODEL}-3.") and f"spacy{spacy_version}" in name


def test_ensure_tables_writes_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge_base import lemma_tables

    target = tmp_path / "sub" / "lemmas.npz"
    monkeypatch.setattr(lemma_tables, "tables_path", lambda model: target)
    assert lemma_tables.ensure_tables(SPACY_MODEL) == target
    assert target.exists() and oct(target.stat().st_mode & 0o777) == "0o644"
    assert len(read_tables(target).get_table("lemma_lookup")) > 200_000


def test_compact_rows_behaves_like_the_dict() -> None:
    from knowledge_base.lemma_tables import CompactRows

    key2row = {2**63 + 5: 3, 7: 0, 11: 3, 2**40: 1}
    keys = np.fromiter(key2row, dtype=np.uint64)
    rows = np.fromiter(key2row.values(), dtype=np.int64)
    compact = CompactRows(keys, rows)
    for key in [*key2row, 8, 0, 2**64 - 1]:
        assert compact.get(key, -1) == key2row.get(key, -1)
        assert (key in compact) == (key in key2row)
    assert compact[7] == 0 and len(compact) == 4 and "7" not in compact
    assert dict(compact.items()) == key2row and sorted(compact.keys()) == sorted(key2row)
    with pytest.raises(KeyError):
        compact[8]


def test_get_nlp_vectors_rows_compact_and_same_vectors() -> None:
    from knowledge_base.lemma_tables import CompactRows
    from knowledge_base.text import import_spacy

    vectors = get_nlp().vocab.vectors
    full = import_spacy().load(SPACY_MODEL, exclude=list(SPACY_EXCLUDE)).vocab.vectors
    assert isinstance(vectors.key2row, CompactRows) and len(vectors) == len(full)
    from spacy.strings import get_string_id

    found = 0
    for word in ["facture", "remboursement", "mairie", "payer", "zzqxj"]:
        key = get_string_id(word)
        assert (key in vectors) == (key in full)
        if key in full:
            found += 1
            assert np.array_equal(vectors[key], full[key])
    assert found == 4


def test_load_tables_writes_a_damaged_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge_base import lemma_tables

    target = tmp_path / "lemmas.npz"
    target.write_bytes(b"not a zip file")
    monkeypatch.setattr(lemma_tables, "tables_path", lambda model: target)
    lookups = lemma_tables.load_tables(SPACY_MODEL)
    assert len(lookups.get_table("lemma_lookup")) > 200_000
    assert lemma_tables.read_tables(target).has_table("lemma_index")
