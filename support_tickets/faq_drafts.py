"""FAQ drafts: from an agent's answer to a knowledge-base entry (issue 15).

An agent drafts an entry (question, answer, the guide section it cites, public sources, and
the users' own wordings, which become paraphrases) from a resolved ticket or a content gap.
Every wording and the question pass through the personal-data redaction first
(:func:`portal.conversations.redaction.redact`). The workflow:

``brouillon`` → (agent submits) ``a_relire`` → (supervisor) ``publie``, or sent back with a
comment → ``a_reprendre`` → (agent edits, submits again) ``a_relire``…

Each step is an event with its author and date (the history). Publishing gives the entry
its stable id and hands it to :mod:`support_tickets.faq_publish`, which writes the content
files and announces the index update.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge_base.content import load_guides
from portal.conversations.redaction import redact
from support_tickets import faq_texts as texts
from support_tickets.errors import TicketError
from support_tickets.faq_models import FaqDraft, FaqDraftEvent
from support_tickets.models import Agent, utcnow

QUESTION_MIN_CHARS = 10
QUESTION_MAX_CHARS = 300
ANSWER_MIN_CHARS = 30
ANSWER_MAX_CHARS = 1500
WORDING_MAX_CHARS = 300
MAX_WORDINGS = 30
MAX_SOURCES = 5
SOURCE_MAX_CHARS = 500
COMMENT_MAX_CHARS = 2000
# Published entries' ids: ENTRY_PREFIX + the question's first words, ASCII, hyphenated.
ENTRY_PREFIX = "console-"
ENTRY_ID_WORDS = 8
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
EDITABLE = (texts.STATUS_DRAFT, texts.STATUS_SENT_BACK)


class DraftError(TicketError):
    """A refused draft or step; ``errors`` lists every French message (a form shows all)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class DraftInput:
    """What the form sends (wordings and sources one per line, already split)."""

    question: str
    answer: str
    section: str
    sources: list[str] = field(default_factory=list)
    wordings: list[str] = field(default_factory=list)


@lru_cache(maxsize=4)
def _sections(documents_dir: Path, stamp: float) -> dict[str, str]:
    return {s.key: f"{g.title} — {s.title}" for g in load_guides(documents_dir) for s in g.sections}


def guide_sections(content_dir: Path) -> dict[str, str]:
    """``<slug>#<anchor>`` → « Guide — Section », for the form's list and the validation."""
    documents = content_dir / "documents"
    stamp = max((p.stat().st_mtime for p in documents.glob("*.md")), default=0.0)
    return _sections(documents, stamp)


def clean_lines(values: list[str]) -> list[str]:
    """Non-empty, stripped, de-duplicated lines (order kept)."""
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def redacted(data: DraftInput) -> DraftInput:
    """``data`` with the question and the users' wordings redacted (personal data never
    reaches a draft, the content files or the index)."""
    return DraftInput(
        question=redact(data.question.strip()),
        answer=data.answer.strip(),
        section=data.section.strip(),
        sources=clean_lines(data.sources),
        wordings=clean_lines([redact(w) for w in data.wordings]),
    )


def _length_errors(data: DraftInput) -> list[str]:
    errors = []
    if not data.question:
        errors.append(texts.QUESTION_REQUIRED)
    elif len(data.question) < QUESTION_MIN_CHARS:
        errors.append(texts.QUESTION_TOO_SHORT.format(min=QUESTION_MIN_CHARS))
    elif len(data.question) > QUESTION_MAX_CHARS:
        errors.append(texts.QUESTION_TOO_LONG.format(max=QUESTION_MAX_CHARS))
    if not data.answer:
        errors.append(texts.ANSWER_REQUIRED)
    elif len(data.answer) < ANSWER_MIN_CHARS:
        errors.append(texts.ANSWER_TOO_SHORT.format(min=ANSWER_MIN_CHARS))
    elif len(data.answer) > ANSWER_MAX_CHARS:
        errors.append(texts.ANSWER_TOO_LONG.format(max=ANSWER_MAX_CHARS))
    if len(data.wordings) > MAX_WORDINGS:
        errors.append(texts.TOO_MANY_WORDINGS.format(max=MAX_WORDINGS))
    if any(len(w) > WORDING_MAX_CHARS for w in data.wordings):
        errors.append(texts.WORDING_TOO_LONG.format(max=WORDING_MAX_CHARS))
    return errors


def validate(data: DraftInput, sections: dict[str, str]) -> list[str]:
    """Every French error of ``data`` (empty when valid)."""
    errors = _length_errors(data)
    if not data.section:
        errors.append(texts.SECTION_REQUIRED)
    elif data.section not in sections:
        errors.append(texts.SECTION_UNKNOWN.format(section=data.section[:80]))
    if not data.sources:
        errors.append(texts.SOURCE_REQUIRED)
    elif len(data.sources) > MAX_SOURCES:
        errors.append(texts.TOO_MANY_SOURCES.format(max=MAX_SOURCES))
    errors += [
        texts.SOURCE_INVALID.format(source=s[:80])
        for s in data.sources
        if len(s) > SOURCE_MAX_CHARS or not _URL.match(s)
    ]
    if any("\x00" in v for v in (data.question, data.answer, *data.wordings, *data.sources)):
        errors.append(texts.INVALID_CHARACTER)
    return errors


