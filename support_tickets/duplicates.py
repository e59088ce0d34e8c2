"""Duplicate detection: which open ticket a new request most probably repeats, and why.

Candidates are the open tickets of the last ``duplicate_window_days`` days from the same
requester (e-mail or identity) or about the same submission reference. A candidate is a
duplicate when it has the same reference, or when the descriptions are similar enough
(embedding cosine, or the lexical fallback's threshold when no embedder is built).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from support_tickets.config import SupportSettings
from support_tickets.models import Ticket, utcnow
from support_tickets.similarity import LexicalSimilarity, Similarity
from support_tickets.taxonomy import OPEN_STATUSES
from support_tickets.validation import normalise_reference

MAX_CANDIDATES = 200
REASON_SAME_REFERENCE = "même référence de formulaire"
REASON_SAME_REQUESTER = "même demandeur"


@dataclass(frozen=True)
class Candidate:
    """An open ticket that may be repeated: from the same requester, or the same reference."""

    ticket: Ticket
    same_user: bool
    same_ref: bool


@dataclass(frozen=True)
class Duplicate:
    """The ticket a request repeats, how similar the descriptions are, and the reasons."""

    ticket: Ticket | None
    score: float
    reasons: list[str]


def find_candidates(
    session: Session,
    *,
    email: str,
    identity_sub: str | None,
    reference: str | None,
    settings: SupportSettings,
    exclude_id: int | None = None,
) -> list[Candidate]:
    """The recent open tickets of the same requester or about the same reference."""
    since = utcnow() - dt.timedelta(days=settings.duplicate_window_days)
    who: list[ColumnElement[bool]] = [Ticket.email == email.lower()]
    if identity_sub:
        who.append(Ticket.identity_sub == identity_sub)
    if reference:
        who.append(Ticket.reference.is_not(None))
    query = select(Ticket).where(
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.merged_into_id.is_(None),
        Ticket.created_at >= since,
        or_(*who),
    )
    if exclude_id is not None:
        query = query.where(Ticket.id != exclude_id)
    wanted_ref = normalise_reference(reference)
    candidates = []
    for ticket in session.scalars(query.order_by(Ticket.id.desc()).limit(MAX_CANDIDATES)):
        same_user = ticket.email == email.lower() or (
            identity_sub is not None and ticket.identity_sub == identity_sub
        )
        same_ref = wanted_ref is not None and normalise_reference(ticket.reference) == wanted_ref
        if same_user or same_ref:
            candidates.append(Candidate(ticket, same_user, same_ref))
    return candidates


def similarity_threshold(similarity: Similarity, settings: SupportSettings) -> float:
    """The lexical fallback scores lower than embeddings: it has its own threshold."""
    if isinstance(similarity, LexicalSimilarity):
        return settings.duplicate_min_lexical_similarity
    return settings.duplicate_min_similarity


def best_duplicate(
    candidates: list[Candidate],
    description: str,
    *,
    similarity: Similarity,
    settings: SupportSettings,
) -> Duplicate:
    """The candidate with the same reference first, then the most similar description."""
    if not candidates:
        return Duplicate(None, 0.0, [])
    threshold = similarity_threshold(similarity, settings)
    scores = similarity.scores(description, [c.ticket.description for c in candidates])
    duplicates: list[tuple[bool, float, Ticket, list[str]]] = []
    for candidate, score in zip(candidates, scores, strict=True):
        similar = score >= threshold
        if not (candidate.same_ref or similar):
            continue
        reasons = []
        if candidate.same_ref:
            reasons.append(REASON_SAME_REFERENCE)
        if candidate.same_user:
            reasons.append(REASON_SAME_REQUESTER)
        if similar:
            reasons.append(f"description similaire ({score:.2f})")
        duplicates.append((candidate.same_ref, float(score), candidate.ticket, reasons))
    if not duplicates:
        return Duplicate(None, 0.0, [])
    _, best_score, ticket, reasons = max(duplicates, key=lambda d: (d[0], d[1], d[2].id))
    return Duplicate(ticket, best_score, reasons)
