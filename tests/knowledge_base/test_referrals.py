"""Referrals to neighbouring public services: the file, the matching, and precision on every
in-scope wording we hold (no portal question may be sent elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from knowledge_base.referrals import (
    ReferralFileError,
    find_referral,
    get_referrals,
    load_referrals,
)
from storage.paths import REPO_ROOT

KB_DIR = REPO_ROOT / "knowledge_base"
# Near-domain questions of our own out-of-scope set that must be referred (a floor: the cues
# may learn more, never fewer).
MIN_OWN_OUT_OF_SCOPE_REFERRED = 10


def _in_scope_wordings() -> list[str]:
    """Every FAQ question and paraphrase of the knowledge base, and the in-scope questions
    of our own retrieval set."""
    texts: list[str] = []
    for path in sorted((KB_DIR / "faq").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            texts.append(str(entry["question"]))
            texts.extend(str(p) for p in entry.get("paraphrases") or [])
    for path in sorted((KB_DIR / "paraphrases").glob("*.yml")):
        for wordings in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).values():
            texts.extend(str(w) for w in wordings or [])
    for line in (KB_DIR / "eval" / "retrieval_set.jsonl").read_text("utf-8").splitlines():
        item = json.loads(line)
        if item.get("in_scope"):
            texts.append(str(item["question"]))
    return texts


def test_referrals_file_parses_with_sources_and_dates() -> None:
    referrals = get_referrals()
    assert {r.id for r in referrals} >= {"impots", "urssaf", "caf-france-travail"}
    assert all(r.sources and r.cues and r.url.startswith("https://") for r in referrals)


def test_referrals_no_in_scope_wording_is_referred() -> None:
    wordings = _in_scope_wordings()
    assert len(wordings) > 5000
    referred = [(w, r.id) for w in wordings if (r := find_referral(w)) is not None]
    assert referred == []


def test_referrals_own_near_domain_questions_are_referred() -> None:
    lines = (KB_DIR / "eval" / "out_of_scope.jsonl").read_text("utf-8").splitlines()
    lines += (KB_DIR / "eval" / "retrieval_set.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines]
    outside = [q["question"] for q in questions if not q.get("in_scope", False)]
    referred = [q for q in outside if find_referral(q) is not None]
    assert len(referred) >= MIN_OWN_OUT_OF_SCOPE_REFERRED


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("Comment obtenir un numéro de TVA intracommunautaire ?", "impots"),
        ("je n'ai pas reçu mon avis de CFE", "impots"),
        (
            "Sur quelle plateforme je dépose mon offre pour un marché de l'État ?",
            "marches-publics-passation",
        ),
        ("est-ce que je peux avoir le RSA à 23 ans", "caf-france-travail"),
    ],
)
def test_referrals_find_service(question: str, service: str) -> None:
    found = find_referral(question)
    assert found is not None and found.id == service


def test_referrals_portal_word_wins() -> None:
    assert find_referral("Je dépose mon offre puis ma facture sur Chorus Pro ?") is None
    assert find_referral("cotisations Urssaf sur mes mémoires d'expert") is None


def test_referrals_malformed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "referrals.yml"
    path.write_text("- id: x\n  subject: s\n", encoding="utf-8")
    with pytest.raises(ReferralFileError, match="entrée 1"):
        load_referrals(path)