def _event(draft: FaqDraft, kind: str, agent: Agent, comment: str | None = None) -> None:
    draft.events.append(FaqDraftEvent(kind=kind, agent_id=agent.id, comment=comment))
    draft.updated_at = utcnow()


def _checked(data: DraftInput, sections: dict[str, str]) -> DraftInput:
    clean = redacted(data)
    errors = validate(clean, sections)
    if errors:
        raise DraftError(errors)
    return clean


def create_draft(
    db: Session,
    agent: Agent,
    data: DraftInput,
    sections: dict[str, str],
    ticket_id: int | None = None,
) -> FaqDraft:
    """A new draft of ``agent`` (raises :class:`DraftError` with every problem)."""
    clean = _checked(data, sections)
    draft = FaqDraft(
        status=texts.STATUS_DRAFT,
        question=clean.question,
        answer=clean.answer,
        section=clean.section,
        sources=clean.sources,
        wordings=clean.wordings,
        ticket_id=ticket_id,
        author_id=agent.id,
    )
    db.add(draft)
    _event(draft, "cree", agent)
    db.commit()
    return draft


def update_draft(
    db: Session, draft: FaqDraft, agent: Agent, data: DraftInput, sections: dict[str, str]
) -> FaqDraft:
    """Edit a draft that is not under review nor published."""
    if draft.status not in EDITABLE:
        status = texts.DRAFT_STATUS_LABELS[draft.status].lower()
        raise DraftError([texts.NOT_EDITABLE.format(status=status)])
    clean = _checked(data, sections)
    draft.question, draft.answer, draft.section = clean.question, clean.answer, clean.section
    draft.sources, draft.wordings = clean.sources, clean.wordings
    _event(draft, "modifie", agent)
    db.commit()
    return draft


def submit(db: Session, draft: FaqDraft, agent: Agent) -> FaqDraft:
    """Ask a supervisor to review the draft."""
    if draft.status not in EDITABLE:
        raise DraftError([texts.NOT_SUBMITTABLE])
    draft.status = texts.STATUS_IN_REVIEW
    _event(draft, "soumis", agent)
    db.commit()
    return draft


def _review_check(draft: FaqDraft, reviewer: Agent) -> None:
    if not reviewer.is_supervisor:
        raise DraftError([texts.SUPERVISORS_ONLY])
    if draft.status != texts.STATUS_IN_REVIEW:
        raise DraftError([texts.NOT_IN_REVIEW])


def send_back(db: Session, draft: FaqDraft, reviewer: Agent, comment: str) -> FaqDraft:
    """The supervisor returns the draft to its author with what to change."""
    _review_check(draft, reviewer)
    comment = comment.strip()
    if not comment:
        raise DraftError([texts.COMMENT_REQUIRED])
    if len(comment) > COMMENT_MAX_CHARS:
        raise DraftError([texts.COMMENT_TOO_LONG.format(max=COMMENT_MAX_CHARS)])
    draft.status = texts.STATUS_SENT_BACK
    draft.review_comment, draft.reviewer_id, draft.reviewed_at = comment, reviewer.id, utcnow()
    _event(draft, "renvoye", reviewer, comment)
    db.commit()
    return draft


def entry_id_for(db: Session, question: str, taken: set[str]) -> str:
    """A stable, unique FAQ id for a published draft: the question's first words."""
    ascii_text = unicodedata.normalize("NFKD", question).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text.lower()) if len(w) > 1]
    base = ENTRY_PREFIX + "-".join(words[:ENTRY_ID_WORDS] or ["entree"])
    used = taken | set(db.scalars(select(FaqDraft.entry_id).where(FaqDraft.entry_id.is_not(None))))
    candidate, suffix = base, 2
    while candidate in used:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


def approve(db: Session, draft: FaqDraft, reviewer: Agent, taken: set[str]) -> FaqDraft:
    """Mark the draft published (its content files are written by the caller, see
    :func:`support_tickets.faq_publish.publish`); ``taken``: ids the content already has."""
    _review_check(draft, reviewer)
    now = utcnow()
    draft.entry_id = draft.entry_id or entry_id_for(db, draft.question, taken)
    draft.status = texts.STATUS_PUBLISHED
    draft.reviewer_id, draft.reviewed_at, draft.published_at = reviewer.id, now, now
    _event(draft, "publie", reviewer)
    return draft


def list_drafts(db: Session) -> list[FaqDraft]:
    """Every draft, the most recently changed first."""
    return list(db.scalars(select(FaqDraft).order_by(FaqDraft.updated_at.desc(), FaqDraft.id)))


def published(db: Session) -> list[FaqDraft]:
    """The published drafts, in the order of their ids (the content file's order)."""
    query = select(FaqDraft).where(FaqDraft.status == texts.STATUS_PUBLISHED)
    return list(db.scalars(query.order_by(FaqDraft.entry_id)))


def history(db: Session, limit: int = 200) -> list[FaqDraftEvent]:
    """The latest steps of every draft, the most recent first."""
    query = select(FaqDraftEvent).order_by(FaqDraftEvent.id.desc()).limit(limit)
    return list(db.scalars(query))
