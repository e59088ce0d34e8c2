"""The support desk's operations. Every function takes a SQLAlchemy ``Session`` first, keyword
arguments after, and commits itself.

Requester side (the contract used by the chat actions and the ``/support`` form):
:func:`create_ticket`, :func:`find_ticket_for_requester`, :func:`tickets_for_identity`,
:func:`add_user_message`, :func:`public_replies_for_chat_session`, :func:`status_label`.
Agent side: :func:`reply_to_ticket`, :func:`add_internal_note`, :func:`assign_ticket`,
:func:`change_status`, :func:`change_priority`, :func:`merge_tickets`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from support_tickets import outbox
from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.errors import TicketNotFoundError, TicketValidationError
from support_tickets.models import Agent, Ticket, TicketEvent, TicketMessage, as_utc, utcnow
from support_tickets.numbering import next_number, normalise_number
from support_tickets.priority import suggest_priority
from support_tickets.similarity import LexicalSimilarity, get_similarity
from support_tickets.sla import BusinessCalendar, deadlines
from support_tickets.state_machine import check_transition, status_after_user_message
from support_tickets.taxonomy import (
    CATEGORIES,
    CATEGORY_LABELS,
    OPEN_STATUSES,
    PRIORITIES,
    PRIORITY_LABELS,
    STATUS_AGENT_LABELS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_LABELS,
    STATUS_NEW,
    STATUS_RESOLVED,
)

logger = logging.getLogger(__name__)

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MAX_EMAIL_CHARS = 254
MAX_REFERENCE_CHARS = 64
MAX_PAGE_CHARS = 200
MAX_TRANSCRIPT_ITEMS = 200
MAX_TRANSCRIPT_TEXT_CHARS = 5000
CHANNELS = ("chat", "web")
ACTOR_REQUESTER = "usager"
ACTOR_SYSTEM = "système"


# --- validation -------------------------------------------------------------------------


def validate_email(email: str) -> str:
    value = (email or "").strip()
    if not value:
        raise TicketValidationError("Indiquez votre adresse e-mail.", "email")
    if len(value) > MAX_EMAIL_CHARS or not EMAIL_PATTERN.match(value):
        raise TicketValidationError(
            "L'adresse e-mail est invalide : vérifiez-la (exemple : nom@domaine.fr).", "email"
        )
    return value.lower()


def validate_category(category: str) -> str:
    if category not in CATEGORIES:
        raise TicketValidationError("Choisissez une catégorie dans la liste proposée.", "category")
    return category


def validate_description(description: str, settings: SupportSettings) -> str:
    value = (description or "").strip()
    if len(value) < settings.description_min_chars:
        raise TicketValidationError(
            f"Décrivez votre demande en au moins {settings.description_min_chars} caractères.",
            "description",
        )
    if len(value) > settings.description_max_chars:
        raise TicketValidationError(
            f"La description ne doit pas dépasser {settings.description_max_chars} caractères.",
            "description",
        )
    return value


def validate_reference(reference: str | None) -> str | None:
    value = (reference or "").strip()
    if not value:
        return None
    if len(value) > MAX_REFERENCE_CHARS:
        raise TicketValidationError(
            f"La référence ne doit pas dépasser {MAX_REFERENCE_CHARS} caractères.", "reference"
        )
    return value.upper()


def _normalise_reference(reference: str | None) -> str | None:
    """References compare without spaces, dashes or case (« mj 2024 1 » = « MJ-2024-1 »)."""
    return re.sub(r"[^A-Z0-9]", "", reference.upper()) if reference else None


def _validate_text(text: str, settings: SupportSettings, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise TicketValidationError(f"{what} est vide.", "text")
    if len(value) > settings.reply_max_chars:
        raise TicketValidationError(
            f"{what} ne doit pas dépasser {settings.reply_max_chars} caractères.", "text"
        )
    return value


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return as_utc(value)
    if isinstance(value, str) and value:
        try:
            return as_utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _transcript_messages(transcript: list[dict[str, Any]] | None) -> list[TicketMessage]:
    messages = []
    for item in (transcript or [])[-MAX_TRANSCRIPT_ITEMS:]:
        role = item.get("role")
        text = str(item.get("text") or "").strip()
        if role not in ("user", "bot") or not text:
            continue
        meta = {k: item.get(k) for k in ("intent", "confidence", "kb") if item.get(k) is not None}
        message = TicketMessage(
            author_type=role,
            visibility="public",
            in_transcript=True,
            body=text[:MAX_TRANSCRIPT_TEXT_CHARS],
            meta=meta or None,
        )
        created = _parse_time(item.get("created_at"))
        if created is not None:
            message.created_at = created
        messages.append(message)
    return messages


# --- events -----------------------------------------------------------------------------


def _actor(agent: Agent | None) -> str:
    return f"{agent.name} <{agent.email}>" if agent is not None else ACTOR_REQUESTER


def record_event(
    ticket: Ticket,
    *,
    kind: str,
    actor: str,
    agent: Agent | None = None,
    detail: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append an audit event to ``ticket`` (committed with the caller's change)."""
    event = TicketEvent(
        kind=kind, actor=actor, agent_id=agent.id if agent else None, detail=detail or {}
    )
    ticket.events.append(event)
    ticket.updated_at = utcnow()
    return event


