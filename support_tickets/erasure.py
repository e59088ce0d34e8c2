"""A conversation erased at its user's request, as its tickets see it: the copy of the chat
transcript each ticket holds is replaced by one marker message, « Conversation effacée à la
demande de l'usager le … », so agents see that it was erased, never what it said.

The tickets concerned are those opened from the conversation (``chat_session_id``) and the
tickets they were merged into (their transcript was copied there, marked with the source's
number). The ticket itself (its request, the e-mail to answer, the exchanges with the
support after it was opened) stays: it follows the tickets' own retention
(:mod:`support_tickets.retention`). The knowledge-base candidates copied from the
conversation lose the user's question.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from knowledge_base.french import french_date
from support_tickets.models import Ticket, TicketMessage, as_utc
from support_tickets.sla import PARIS

ERASED_META_KEY = "erased_at"  # the marker message's meta: when the conversation was erased
ERASED_TEXT = "Conversation effacée à la demande de l'usager le {date} à {time}."


def erased_text(erased_at: dt.datetime) -> str:
    """The marker's French text, in Paris time: « Conversation effacée à la demande de
    l'usager le 6 décembre 2026 à 14 h 05. »"""
    local = (as_utc(erased_at) or erased_at).astimezone(PARIS)
    return ERASED_TEXT.format(date=french_date(local), time=f"{local.hour} h {local.minute:02d}")


def _marker(erased_at: dt.datetime, origin_number: str | None) -> TicketMessage:
    return TicketMessage(
        author_type="bot",
        visibility="public",
        in_transcript=True,
        origin_number=origin_number,
        body=erased_text(erased_at),
        meta={ERASED_META_KEY: (as_utc(erased_at) or erased_at).isoformat()},
        created_at=erased_at,
    )


def _without_questions(candidates: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not candidates:
        return candidates
    return [{k: v for k, v in c.items() if k != "question"} for c in candidates]


def erase_transcripts(session: Session, session_id: str, erased_at: dt.datetime) -> list[str]:
    """Replace the transcript copies of the conversation ``session_id`` in every ticket that
    holds one by the marker (not committed); returns the numbers of the tickets changed.

    A ticket opened from the conversation gets the marker even without a transcript (opened
    by the web form): the conversation it names is gone. A ticket a merged one was copied
    into gets one marker per merged ticket, marked with its number."""
    own = list(session.scalars(select(Ticket).where(Ticket.chat_session_id == session_id)))
    numbers = {t.number for t in own}
    if not numbers:
        return []
    copies = select(TicketMessage.ticket_id).where(
        TicketMessage.in_transcript.is_(True), TicketMessage.origin_number.in_(numbers)
    )
    holders = session.scalars(
        select(Ticket).where(or_(Ticket.chat_session_id == session_id, Ticket.id.in_(copies)))
    )
    changed: list[str] = []
    for ticket in holders:
        is_own = ticket.chat_session_id == session_id
        erased = [
            m
            for m in ticket.messages
            if m.in_transcript
            and (m.origin_number in numbers or (is_own and m.origin_number is None))
        ]
        origins = {m.origin_number for m in erased} | ({None} if is_own else set())
        for message in erased:
            ticket.messages.remove(message)
        for origin in sorted(origins, key=lambda o: o or ""):
            ticket.messages.append(_marker(erased_at, origin))
        if is_own:
            ticket.kb_candidates = _without_questions(ticket.kb_candidates)
        changed.append(ticket.number)
    return sorted(changed)
