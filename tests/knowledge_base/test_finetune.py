"""Fine-tuning of the static embedder: pairs, batches, staleness, and a tiny real training."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.documents import Unit, build_units
from knowledge_base.finetune import (
    TRAINING_MANIFEST,
    _batches,
    embedder_needs_build,
    fine_tune,
    pairs_hash,
    training_fingerprint,
    training_pairs,
)
from tests.knowledge_base.tiny_static_model import tiny_static_model


def _faq(uid: str, question: str, variants: tuple[str, ...], answer: str) -> Unit:
    return Unit(
        id=uid, kind="faq", title=question, answer=answer, match_texts=(question, *variants)
    )


def test_training_pairs_from_faq_and_sections(fixture_content: Path) -> None:
    units = build_units(fixture_content)
    pairs = training_pairs(units)
    faq = next(u for u in units if u.id == "comptes-mot-de-passe-oublie")
    mine = [(p.anchor, p.positive) for p in pairs if p.unit_id == faq.id]
    assert ("mdp perdu", faq.match_texts[0]) in mine
    assert ("mdp perdu", faq.answer) in mine and (faq.match_texts[0], faq.answer) in mine
    assert any(p.unit_id.startswith("comptes#") for p in pairs)
    assert all(p.anchor != p.positive and p.anchor.strip() for p in pairs)


def test_training_pairs_from_paraphrases(fixture_content: Path) -> None:
    units = {u.id: u for u in build_units(fixture_content)}
    faq = dataclasses.replace(units["comptes-mot-de-passe-oublie"], paraphrases=("code perdu",))
    section = dataclasses.replace(units["comptes#acces"], paraphrases=("site payant ?",))
    pairs = {(p.unit_id, p.anchor, p.positive) for p in training_pairs([faq, section])}
    assert (faq.id, "code perdu", faq.match_texts[0]) in pairs
    assert (faq.id, "code perdu", faq.answer) in pairs
    assert (section.id, "site payant ?", section.match_texts[0]) in pairs  # the title
    assert (section.id, "site payant ?", section.match_texts[1]) in pairs  # first window


def test_batches_never_repeat_a_unit() -> None:
    units = [
        _faq(f"u{i}", f"question {i}", (f"a{i}", f"b{i}", f"c{i}"), f"r{i}") for i in range(40)
    ]
    pairs = training_pairs(units)
    batches = _batches(pairs, random.Random(1))
    assert all(len({p.unit_id for p in b}) == len(b) for b in batches)
    assert sum(len(b) for b in batches) == len(pairs)


def test_pairs_hash_changes_with_content() -> None:
    one = training_pairs([_faq("a", "q", ("v1", "v2"), "r")])
    two = training_pairs([_faq("a", "q", ("v1", "v3"), "r")])
    assert pairs_hash(one) == pairs_hash(list(one)) != pairs_hash(two)


def test_embedder_needs_build(tmp_path: Path, fixture_content: Path) -> None:
    default = tmp_path / "model"
    assert embedder_needs_build(str(default), fixture_content, default)  # missing
    assert not embedder_needs_build("some/other-model", fixture_content, default)
    default.mkdir()
    (default / "modules.json").write_text("[]")
    assert embedder_needs_build(str(default), fixture_content, default)  # never trained
    manifest = {"fingerprint": training_fingerprint(fixture_content)}
    (default / TRAINING_MANIFEST).write_text(json.dumps(manifest))
    assert not embedder_needs_build(str(default), fixture_content, default)
    content = tmp_path / "content"
    shutil.copytree(fixture_content, content)
    faq = content / "faq" / "comptes.yml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("mdp perdu", "mdp égaré"))
    assert embedder_needs_build(str(default), content, default)  # content changed


def test_fine_tune_learns_and_keeps_stop_words_zero(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    topics = ["passe", "siret", "gratuit", "tablette", "gazole", "horaire", "avoir", "juge"]
    words = ["le", *topics, *(f"{t}x" for t in topics), *(f"{t}y" for t in topics)]
    tiny_static_model(tmp_path / "m", words, dim=16, zero_unknown=True)
    units = [_faq(f"u-{t}", f"le {t}", (f"{t}x", f"le {t}y"), f"{t} {t}x") for t in topics]
    report = fine_tune(tmp_path / "m", units, epochs=15)
    assert report["steps"] > 0 and report["last_loss"] < report["first_loss"]
    model = SentenceTransformer(str(tmp_path / "m"), device="cpu")
    weight = model[0].embedding.weight.detach().numpy()
    assert np.all(weight[0] == 0.0)  # « le » stays a zero row
    vectors = model.encode([f"{t}x" for t in topics] + [f"le {t}" for t in topics])
    sims = vectors[: len(topics)] @ vectors[len(topics) :].T
    assert (sims.argmax(axis=1) == np.arange(len(topics))).mean() == pytest.approx(1.0)


def test_fine_tune_seed_same_seed_same_model_other_seed_other_model(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    topics = ["passe", "siret", "gratuit", "tablette", "gazole", "horaire"]
    words = ["le", *topics, *(f"{t}x" for t in topics)]
    units = [_faq(f"u-{t}", f"le {t}", (f"{t}x",), f"{t} {t}x") for t in topics]
    weights = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        tiny_static_model(tmp_path / name, words, dim=16, zero_unknown=True)
        fine_tune(tmp_path / name, units, epochs=3, seed=seed)
        model = SentenceTransformer(str(tmp_path / name), device="cpu")
        weights[name] = model[0].embedding.weight.detach().numpy()
    assert np.array_equal(weights["a"], weights["b"])
    assert not np.array_equal(weights["a"], weights["c"])
