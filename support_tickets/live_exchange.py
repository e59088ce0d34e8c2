"""The live exchange between a chat conversation and the ticket it opened.

While a ticket waits for its requester (« en attente de l'usager »), what the user writes in
the chat goes to that ticket instead of the assistant; the exchange lasts while the agent and
the user answer each other, until the ticket is resolved or closed, or until the user goes
back to the assistant (an event ``retour_assistant`` on the ticket, so the choice holds
across reloads and the agent sees it).

The exchange starts (events of the ticket, in order):

- when the ticket moves to « en attente de l'usager »;
- when an agent replies publicly to a ticket already waiting for the user.

It ends with ``retour_assistant``, or when the ticket is resolved or closed. Agents' changes
that the chat must see at once (a reply, a status) wake the conversation's live stream
(:func:`notify_chats`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support_tickets.events import ACTOR_REQUESTER, record_event
from support_tickets.models import Ticket, TicketEvent, TicketMessage
from support_tickets.taxonomy import (
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_RESOLVED,
    STATUS_WAITING_USER,
)
from web_common.live_events import chat_topic, get_live_events

LEAVE_EVENT = "retour_assistant"
"""Event kind: the requester went back to the assistant (the exchange ends)."""
LIVE_STATUSES = frozenset({STATUS_WAITING_USER, STATUS_IN_PROGRESS})
"""Statuses in which an exchange started earlier still goes on."""
MAX_CANDIDATES = 5
"""Most recent tickets of a conversation considered for its exchange."""


def _exchange_open(events: list[TicketEvent]) -> bool:
    """Whether the ticket's events leave the exchange with the user open."""
    status: str = STATUS_NEW
    engaged = False
    for event in events:
        if event.kind == "reponse" and status == STATUS_WAITING_USER:
            engaged = True
        elif event.kind == "statut":
            status = str(event.detail.get("vers", status))
            if status == STATUS_WAITING_USER:
                engaged = True
            elif status in (STATUS_RESOLVED, STATUS_CLOSED):
                engaged = False
        elif event.kind == LEAVE_EVENT:
            engaged = False
    return engaged


def is_live(ticket: Ticket) -> bool:
    """Whether the user's chat messages go to ``ticket`` now."""
    return ticket.status in LIVE_STATUSES and _exchange_open(ticket.events)


def live_ticket_for_chat(
    session: Session, chat_session_id: str, identity_sub: str | None
) -> Ticket | None:
    """The ticket the conversation ``chat_session_id`` is exchanging with, if any (a merged
    ticket stands for the one it was merged into). A ticket bound to an identity is only
    reached by that same identity."""
    query = (
        select(Ticket)
        .where(Ticket.chat_session_id == chat_session_id)
        .order_by(Ticket.id.desc())
        .limit(MAX_CANDIDATES)
    )
    for found in session.scalars(query):
        ticket = session.get(Ticket, found.merged_into_id) if found.merged_into_id else found
        if ticket is None or not is_live(ticket):
            continue
        if ticket.identity_sub and ticket.identity_sub != identity_sub:
            continue
        return ticket
    return None


def leave_exchange(session: Session, ticket: Ticket) -> None:
    """The requester goes back to the assistant: record it on the ticket, commit, and tell
    the conversation's other windows."""
    record_event(ticket, kind=LEAVE_EVENT, actor=ACTOR_REQUESTER)
    session.commit()
    notify_chats(session, ticket)


def notify_chats(session: Session, ticket: Ticket) -> None:
    """Wake the live streams of the conversations ``ticket`` came from (its own, and those
    of the tickets merged into it); call after the change is committed."""
    merged = select(Ticket.chat_session_id).where(
        Ticket.merged_into_id == ticket.id, Ticket.chat_session_id.is_not(None)
    )
    sessions = {ticket.chat_session_id, *session.scalars(merged)}
    channel = get_live_events()
    for chat_session_id in sorted(s for s in sessions if s):
        channel.publish(chat_topic(chat_session_id))


def tickets_with_new_user_message(session: Session, ticket_ids: list[int]) -> set[int]:
    """Which of ``ticket_ids`` have a message from the requester after the agents' last public
    reply (the queue marks them)."""
    if not ticket_ids:
        return set()

    def latest(author_type: str) -> dict[int, int]:
        query = (
            select(TicketMessage.ticket_id, func.max(TicketMessage.id))
            .where(
                TicketMessage.ticket_id.in_(ticket_ids),
                TicketMessage.author_type == author_type,
                TicketMessage.visibility == "public",
                TicketMessage.in_transcript.is_(False),
                TicketMessage.origin_number.is_(None),  # copies from a merged ticket
            )
            .group_by(TicketMessage.ticket_id)
        )
        return {int(ticket_id): int(last_id) for ticket_id, last_id in session.execute(query)}

    users, agents = latest("user"), latest("agent")
    return {ticket_id for ticket_id, last in users.items() if last > agents.get(ticket_id, 0)}
