"""Incremental index updates (:mod:`knowledge_base.index_update`), the versions and their
pointer (:mod:`knowledge_base.index_versions`), and the live swap of the action server
(:mod:`knowledge_base.live`), on the fixture content copied to a temporary folder."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.index import build_index, is_stale, load_index
from knowledge_base.index_files import MANIFEST_FILE, KnowledgeIndexError
from knowledge_base.index_update import update_index
from knowledge_base.index_versions import (
    CURRENT_FILE,
    current_version_dir,
    mark_pending,
    update_pending,
)
from knowledge_base.live import LiveKnowledgeBase
from knowledge_base.search import Fusion, KnowledgeBase
from tests.knowledge_base.conftest import HashingEmbedder

NEW_ENTRY = """
- id: comptes-licorne-violette
  question: "Comment déclarer une licorne violette dans le bestiaire ?"
  variants:
    - "déclaration licorne violette bestiaire"
  answer: >-
    Ouvrez le menu « Bestiaire » puis cliquez sur « Ajouter une licorne violette ».
  source: comptes#acces
  sources: ["https://exemple.gouv.fr/licornes (fixture)"]
  checked: 2026-12-06
"""
NEW_QUESTION = "comment déclarer une licorne violette dans le bestiaire"


@pytest.fixture()
def built(
    tmp_path: Path,
    fixture_content: Path,
    settings_factory: Callable[..., KnowledgeBaseSettings],
    embedder: HashingEmbedder,
) -> KnowledgeBaseSettings:
    content = tmp_path / "content"
    shutil.copytree(fixture_content, content)
    # The classifier side weighs too, so that its incremental row is exercised.
    settings = settings_factory(tmp_path / "index", content).model_copy(
        update={"classifier_weight": 0.4}
    )
    build_index(settings, embedder)
    return settings


def add_entry(settings: KnowledgeBaseSettings) -> None:
    (settings.content_dir / "faq" / "publiees.yml").write_text(NEW_ENTRY, encoding="utf-8")


def test_update_index_added_entry_found(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    before = KnowledgeBase.load(built, embedder=embedder).search("mot de passe oublié")[0]
    add_entry(built)
    assert is_stale(built)
    report = update_index(built, embedder)
    assert report.added == ("comptes-licorne-violette",) and not report.changed
    assert not is_stale(built)
    kb = KnowledgeBase.load(built, embedder=embedder)
    fusions: tuple[Fusion, ...] = ("convex", "dense", "classifier", "bm25")
    for fusion in fusions:
        hits = kb.search(NEW_QUESTION, fusion=fusion)
        assert hits[0].unit.id == "comptes-licorne-violette", fusion
    assert kb.search("mot de passe oublié")[0].unit.id == before.unit.id  # others unmoved
    manifest = json.loads((current_version_dir(built.index_dir) / MANIFEST_FILE).read_text())
    assert manifest["incremental"]["added"] == ["comptes-licorne-violette"]


def test_update_index_changed_entry_new_text_only(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    path = built.content_dir / "faq" / "comptes.yml"
    text = path.read_text(encoding="utf-8")
    assert "pas de siret inscription" in text
    path.write_text(
        text.replace("pas de siret inscription", "entreprise étrangère immatriculation hors"),
        encoding="utf-8",
    )
    report = update_index(built, embedder)
    assert report.changed == ("comptes-sans-siret",) and not report.added
    index = load_index(built)
    rows = {t for u, t in zip(index.row_units, index.row_texts, strict=True)}
    assert "entreprise étrangère immatriculation hors" in rows
    assert "pas de siret inscription" not in rows
    kb = KnowledgeBase(index, embedder, built)
    best = kb.search("entreprise étrangère immatriculation hors", fusion="dense")[0]
    assert best.unit.id == "comptes-sans-siret"


def test_update_index_up_to_date_writes_nothing(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    report = update_index(built, embedder)
    assert report.version == "" and not (built.index_dir / CURRENT_FILE).exists()


def test_update_index_refuses_large_change(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("knowledge_base.index_update.MAX_INCREMENTAL_UNITS", 0)
    add_entry(built)
    with pytest.raises(KnowledgeIndexError, match="make index"):
        update_index(built, embedder)


def test_current_version_dir_full_build_supersedes_versions(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    add_entry(built)
    update_index(built, embedder)
    assert current_version_dir(built.index_dir) != built.index_dir
    build_index(built, embedder)  # the next release: a full build, published entry included
    assert current_version_dir(built.index_dir) == built.index_dir
    assert "comptes-licorne-violette" in {u.id for u in load_index(built).units}


def test_live_is_stale_only_without_pending_update(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    live = LiveKnowledgeBase(built, embedder, interval_s=3600, update=False)
    kb = live.get()
    add_entry(built)
    kb._stale = None  # forget the cached answer: check the content again
    assert live.is_stale(kb)
    mark_pending(built.index_dir)
    assert update_pending(built.index_dir) and not live.is_stale(kb)
    update_index(built, embedder)  # another process updates: a newer version waits
    assert not update_pending(built.index_dir) and kb.is_stale() and not live.is_stale(kb)
    live.stop()


def test_live_swaps_version_while_readers_search(
    built: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    live = LiveKnowledgeBase(built, embedder, interval_s=0.05)
    replica = LiveKnowledgeBase(built, embedder, interval_s=0.05, update=False)
    replica.get()
    expected = live.get().search("mot de passe oublié")[0].unit.id
    failures: list[str] = []
    counts = [0] * 8
    stop = threading.Event()

    def reader(slot: int) -> None:
        source = live if slot % 2 else replica  # the updater and another action server
        while not stop.is_set():
            try:
                hits = source.get().search("mot de passe oublié")
            except Exception as exc:  # a reader must never fail during the swap
                failures.append(repr(exc))
                return
            if not hits or hits[0].unit.id != expected:
                failures.append(f"mauvais résultat : {hits[:1]}")
            counts[slot] += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    mark_pending(built.index_dir)  # the publisher: announce, change the content, announce
    add_entry(built)
    mark_pending(built.index_dir)
    deadline = time.monotonic() + 120
    while (live.swaps == 0 or replica.swaps == 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # readers keep searching on the new version too
    stop.set()
    for thread in threads:
        thread.join()
    live.stop()
    replica.stop()
    assert live.swaps == 1 and replica.swaps == 1 and not failures and min(counts) > 0
    for serving in (live, replica):  # swapped in memory by the updater, loaded by the other
        assert serving.get().search(NEW_QUESTION)[0].unit.id == "comptes-licorne-violette"
    assert not update_pending(built.index_dir)
