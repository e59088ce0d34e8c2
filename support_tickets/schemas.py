"""Pydantic schemas of the agents' JSON API (documented in the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["nouveau", "en_cours", "en_attente_usager", "resolu", "clos"]
Priority = Literal["basse", "normale", "haute", "urgente"]


class LoginRequest(BaseModel):
    email: str = Field(max_length=254, description="Adresse e-mail de l'agent.")
    password: str = Field(max_length=200, description="Mot de passe.")


class AgentOut(BaseModel):
    id: int
    email: str
    name: str
    role: Literal["agent", "supervisor"]


class LoginResponse(BaseModel):
    agent: AgentOut
    csrf_token: str = Field(description="À renvoyer dans l'en-tête X-CSRF-Token des écritures.")


class SlaOut(BaseModel):
    state: Literal["ok", "a_risque", "depasse"]
    label: str
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None


class TicketSummary(BaseModel):
    id: int
    number: str
    status: Status
    status_label: str
    priority: Priority
    category: str
    category_label: str
    email: str
    requester_name: str | None
    reference: str | None
    channel: str
    assignee: AgentOut | None
    duplicate_of: str | None = Field(
        description="Numéro du ticket dont il est un doublon probable."
    )
    merged_into: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    sla: SlaOut


class QueueOut(BaseModel):
    tickets: list[TicketSummary]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]
    sla_counts: dict[str, int]


class MessageOut(BaseModel):
    id: int
    author_type: Literal["user", "bot", "agent"]
    author_name: str | None
    visibility: Literal["public", "internal"]
    in_transcript: bool
    origin_number: str | None
    body: str
    meta: dict[str, Any] | None
    created_at: dt.datetime


class EventOut(BaseModel):
    id: int
    kind: str
    actor: str
    detail: dict[str, Any]
    created_at: dt.datetime


class TicketDetail(TicketSummary):
    description: str
    identity: dict[str, Any] | None
    chat_session_id: str | None
    page: str | None
    intent: str | None
    intent_confidence: float | None
    kb_candidates: list[dict[str, Any]] | None
    suggested_priority: Priority
    priority_reasons: list[str]
    duplicate_score: float | None
    duplicate_reasons: list[str] | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_statuses: list[Status]
    messages: list[MessageOut]
    events: list[EventOut]
    linked_tickets: list[str]


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=10000, description="Réponse publique à l'usager.")
    status: Status | None = Field(None, description="Statut après la réponse (facultatif).")
    canned_key: str | None = Field(
        None, max_length=64, description="Modèle utilisé, s'il y a lieu."
    )


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10000, description="Note interne (agents seuls).")


class AssignIn(BaseModel):
    assignee_id: int | None = Field(description="Agent assigné ; null pour désassigner.")


class StatusIn(BaseModel):
    status: Status


class PriorityIn(BaseModel):
    priority: Priority


class MergeIn(BaseModel):
    target_id: int = Field(description="Ticket dans lequel fusionner celui-ci.")


class CannedOut(BaseModel):
    key: str
    title: str
    body: str
    category: str | None


class RenderedCanned(BaseModel):
    key: str
    text: str


class OverviewOut(BaseModel):
    open_total: int
    at_risk: int
    age_buckets: list[str]
    by_category: dict[str, list[int]]
    breaches: list[TicketSummary]
    by_assignee: dict[str, int]
