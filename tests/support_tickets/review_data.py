"""Chat turns and reviews of the quality-review tests, and a fresh migrated database for the
tests that count what a draw takes (the shared test database holds the other tests' turns).
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from storage.db import make_engine
from storage.migrate import upgrade
from support_tickets.review_models import REASON_RANDOM, QualityReview

ENTRY = "faq-compte-creer"
SOURCE_TITLE = "Guide du compte — Créer un compte"
SOURCE_URL = "/docs/guide-compte#creer-un-compte"
ANSWER = "Cliquez sur « Créer un compte » en haut à droite du portail.\nSource : " + SOURCE_TITLE


def answer_record(margin: float | None = 0.5, entry: str = ENTRY) -> dict[str, Any]:
    """A retrieval answer's decision record, as :mod:`actions.knowledge` sends it."""
    return {
        "decision": "answer",
        "missing_fact": None,
        "best_score": 0.61,
        "margin": margin,
        "sides_agree": True,
        "thresholds": {"answer_min_score": 0.32, "answer_min_margin": 0.2},
        "candidates": [entry],
        "hits": [{"id": entry, "kind": "faq", "dense": 0.7, "lexical": 0.5, "fused": 0.61}],
    }


def make_turn(
    created: dt.datetime,
    *,
    margin: float | None = 0.5,
    feedback: str | None = None,
    kb: list[dict[str, Any]] | None = None,
    text: str = "Comment créer mon compte ?",
    outcome: str = "answered",
    page: str | None = None,
    session_id: str | None = None,
) -> ChatTurn:
    """A stored turn answered from the knowledge base (``kb`` replaces its records)."""
    return ChatTurn(
        session_id=session_id or f"relecture-{uuid.uuid4().hex}",
        created_at=created,
        user_text=text,
        replies=[
            {
                "text": ANSWER,
                "buttons": [],
                "links": [{"title": SOURCE_TITLE, "url": SOURCE_URL}],
                "kind": "knowledge_answer",
            },
            {"text": "Cette réponse vous a-t-elle aidé ?", "buttons": [], "links": []},
        ],
        outcome=outcome,
        intent="ask_question",
        intent_confidence=0.9,
        kb=[answer_record(margin)] if kb is None else kb,
        page=page,
        latency_ms=120.0,
        feedback=feedback,
    )


def make_review(
    answered_at: dt.datetime, verdict: str | None, page: str | None = None, **fields: Any
) -> QualityReview:
    """A review row as a draw and a verdict leave it (its turn already purged)."""
    values: dict[str, Any] = {
        "question": "Comment créer mon compte ?",
        "answer_text": ANSWER,
        "entry_id": ENTRY,
        "source_title": SOURCE_TITLE,
        "source_url": SOURCE_URL,
        "margin": 0.5,
        "reason": REASON_RANDOM,
        "page": page,
        "answered_at": answered_at,
        "sampled_at": answered_at + dt.timedelta(days=1),
        "verdict": verdict,
        "reviewed_at": answered_at + dt.timedelta(days=2) if verdict else None,
    }
    values.update(fields)
    return QualityReview(**values)


@pytest.fixture(scope="session")
def _migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("relecture") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def fresh_db(_migrated_file: Path, tmp_path: Path) -> Iterator[Session]:
    """A session on a fresh copy of a migrated SQLite database (foreign keys on)."""
    path = tmp_path / "relecture.db"
    shutil.copy(_migrated_file, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()
