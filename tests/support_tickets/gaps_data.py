"""Seeded questions of the gaps tests: 50 abstained wordings of one topic (changing the
account's e-mail address, whose knowledge-base entry is ``comptes-modifier-adresse-electronique``)
among unrelated questions of other topics (one per topic of the retrieval evaluation set, and
the out-of-scope set), on a portal page of their own so that no other test's turn mixes in."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from support_tickets.pilotage import PilotageFilters

PARIS = ZoneInfo("Europe/Paris")
EVAL_DIR = Path(__file__).resolve().parents[2] / "knowledge_base" / "eval"
TOPIC_ENTRY = "comptes-modifier-adresse-electronique"
TOPIC_BASE = [
    "Comment changer l'adresse mail de mon compte ?",
    "je veux modifier mon adresse e-mail sur le portail",
    "changer mon email de connexion",
    "mon adresse mail a changé, comment la mettre à jour sur mon compte ?",
    "où modifier l'adresse électronique associée à mon compte",
    "j'ai une nouvelle adresse mail, comment la changer dans mon profil ?",
    "remplacer l'adresse email de mon compte par une autre",
    "est-ce que je peux changer l'e-mail de mon compte ?",
    "mise à jour de mon adresse mail sur mon compte",
    "comment mettre une autre adresse mail pour me connecter ?",
]
PREFIXES = ["", "Bonjour, ", "svp ", "Question : ", "Bonjour, svp "]
TOPIC = [prefix + base for base in TOPIC_BASE for prefix in PREFIXES]  # 50 wordings
ABSTAIN: list[dict[str, object]] = [{"decision": "abstain", "candidates": []}]
ANSWER: list[dict[str, object]] = [{"decision": "answer", "candidates": []}]


def noise() -> list[str]:
    """One question per other topic of the evaluation set, and the out-of-scope questions."""
    found: list[str] = []
    topics: set[str] = set()
    for line in (EVAL_DIR / "retrieval_set.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["topic"] in topics or record["topic"] in ("comptes", "securite-compte"):
            continue
        topics.add(record["topic"])
        found.append(record["question"])
    for line in (EVAL_DIR / "out_of_scope.jsonl").read_text(encoding="utf-8").splitlines():
        found.append(json.loads(line)["question"])
    # Unrelated means no other « adresse »: « Je veux changer l'adresse de ma carte grise »
    # sits at the threshold of the topic's « changer l'adresse mail », and which side it
    # falls depends on the embedder, re-fitted whenever the content changes.
    return [question for question in found if "adresse" not in question.lower()]


@dataclass(frozen=True)
class Seeded:
    page: str
    filters: PilotageFilters
    topic_ids: list[int]


def period(page: str) -> PilotageFilters:
    today = dt.datetime.now(PARIS).date()
    return PilotageFilters(today - dt.timedelta(days=10), today, page)


def add_turn(
    session: Session,
    page: str,
    text: str,
    *,
    kb: list[dict[str, object]] | None = None,
    at: dt.datetime | None = None,
    session_id: str | None = None,
    intent: str | None = "ask_question",
    feedback: str | None = None,
    outcome: str = "answered",
) -> ChatTurn:
    turn = ChatTurn(
        session_id=session_id or uuid.uuid4().hex,
        created_at=at or dt.datetime.now(dt.UTC) - dt.timedelta(days=5),
        user_text=text,
        replies=[],
        outcome=outcome,
        intent=intent,
        kb=kb,
        page=page,
        latency_ms=100.0,
        feedback=feedback,
    )
    session.add(turn)
    session.flush()
    return turn


def seed(session: Session) -> Seeded:
    """The 50 topic questions and the noise, all abstained, on a new page."""
    page = f"/lacunes-test-{uuid.uuid4().hex[:8]}"
    ids = [add_turn(session, page, text, kb=ABSTAIN).id for text in TOPIC]
    for text in noise():
        add_turn(session, page, text, kb=ABSTAIN)
    session.commit()
    return Seeded(page, period(page), ids)