def _set_status(ticket: Ticket, target: str, *, actor: str, agent: Agent | None) -> None:
    previous = ticket.status
    ticket.status = target
    now = utcnow()
    if target == STATUS_RESOLVED:
        ticket.resolved_at = now
    elif target == STATUS_CLOSED:
        ticket.closed_at = now
    elif previous in (STATUS_RESOLVED,):
        ticket.resolved_at = None
    record_event(
        ticket, kind="statut", actor=actor, agent=agent, detail={"de": previous, "vers": target}
    )


# --- duplicates -------------------------------------------------------------------------


def find_duplicate(
    session: Session,
    *,
    email: str,
    identity_sub: str | None,
    reference: str | None,
    description: str,
    settings: SupportSettings | None = None,
    exclude_id: int | None = None,
) -> tuple[Ticket | None, float, list[str]]:
    """The open ticket a new request most probably duplicates, its similarity and why.

    Candidates are the open tickets of the last ``duplicate_window_days`` days from the same
    requester (e-mail or identity) or about the same submission reference. A candidate is a
    duplicate when it has the same reference, or when the descriptions are similar enough
    (embedding cosine, or the lexical fallback's threshold when no embedder is built).
    """
    settings = settings or get_support_settings()
    since = utcnow() - dt.timedelta(days=settings.duplicate_window_days)
    who = [Ticket.email == email.lower()]
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
    wanted_ref = _normalise_reference(reference)
    candidates = []
    for ticket in session.scalars(query.order_by(Ticket.id.desc()).limit(200)):
        same_user = ticket.email == email.lower() or (
            identity_sub is not None and ticket.identity_sub == identity_sub
        )
        same_ref = wanted_ref is not None and _normalise_reference(ticket.reference) == wanted_ref
        if same_user or same_ref:
            candidates.append((ticket, same_user, same_ref))
    if not candidates:
        return None, 0.0, []
    similarity = get_similarity()
    threshold = (
        settings.duplicate_min_lexical_similarity
        if isinstance(similarity, LexicalSimilarity)
        else settings.duplicate_min_similarity
    )
    scores = similarity.scores(description, [t.description for t, _, _ in candidates])
    duplicates: list[tuple[bool, float, Ticket, list[str]]] = []
    for (ticket, same_user, same_ref), score in zip(candidates, scores, strict=True):
        similar = score >= threshold
        if not (same_ref or similar):
            continue
        reasons = []
        if same_ref:
            reasons.append("même référence de formulaire")
        if same_user:
            reasons.append("même demandeur")
        if similar:
            reasons.append(f"description similaire ({score:.2f})")
        duplicates.append((same_ref, float(score), ticket, reasons))
    if not duplicates:
        return None, 0.0, []
    _, score, ticket, reasons = max(duplicates, key=lambda d: (d[0], d[1], d[2].id))
    return ticket, score, reasons


# --- requester side (the contract) -----------------------------------------------------


