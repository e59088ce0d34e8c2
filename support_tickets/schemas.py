"""Pydantic schemas of the support desk: a new ticket (:class:`TicketCreate`, validated once
for the chat and the web form) and the agents' JSON API (documented in the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from storage.db import as_utc
from support_tickets.config import get_support_settings
from support_tickets.errors import TicketValidationError
from support_tickets.taxonomy import (
    CHANNEL_CHAT,
    CHANNELS,
    AuthorType,
    Category,
    Channel,
    Priority,
    Role,
    SlaState,
    Status,
    Visibility,
)
from support_tickets.validation import (
    MAX_ROW_ID,
    clip_page,
    validate_category,
    validate_description,
    validate_email,
    validate_reference,
)

T = TypeVar("T")
# The pydantic error type of a field refused by support_tickets.validation.
TICKET_FIELD_ERROR = "ticket_field"
# SQLite gives stored datetimes back naive: the API always says they are UTC.
UtcDatetime = Annotated[dt.datetime, AfterValidator(as_utc)]
# The id of a stored row, as a request gives it: bigger ones cannot exist (the database
# would refuse to look them up).
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _checked(check: Callable[[], T]) -> T:
    """Run a check of :mod:`support_tickets.validation` as a pydantic validator: its French
    message becomes the error's message, as is."""
    try:
        return check()
    except TicketValidationError as exc:
        raise PydanticCustomError(
            TICKET_FIELD_ERROR, "{message}", {"message": exc.message}
        ) from exc


class TicketCreate(BaseModel):
    """A new ticket as the requester asks for it, with where it was asked from.

    Build it once: the fields are cleaned (e-mail in lower case, reference in upper case,
    page cut to its stored length) or refused with the French message of
    :mod:`support_tickets.validation`; :func:`field_errors` gives them by field and
    :meth:`validated` raises the first as a :class:`TicketValidationError`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The requester's fields, checked in this order.
    email: str
    category: Category
    description: str
    reference: str | None = None
    # The context: who (verified portal identity claims), from which chat session and page.
    identity: dict[str, Any] | None = None
    chat_session_id: str | None = None
    page: str | None = None
    channel: Channel = CHANNEL_CHAT
    intent: str | None = None
    intent_confidence: float | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> str:
        return _checked(lambda: validate_email(_text(value)))

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str:
        return _checked(lambda: validate_category(_text(value)))

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str:
        return _checked(lambda: validate_description(_text(value), get_support_settings()))

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: Any) -> str | None:
        return _checked(lambda: validate_reference(_text(value)))

    @field_validator("identity", mode="before")
    @classmethod
    def _identity(cls, value: Any) -> Any:
        return value or None

    @field_validator("chat_session_id", mode="before")
    @classmethod
    def _chat_session_id(cls, value: Any) -> Any:
        return value or None

    @field_validator("page", mode="before")
    @classmethod
    def _page(cls, value: Any) -> str | None:
        return clip_page(_text(value))

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        """An unknown channel is taken as the chat's, as before channels were recorded."""
        return value if value in CHANNELS else CHANNEL_CHAT

    @property
    def identity_sub(self) -> str | None:
        """The portal user's stable identifier, when the identity is verified."""
        return str(self.identity["sub"]) if self.identity and self.identity.get("sub") else None

    @property
    def requester_name(self) -> str | None:
        """The name in the identity claims, if any."""
        name = (self.identity or {}).get("name")
        return str(name) if name else None

    @classmethod
    def validated(cls, **fields: Any) -> TicketCreate:
        """Build the request; raises :class:`TicketValidationError` with the French message
        of the first invalid field (``field`` names it)."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            field, message = next(iter(field_errors(exc).items()))
            raise TicketValidationError(message, field) from exc


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The French message of each invalid field of a :class:`TicketCreate`, in field order
    (the first message of a field only)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == TICKET_FIELD_ERROR:
            message = error["msg"]
        else:
            message = f"La valeur du champ « {field} » est invalide."
        errors.setdefault(field, message)
    return errors


class ErrorOut(BaseModel):
    """Every 4xx of the agents' API: a French explanation (``detail``), and the offending
    fields when relevant (``errors``, each ``{"field", "message"}``): the chat API's shape."""

    detail: str = Field(description="Explication en français, à afficher telle quelle.")
    errors: list[dict[str, str]] = Field(
        default_factory=list, description="Champs en cause : « field » et « message »."
    )


class LoginRequest(BaseModel):
    email: str = Field(max_length=254, description="Adresse e-mail de l'agent.")
    password: str = Field(max_length=200, description="Mot de passe.")


class AgentOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role


class LoginResponse(BaseModel):
    agent: AgentOut
    csrf_token: str = Field(description="À renvoyer dans l'en-tête X-CSRF-Token des écritures.")


class SlaOut(BaseModel):
    state: SlaState
    label: str
    first_response_due: UtcDatetime | None
    resolution_due: UtcDatetime | None


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
    created_at: UtcDatetime
    updated_at: UtcDatetime
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
    author_type: AuthorType
    author_name: str | None
    visibility: Visibility
    in_transcript: bool
    origin_number: str | None
    body: str
    meta: dict[str, Any] | None
    created_at: UtcDatetime


class EventOut(BaseModel):
    id: int
    kind: str
    actor: str
    detail: dict[str, Any]
    created_at: UtcDatetime


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
    first_response_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    closed_at: UtcDatetime | None
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
    assignee_id: RowId | None = Field(description="Agent assigné ; null pour désassigner.")


class StatusIn(BaseModel):
    status: Status


class PriorityIn(BaseModel):
    priority: Priority


class MergeIn(BaseModel):
    target_id: RowId = Field(description="Ticket dans lequel fusionner celui-ci.")


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
