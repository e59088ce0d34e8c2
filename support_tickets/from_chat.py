"""A ticket from a chat session: the one way the chat's support form (action server) and the
``/support`` web form open a ticket, so that both carry the same record of the conversation.

The conversation so far is read from the web app's stored chat turns
(:mod:`portal.conversations`): its transcript, the knowledge-base passages the assistant
considered, and the portal page of the latest turn when the request names none.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from portal.conversations.repository import list_turns, visible_to
from portal.conversations.transcript import kb_candidates_from_turns, transcript_from_turns
from support_tickets import service
from support_tickets.models import Ticket
from support_tickets.schemas import TicketCreate
from support_tickets.validation import clip_page


def _latest_page(turns: list[ChatTurn]) -> str | None:
    return next((turn.page for turn in reversed(turns) if turn.page), None)


def create_ticket_from_chat(session: Session, request: TicketCreate) -> Ticket:
    """Create the ticket of an already validated ``request`` with the conversation of its
    ``chat_session_id`` (none without one); returns it with its number.

    Commits. Raises :class:`sqlalchemy.exc.SQLAlchemyError` when the database fails (a failed
    write is rolled back). Nothing is validated again: build the request with
    :class:`TicketCreate` (or :meth:`TicketCreate.validated`) first.
    """
    turns = list_turns(session, request.chat_session_id) if request.chat_session_id else []
    # A turn answered for a logged-in user may hold that user's records: it joins only a
    # ticket that the same user asks for.
    sub = (request.identity or {}).get("sub")
    turns = visible_to(turns, sub if isinstance(sub, str) else None)
    if request.page is None:
        request = request.model_copy(update={"page": clip_page(_latest_page(turns))})
    return service.store_ticket(
        session,
        request,
        transcript=transcript_from_turns(turns) or None,
        kb_candidates=kb_candidates_from_turns(turns) or None,
    )