def create_ticket(
    session: Session,
    *,
    email: str,
    category: str,
    description: str,
    reference: str | None = None,
    identity: dict[str, Any] | None = None,
    chat_session_id: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    intent: str | None = None,
    intent_confidence: float | None = None,
    kb_candidates: list[dict[str, Any]] | None = None,
    page: str | None = None,
    channel: str = "chat",
) -> Ticket:
    """Validate and store a new ticket with its context; returns it with its number.

    Raises:
        TicketValidationError: a field is invalid (French message, ``field`` names it).
    """
    settings = get_support_settings()
    email = validate_email(email)
    category = validate_category(category)
    description = validate_description(description, settings)
    reference = validate_reference(reference)
    channel = channel if channel in CHANNELS else "chat"
    identity_sub = str(identity["sub"]) if identity and identity.get("sub") else None
    duplicate, score, reasons = find_duplicate(
        session,
        email=email,
        identity_sub=identity_sub,
        reference=reference,
        description=description,
        settings=settings,
    )
    priority, priority_reasons = suggest_priority(category, description)
    now = utcnow()
    first_due, resolution_due = deadlines(now, priority, settings)
    try:
        number = next_number(session, now.year)  # first write: takes the lock (see numbering)
        ticket = Ticket(
            number=number,
            status=STATUS_NEW,
            priority=priority,
            suggested_priority=priority,
            priority_reasons=priority_reasons,
            category=category,
            email=email,
            description=description,
            reference=reference,
            identity=identity or None,
            identity_sub=identity_sub,
            requester_name=(identity or {}).get("name") or None,
            chat_session_id=chat_session_id or None,
            intent=intent,
            intent_confidence=intent_confidence,
            kb_candidates=kb_candidates or None,
            page=(page or "")[:MAX_PAGE_CHARS] or None,
            channel=channel,
            created_at=now,
            updated_at=now,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        ticket.messages.extend(_transcript_messages(transcript))
        record_event(
            ticket,
            kind="creation",
            actor=ACTOR_REQUESTER,
            detail={"canal": channel, "priorite_suggeree": priority},
        )
        if duplicate is not None:
            ticket.duplicate_of_id = duplicate.id
            ticket.duplicate_score = score
            ticket.duplicate_reasons = reasons
            record_event(
                ticket,
                kind="doublon",
                actor=ACTOR_SYSTEM,
                detail={"ticket": duplicate.number, "raisons": reasons},
            )
        session.add(ticket)
        session.flush()
        outbox.enqueue(
            session,
            ticket=ticket,
            subject=f"[{ticket.number}] Votre demande a bien été reçue",
            body=outbox.acknowledgement_body(ticket),
            settings=settings,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    logger.info(
        "tickets.created number=%s category=%s priority=%s duplicate_of=%s",
        ticket.number,
        category,
        priority,
        duplicate.number if duplicate else None,
    )
    return ticket


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFoundError("Ce ticket n'existe pas.")
    return ticket


def get_ticket_by_number(session: Session, number: str) -> Ticket | None:
    normalised = normalise_number(number)
    if normalised is None:
        return None
    return session.scalars(select(Ticket).where(Ticket.number == normalised)).first()


def find_ticket_for_requester(
    session: Session,
    *,
    number: str,
    email: str | None = None,
    identity_sub: str | None = None,
) -> Ticket | None:
    """The ticket ``number`` if it belongs to the caller (same e-mail, case-insensitive, or same
    identity); None otherwise, so that nobody learns whether someone else's ticket exists."""
    ticket = get_ticket_by_number(session, number)
    if ticket is None:
        return None
    if identity_sub and ticket.identity_sub and ticket.identity_sub == str(identity_sub):
        return ticket
    if email and ticket.email == email.strip().lower():
        return ticket
    return None


def tickets_for_identity(session: Session, identity_sub: str, limit: int = 5) -> list[Ticket]:
    """The identified user's latest tickets, newest first."""
    query = (
        select(Ticket)
        .where(Ticket.identity_sub == str(identity_sub))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def add_user_message(session: Session, ticket: Ticket, text: str) -> None:
    """Add the requester's message; a ticket waiting for them or resolved goes back to « en
    cours ». Raises :class:`InvalidTransitionError` on a closed ticket."""
    settings = get_support_settings()
    body = _validate_text(text, settings, "Le message")
    target = status_after_user_message(ticket.status)
    try:
        ticket.messages.append(TicketMessage(author_type="user", visibility="public", body=body))
        record_event(ticket, kind="message_usager", actor=ACTOR_REQUESTER)
        if target != ticket.status:
            if ticket.status == STATUS_RESOLVED:
                record_event(ticket, kind="reouverture", actor=ACTOR_REQUESTER)
            _set_status(ticket, target, actor=ACTOR_REQUESTER, agent=None)
        session.commit()
    except Exception:
        session.rollback()
        raise


def public_replies_for_chat_session(
    session: Session, chat_session_id: str, since_id: int | None = None
) -> list[TicketMessage]:
    """Agents' public replies on the tickets created from this chat session (and on the
    tickets they were merged into), oldest first, after message ``since_id``."""
    own = select(Ticket.id).where(Ticket.chat_session_id == chat_session_id)
    merged_into = select(Ticket.merged_into_id).where(
        Ticket.chat_session_id == chat_session_id, Ticket.merged_into_id.is_not(None)
    )
    query = (
        select(TicketMessage)
        .where(
            TicketMessage.author_type == "agent",
            TicketMessage.visibility == "public",
            TicketMessage.in_transcript.is_(False),
            or_(TicketMessage.ticket_id.in_(own), TicketMessage.ticket_id.in_(merged_into)),
        )
        .order_by(TicketMessage.id)
    )
    if since_id is not None:
        query = query.where(TicketMessage.id > since_id)
    return list(session.scalars(query))


def status_label(ticket: Ticket) -> str:
    """The ticket's status in French, as the requester reads it."""
    return STATUS_LABELS.get(ticket.status, ticket.status)


# --- agent side -------------------------------------------------------------------------


def reply_to_ticket(
    session: Session,
    ticket: Ticket,
    *,
    agent: Agent,
    text: str,
    status: str | None = None,
    canned_key: str | None = None,
) -> TicketMessage:
    """A public reply: shown to the requester in the chat, and e-mailed (outbox). Stops the
    first-response timer; a new ticket goes « en cours », then to ``status`` if given."""
    settings = get_support_settings()
    body = _validate_text(text, settings, "La réponse")
    if status is not None and status != STATUS_IN_PROGRESS:
        # check before writing anything, from the status the ticket will have
        check_transition(
            STATUS_IN_PROGRESS if ticket.status == STATUS_NEW else ticket.status, status
        )
    if ticket.status == STATUS_CLOSED:
        check_transition(ticket.status, STATUS_IN_PROGRESS)
    try:
        message = TicketMessage(
            author_type="agent",
            agent_id=agent.id,
            visibility="public",
            body=body,
            meta={"modele": canned_key} if canned_key else None,
        )
        ticket.messages.append(message)
        if ticket.first_response_at is None:
            ticket.first_response_at = utcnow()
        record_event(
            ticket,
            kind="reponse",
            actor=_actor(agent),
            agent=agent,
            detail={"modele": canned_key} if canned_key else {},
        )
        if ticket.status == STATUS_NEW:
            _set_status(ticket, STATUS_IN_PROGRESS, actor=_actor(agent), agent=agent)
        if status is not None and status != ticket.status:
            _set_status(ticket, status, actor=_actor(agent), agent=agent)
        session.flush()
        outbox.enqueue(
            session,
            ticket=ticket,
            subject=f"[{ticket.number}] Réponse du support Chorus Portal Pro",
            body=outbox.reply_body(ticket, body),
            settings=settings,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return message


def add_internal_note(
    session: Session, ticket: Ticket, *, agent: Agent, text: str
) -> TicketMessage:
    """A note only agents see."""
    body = _validate_text(text, get_support_settings(), "La note")
    note = TicketMessage(author_type="agent", agent_id=agent.id, visibility="internal", body=body)
    ticket.messages.append(note)
    record_event(ticket, kind="note", actor=_actor(agent), agent=agent)
    session.commit()
    return note


def assign_ticket(
    session: Session, ticket: Ticket, *, agent: Agent, assignee_id: int | None
) -> None:
    """Assign the ticket to an active agent (or to nobody with ``None``)."""
    assignee = None
    if assignee_id is not None:
        assignee = session.get(Agent, assignee_id)
        if assignee is None or not assignee.active:
            raise TicketValidationError("Cet agent n'existe pas ou n'est plus actif.", "assignee")
    previous = ticket.assignee.name if ticket.assignee else None
    ticket.assignee_id = assignee.id if assignee else None
    ticket.assignee = assignee
    record_event(
        ticket,
        kind="assignation",
        actor=_actor(agent),
        agent=agent,
        detail={"de": previous, "vers": assignee.name if assignee else None},
    )
    session.commit()


def change_status(session: Session, ticket: Ticket, *, agent: Agent, status: str) -> None:
    """Move the ticket along the state machine (refused with a French message otherwise)."""
    check_transition(ticket.status, status)
    _set_status(ticket, status, actor=_actor(agent), agent=agent)
    session.commit()


def change_priority(session: Session, ticket: Ticket, *, agent: Agent, priority: str) -> None:
    """Set the priority; the SLA deadlines follow it."""
    if priority not in PRIORITIES:
        raise TicketValidationError(
            "Priorité inconnue : " + ", ".join(f"« {p} »" for p in PRIORITY_LABELS), "priority"
        )
    if priority == ticket.priority:
        raise TicketValidationError(
            f"Le ticket a déjà la priorité « {PRIORITY_LABELS[priority]} ».", "priority"
        )
    previous = ticket.priority
    ticket.priority = priority
    created = as_utc(ticket.created_at) or utcnow()
    ticket.first_response_due, ticket.resolution_due = deadlines(created, priority)
    record_event(
        ticket,
        kind="priorite",
        actor=_actor(agent),
        agent=agent,
        detail={"de": previous, "vers": priority},
    )
    session.commit()


def merge_tickets(session: Session, *, source: Ticket, target: Ticket, agent: Agent) -> None:
    """Merge ``source`` (a duplicate) into ``target``: the target gets a copy of the source's
    transcript and messages (marked with the source's number); the source keeps its own, is
    closed and points to the target."""
    if source.id == target.id:
        raise TicketValidationError("Un ticket ne peut pas être fusionné avec lui-même.")
    if source.merged_into_id is not None:
        raise TicketValidationError("Ce ticket a déjà été fusionné.")
    if target.status == STATUS_CLOSED or target.merged_into_id is not None:
        raise TicketValidationError(
            "Le ticket de destination est clos ou fusionné : choisissez un ticket ouvert."
        )
    try:
        copies = [
            TicketMessage(
                author_type=m.author_type,
                agent_id=m.agent_id,
                visibility=m.visibility,
                in_transcript=m.in_transcript,
                origin_number=m.origin_number or source.number,
                body=m.body,
                meta=m.meta,
                created_at=m.created_at,
            )
            for m in source.messages
        ]
        copies.insert(
            0,
            TicketMessage(
                author_type="user",
                visibility="public",
                origin_number=source.number,
                body=source.description,
                meta={"description_fusionnee": True},
                created_at=source.created_at,
            ),
        )
        target.messages.extend(copies)
        source.merged_into_id = target.id
        record_event(
            target,
            kind="fusion",
            actor=_actor(agent),
            agent=agent,
            detail={"ticket_fusionne": source.number},
        )
        record_event(
            source,
            kind="fusion",
            actor=_actor(agent),
            agent=agent,
            detail={"fusionne_dans": target.number},
        )
        if source.status != STATUS_CLOSED:
            _set_status(source, STATUS_CLOSED, actor=_actor(agent), agent=agent)
        session.commit()
    except Exception:
        session.rollback()
        raise


def waited_business_hours(ticket: Ticket, now: dt.datetime | None = None) -> float:
    """Business hours since creation without a first reply (0 once answered)."""
    if ticket.first_response_at is not None:
        return 0.0
    calendar = BusinessCalendar.from_settings()
    return calendar.business_hours_between(
        as_utc(ticket.created_at) or utcnow(), as_utc(now) or utcnow()
    )


def current_priority_suggestion(
    ticket: Ticket, now: dt.datetime | None = None
) -> tuple[str, list[str]]:
    """The priority suggested now: category, wording, and how long the ticket has waited."""
    settings = get_support_settings()
    return suggest_priority(
        ticket.category,
        ticket.description,
        waited_business_hours(ticket, now),
        settings.waiting_escalation_hours,
    )


def describe(ticket: Ticket) -> dict[str, str]:
    """French labels of the ticket's vocabularies (for pages and e-mails)."""
    return {
        "status": STATUS_AGENT_LABELS.get(ticket.status, ticket.status),
        "category": CATEGORY_LABELS.get(ticket.category, ticket.category),
        "priority": PRIORITY_LABELS.get(ticket.priority, ticket.priority),
    }
