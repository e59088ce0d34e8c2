"""JSON API of the agent console under ``/api/agent`` (see the OpenAPI schema at /api/docs).

Authentication: ``POST /api/agent/login`` sets the console cookie and returns the CSRF token
to send in ``X-CSRF-Token`` with every POST. Portal users' sessions get 401 here.

The service's errors are not caught here: the app's handler
(:func:`support_tickets.http_errors.install_ticket_error_handler`) answers them with their
French message and status code (404 unknown ticket, 409 refused status change, 401 login,
422 invalid field, 400 otherwise).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, Response
from sqlalchemy.orm import Session

from storage.db import get_sessionmaker
from support_tickets import agent_actions, auth, canned, outbox, repository
from support_tickets.config import get_support_settings
from support_tickets.http_errors import error_responses
from support_tickets.models import Agent, Ticket
from support_tickets.requester import get_ticket
from support_tickets.schemas import (
    AgentOut,
    AssignIn,
    CannedOut,
    EventOut,
    LoginRequest,
    LoginResponse,
    MergeIn,
    MessageOut,
    NoteIn,
    OverviewOut,
    PriorityIn,
    QueueOut,
    RenderedCanned,
    ReplyIn,
    SlaOut,
    StatusIn,
    TicketDetail,
    TicketSummary,
)
from support_tickets.sla import sla_status
from support_tickets.state_machine import allowed_targets
from support_tickets.taxonomy import CATEGORY_LABELS, SLA_LABELS, STATUS_AGENT_LABELS
from support_tickets.web_auth import (
    ApiAgent,
    ApiSupervisor,
    DbSession,
    clear_session_cookie,
    session_token,
    set_session_cookie,
)
from web_common.rate_limit import RateLimiter, app_limiter

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/agent", tags=["Support — console des agents"])

# What every write on a ticket may answer: unreadable body, no session, no CSRF header,
# unknown ticket, invalid field (a change of status may also answer 409).
WRITE_ERRORS = (400, 401, 403, 404, 422)
# Same wording as the portal's login (assistant/routes/auth.py).
TOO_MANY_LOGINS = "Trop de tentatives de connexion depuis votre adresse : patientez une minute."


def deliver_outbox() -> None:
    """Background task: send pending e-mails (no-op without SMTP settings)."""
    with get_sessionmaker()() as db:
        outbox.deliver_pending(db)


def agent_out(agent: Agent) -> AgentOut:
    return AgentOut(id=agent.id, email=agent.email, name=agent.name, role=agent.role)


def _number(db: Session, ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    other = db.get(Ticket, ticket_id)
    return other.number if other else None


def summary(db: Session, ticket: Ticket) -> dict[str, Any]:
    sla = sla_status(ticket)
    return dict(
        id=ticket.id,
        number=ticket.number,
        status=ticket.status,
        status_label=STATUS_AGENT_LABELS[ticket.status],
        priority=ticket.priority,
        category=ticket.category,
        category_label=CATEGORY_LABELS.get(ticket.category, ticket.category),
        email=ticket.email,
        requester_name=ticket.requester_name,
        reference=ticket.reference,
        channel=ticket.channel,
        assignee=agent_out(ticket.assignee) if ticket.assignee else None,
        duplicate_of=_number(db, ticket.duplicate_of_id),
        merged_into=_number(db, ticket.merged_into_id),
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        sla=SlaOut(
            state=sla.state,
            label=SLA_LABELS[sla.state],
            first_response_due=sla.first_response_due,
            resolution_due=sla.resolution_due,
        ),
    )


def detail(db: Session, ticket: Ticket) -> TicketDetail:
    return TicketDetail(
        **summary(db, ticket),
        description=ticket.description,
        identity=ticket.identity,
        chat_session_id=ticket.chat_session_id,
        page=ticket.page,
        intent=ticket.intent,
        intent_confidence=ticket.intent_confidence,
        kb_candidates=ticket.kb_candidates,
        suggested_priority=ticket.suggested_priority,
        priority_reasons=ticket.priority_reasons or [],
        duplicate_score=ticket.duplicate_score,
        duplicate_reasons=ticket.duplicate_reasons,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        allowed_statuses=allowed_targets(ticket.status),
        messages=[
            MessageOut(
                id=m.id,
                author_type=m.author_type,
                author_name=m.agent.name if m.agent else None,
                visibility=m.visibility,
                in_transcript=m.in_transcript,
                origin_number=m.origin_number,
                body=m.body,
                meta=m.meta,
                created_at=m.created_at,
            )
            for m in ticket.messages
        ],
        events=[
            EventOut(id=e.id, kind=e.kind, actor=e.actor, detail=e.detail, created_at=e.created_at)
            for e in ticket.events
        ],
        linked_tickets=[t.number for t in repository.duplicates_of(db, ticket)],
    )


def login_limiter(request: Request) -> RateLimiter:
    """The per-client limiter of agent logins, shared by the JSON API and the console form.

    The lockout of :func:`auth.authenticate` protects one account; this one stops a client
    trying many accounts (``login_rate_limit_per_client`` attempts a minute).
    """
    return app_limiter(
        request.app.state, "agent_login", get_support_settings().login_rate_limit_per_client
    )


def login_retry_after(request: Request) -> int | None:
    """Count this login attempt; None when it may go on, else the seconds to wait."""
    client = request.client.host if request.client else "unknown"
    limiter = login_limiter(request)
    if limiter.allow(client):
        return None
    logger.warning("agent.login.rate_limited client=%s", client)
    return max(1, limiter.retry_after(client))


@router.post(
    "/login",
    response_model=LoginResponse,
    summary="Connexion d'un agent",
    responses=error_responses(400, 422, 429, e401="Identifiants incorrects ou compte verrouillé"),
)
def login(body: LoginRequest, request: Request, response: Response, db: DbSession) -> LoginResponse:
    wait_s = login_retry_after(request)
    if wait_s is not None:
        raise HTTPException(429, TOO_MANY_LOGINS, headers={"Retry-After": str(wait_s)})
    agent = auth.authenticate(db, email=body.email, password=body.password)
    new = auth.open_session(db, agent)
    set_session_cookie(request, response, new)
    return LoginResponse(agent=agent_out(agent), csrf_token=new.csrf_token)


@router.post("/logout", status_code=204, summary="Déconnexion", responses=error_responses(401, 403))
def logout(request: Request, current: ApiAgent, db: DbSession) -> Response:
    auth.close_session(db, session_token(request))
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.get(
    "/me", response_model=LoginResponse, summary="Agent connecté", responses=error_responses(401)
)
def me(current: ApiAgent) -> LoginResponse:
    return LoginResponse(agent=agent_out(current.agent), csrf_token=current.csrf_token)


@router.get(
    "/agents",
    response_model=list[AgentOut],
    summary="Agents actifs (assignation)",
    responses=error_responses(401),
)
def agents(current: ApiAgent, db: DbSession) -> list[AgentOut]:
    return [agent_out(a) for a in repository.list_agents(db)]


@router.get(
    "/tickets",
    response_model=QueueOut,
    summary="File des tickets",
    responses=error_responses(401, 422),
)
def queue(
    current: ApiAgent,
    db: DbSession,
    status: str = Query("ouverts", description="ouverts, tous ou un statut"),
    priority: str | None = None,
    category: str | None = None,
    assignee: str | None = Query(None, description="moi, aucun ou l'identifiant d'un agent"),
    sla: str | None = Query(None, description="ok, a_risque ou depasse"),
    q: str | None = Query(None, max_length=200, description="Recherche plein texte"),
    sort: str = Query("recent", description=", ".join(repository.SORTS)),
    page: int = Query(1, ge=1),
) -> QueueOut:
    filters = repository.QueueFilters(status, priority, category, assignee, sla, q, sort, page)
    result = repository.search_queue(db, filters, agent=current.agent)
    return QueueOut(
        tickets=[TicketSummary(**summary(db, r.ticket)) for r in result.rows],
        total=result.total,
        page=result.page,
        pages=result.pages,
        status_counts=result.status_counts,
        sla_counts=result.sla_counts,
    )


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketDetail,
    summary="Détail d'un ticket",
    responses=error_responses(401, 404, 422),
)
def ticket_detail(ticket_id: int, current: ApiAgent, db: DbSession) -> TicketDetail:
    return detail(db, get_ticket(db, ticket_id))


@router.post(
    "/tickets/{ticket_id}/replies",
    response_model=TicketDetail,
    summary="Répondre",
    responses=error_responses(*WRITE_ERRORS, 409),
)
def reply(
    ticket_id: int, body: ReplyIn, current: ApiAgent, db: DbSession, tasks: BackgroundTasks
) -> TicketDetail:
    ticket = get_ticket(db, ticket_id)
    agent_actions.reply_to_ticket(
        db,
        ticket,
        agent=current.agent,
        text=body.text,
        status=body.status,
        canned_key=body.canned_key,
    )
    tasks.add_task(deliver_outbox)
    return detail(db, ticket)


@router.post(
    "/tickets/{ticket_id}/notes",
    response_model=TicketDetail,
    summary="Note interne",
    responses=error_responses(*WRITE_ERRORS),
)
def note(ticket_id: int, body: NoteIn, current: ApiAgent, db: DbSession) -> TicketDetail:
    ticket = get_ticket(db, ticket_id)
    agent_actions.add_internal_note(db, ticket, agent=current.agent, text=body.text)
    return detail(db, ticket)


@router.post(
    "/tickets/{ticket_id}/assign",
    response_model=TicketDetail,
    summary="Assigner",
    responses=error_responses(*WRITE_ERRORS),
)
def assign(ticket_id: int, body: AssignIn, current: ApiAgent, db: DbSession) -> TicketDetail:
    ticket = get_ticket(db, ticket_id)
    agent_actions.assign_ticket(db, ticket, agent=current.agent, assignee_id=body.assignee_id)
    return detail(db, ticket)


@router.post(
    "/tickets/{ticket_id}/status",
    response_model=TicketDetail,
    summary="Statut",
    responses=error_responses(*WRITE_ERRORS, 409),
)
def status_change(ticket_id: int, body: StatusIn, current: ApiAgent, db: DbSession) -> TicketDetail:
    ticket = get_ticket(db, ticket_id)
    agent_actions.change_status(db, ticket, agent=current.agent, status=body.status)
    return detail(db, ticket)


@router.post(
    "/tickets/{ticket_id}/priority",
    response_model=TicketDetail,
    summary="Priorité",
    responses=error_responses(*WRITE_ERRORS),
)
def priority_change(
    ticket_id: int, body: PriorityIn, current: ApiAgent, db: DbSession
) -> TicketDetail:
    ticket = get_ticket(db, ticket_id)
    agent_actions.change_priority(db, ticket, agent=current.agent, priority=body.priority)
    return detail(db, ticket)


@router.post(
    "/tickets/{ticket_id}/merge",
    response_model=TicketDetail,
    summary="Fusionner ce ticket dans un autre (le détail renvoyé est celui de la destination)",
    responses=error_responses(*WRITE_ERRORS),
)
def merge(ticket_id: int, body: MergeIn, current: ApiAgent, db: DbSession) -> TicketDetail:
    source = get_ticket(db, ticket_id)
    target = get_ticket(db, body.target_id)
    agent_actions.merge_tickets(db, source=source, target=target, agent=current.agent)
    return detail(db, target)


@router.get(
    "/canned-responses",
    response_model=list[CannedOut],
    summary="Réponses types",
    responses=error_responses(401),
)
def canned_list(current: ApiAgent, db: DbSession) -> list[CannedOut]:
    return [
        CannedOut(key=c.key, title=c.title, body=c.body, category=c.category)
        for c in canned.list_canned(db)
    ]


@router.get(
    "/tickets/{ticket_id}/canned-responses/{key}",
    response_model=RenderedCanned,
    summary="Réponse type remplie pour ce ticket",
    responses=error_responses(401, 422, e404="Ticket ou réponse type introuvable"),
)
def canned_render(ticket_id: int, key: str, current: ApiAgent, db: DbSession) -> RenderedCanned:
    ticket = get_ticket(db, ticket_id)
    template = canned.get_canned(db, key)
    if template is None:
        raise HTTPException(404, "Cette réponse type n'existe pas.")
    return RenderedCanned(key=key, text=canned.render(template.body, ticket, current.agent))


@router.get(
    "/overview",
    response_model=OverviewOut,
    summary="Vue d'ensemble (superviseurs)",
    responses=error_responses(401, e403="Réservée aux superviseurs"),
)
def overview(current: ApiSupervisor, db: DbSession) -> OverviewOut:
    data = repository.overview(db)
    return OverviewOut(
        open_total=data.open_total,
        at_risk=data.at_risk,
        age_buckets=data.bucket_labels,
        by_category=data.by_category,
        breaches=[TicketSummary(**summary(db, r.ticket)) for r in data.breaches],
        by_assignee=dict(data.by_assignee),
    )
