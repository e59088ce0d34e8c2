import json
import shutil
from pathlib import Path

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.index import (
    CLASSIFIER_FILE,
    DENSE_FILE,
    LEXICAL_FILE,
    MANIFEST_FILE,
    UNITS_FILE,
    KnowledgeIndexError,
    build_index,
    is_stale,
    load_index,
)


def test_build_index_writes_manifest(fresh: KnowledgeBaseSettings) -> None:
    manifest = json.loads((fresh.index_dir / MANIFEST_FILE).read_text())
    assert manifest["embedder"] == fresh.embedder
    assert manifest["dimension"] == 256 and manifest["units"] == 11
    assert set(manifest["files"]) == {DENSE_FILE, UNITS_FILE, LEXICAL_FILE, CLASSIFIER_FILE}
    assert manifest["classifier"]["texts"] > manifest["units"]
    assert manifest["versions"]["faiss-cpu"] != "absent" and manifest["built_at"]
    loaded = load_index(fresh)
    assert loaded.dense.ntotal == manifest["count"] == len(loaded.row_units)


def test_load_index_corrupt_faiss_names_file(fresh: KnowledgeBaseSettings) -> None:
    path = fresh.index_dir / DENSE_FILE
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(KnowledgeIndexError, match=r"dense\.faiss.*make index"):
        load_index(fresh)


def test_load_index_truncated_units_names_file(fresh: KnowledgeBaseSettings) -> None:
    path = fresh.index_dir / UNITS_FILE
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(KnowledgeIndexError, match=r"units\.jsonl.*tronqué"):
        load_index(fresh)


def test_load_index_replaced_classifier_names_file(
    fresh: KnowledgeBaseSettings, tmp_path: Path, embedder
) -> None:
    # A well-formed classifier of another build (other content) is caught by the checksum.
    other = tmp_path / "other"
    shutil.copytree(fresh.content_dir, other)
    (other / "faq" / "comptes.yml").write_text(
        (other / "faq" / "comptes.yml").read_text(encoding="utf-8").replace("mdp perdu", "mdp"),
        encoding="utf-8",
    )
    other_settings = fresh.model_copy(
        update={"content_dir": other, "index_dir": tmp_path / "other-index"}
    )
    build_index(other_settings, embedder)
    shutil.copyfile(other_settings.index_dir / CLASSIFIER_FILE, fresh.index_dir / CLASSIFIER_FILE)
    with pytest.raises(KnowledgeIndexError, match=CLASSIFIER_FILE):
        load_index(fresh)


def test_load_index_mismatched_embedder(fresh: KnowledgeBaseSettings) -> None:
    other = fresh.model_copy(update={"embedder": "another-model"})
    with pytest.raises(KnowledgeIndexError, match=r"manifest\.json.*another-model"):
        load_index(other)


def test_load_index_missing_index(tmp_path: Path, settings_factory) -> None:
    settings = settings_factory(tmp_path / "nothing")
    with pytest.raises(KnowledgeIndexError, match=r"manifest\.json.*make index"):
        load_index(settings)
    assert is_stale(settings)


def test_is_stale_after_faq_change(fresh: KnowledgeBaseSettings) -> None:
    assert not is_stale(fresh)
    faq = fresh.content_dir / "faq" / "comptes.yml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("tarif abonnement", "prix"))
    assert is_stale(fresh)


def test_is_stale_when_embedder_retrained(tmp_path: Path, fixture_content: Path, embedder) -> None:
    from knowledge_base.finetune import TRAINING_MANIFEST, training_fingerprint

    model = tmp_path / "model"
    model.mkdir()
    (model / "modules.json").write_text("[]")
    fingerprint = training_fingerprint(fixture_content)
    (model / TRAINING_MANIFEST).write_text(json.dumps({"fingerprint": fingerprint}))
    settings = KnowledgeBaseSettings(
        content_dir=fixture_content, index_dir=tmp_path / "index", embedder=str(model)
    )
    embedder.name = str(model)
    try:
        manifest = build_index(settings, embedder)
    finally:
        embedder.name = "test-hashing-embedder"
    assert manifest["embedder_training"] == fingerprint
    assert not is_stale(settings)
    (model / TRAINING_MANIFEST).write_text(json.dumps({"fingerprint": "another"}))
    assert is_stale(settings)  # the embedder was re-trained (or must be)
