"""Rollout questions through `POST /api/chat`, against the trained model and real servers:
the dev-set rollout questions, and a dialogue where the rollout form asks what is missing."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"
ASK_COMPANY = "Quelle est la catégorie de votre entreprise"
ASK_TURNOVER = "chiffre d'affaires annuel"
ASK_DEPARTEMENT = "Dans quel département se trouve le siège social"


def _sid() -> str:
    return f"e2e-rollout-{uuid.uuid4().hex}"


def _rollout_items() -> list[dict[str, Any]]:
    if not DEV_SET.exists():
        return []
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    return [item for item in items if item.get("kind") == "rollout"]


@pytest.mark.parametrize("item", _rollout_items(), ids=lambda item: item["id"])
def test_e2e_rollout_dev_question(stack: Stack, item: dict[str, Any]) -> None:
    text = stack.reply_text(_sid(), item["question"])
    assert any(re.search(p, text, re.IGNORECASE) for p in item["must_contain_any"]), text
    assert all(re.search(p, text, re.IGNORECASE) for p in item["must_contain_all"]), text


def test_e2e_rollout_form_asks_for_the_missing_figures(stack: Stack) -> None:
    sid = _sid()
    first = stack.reply_text(
        sid, "À partir de quand mon entreprise doit-elle émettre des factures électroniques ?"
    )
    assert ASK_COMPANY in first, first
    second = stack.reply_text(sid, "nous avons 80 salariés")
    assert ASK_TURNOVER in second, second
    response = stack.chat(sid, "12 M€")
    messages = response.json()["messages"]
    answer = "\n".join(m["text"] for m in messages)
    assert "1er janvier 2019" in answer and "PME" in answer, answer
    urls = [link["url"] for m in messages for link in m["links"]]
    assert "/docs/facturation-electronique#calendrier-2019" in urls, urls


def test_e2e_rollout_form_asks_for_the_departement_then_can_be_left(stack: Stack) -> None:
    sid = _sid()
    first = stack.reply_text(
        sid, "Est-ce que je peux déposer ma demande de remboursement TICGN sur ce portail ?"
    )
    assert ASK_DEPARTEMENT in first, first
    answer = stack.reply_text(sid, "le Calvados")
    assert answer.startswith("Oui"), answer
    again = stack.reply_text(sid, "quelle est la date d'obligation pour mon entreprise ?")
    assert ASK_COMPANY in again, again
    left = stack.reply_text(sid, "laisse tomber")
    assert "je laisse cette question de côté" in left, left
    after = stack.reply_text(sid, "Est-ce que le portail est payant ?").lower()
    assert "gratuit" in after, after
