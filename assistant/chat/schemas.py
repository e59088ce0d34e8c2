"""Public schemas of the chat API (the contract of the widget and of every evaluation)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from storage.db import as_utc

SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{8,128}$"
MAX_ROW_ID = 2**31 - 1  # the largest id the tables store (INTEGER on PostgreSQL)


def _no_lone_surrogate(value: str) -> str:
    """A lone UTF-16 surrogate (``\\ud800`` in JSON) is no character: it could be neither
    relayed to Rasa nor stored."""
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise PydanticCustomError("text_surrogate", "lone surrogate in text")
    return value


Text = Annotated[str, AfterValidator(_no_lone_surrogate)]
# SQLite gives stored datetimes back naive: the API always says they are UTC.
UtcDatetime = Annotated[dt.datetime, AfterValidator(as_utc)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class ChatRequest(BaseModel):
    """``POST /api/chat`` body. Length limits are checked against the settings in the route."""

    session_id: str = Field(pattern=SESSION_ID_PATTERN, examples=["b6f1c1e2-4f1a-4b8e-9c1d"])
    message: Text = Field(examples=["Bonjour, le portail est-il payant ?"])
    page: Text | None = Field(None, max_length=200, description="Portal page the widget is on.")
    identity_token: str | None = Field(
        None,
        max_length=4096,
        description="Signed identity of the logged-in portal user (the widget's data attribute); "
        "the session cookie counts too. Absent: anonymous.",
    )

    @field_validator("message")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Button(BaseModel):
    title: str
    payload: str


class Link(BaseModel):
    title: str
    url: str


class BotMessage(BaseModel):
    text: str = ""
    buttons: list[Button] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    author: Literal["agent"] | None = Field(
        None,
        description="« agent » for a support agent's reply to a ticket; absent: the bot.",
        exclude_if=lambda value: value is None,  # the bot's messages keep their shape
    )
    agent_message_id: int | None = Field(
        None,
        description="For an agent's reply: its ticket message's id (the widget shows it once).",
        exclude_if=lambda value: value is None,
    )
    kind: Literal["knowledge_answer"] | None = Field(
        None,
        description="« knowledge_answer » for an answer from the knowledge base (the widget asks "
        "« Cette réponse vous a-t-elle aidé ? » under those only); absent otherwise.",
        exclude_if=lambda value: value is None,
    )
    question: str | None = Field(
        None,
        description="For an FAQ entry's answer: the entry's own question, which the widget "
        "shows above the answer, so that a « Oui » or a « Non » reads against the question it "
        "answers and an answer beside the user's question shows itself as such; absent "
        "otherwise.",
        exclude_if=lambda value: value is None,
    )


class ChatResponse(BaseModel):
    session_id: str
    messages: list[BotMessage]
    turn_id: int | None = Field(None, description="Identifier of the stored turn (feedback).")
    conversation_key: str | None = Field(
        None,
        description=(
            "Given once, with the conversation's first reply: send it back in the "
            "X-Conversation-Key header with every later message, history read and feedback."
        ),
    )


class SupportExchange(BaseModel):
    """Whether the conversation's messages go to the support team (a ticket waiting for the
    user) instead of the assistant."""

    active: bool
    ticket: str | None = Field(None, description="The ticket's number while active.")


class HistoryTurn(BaseModel):
    turn_id: int
    created_at: UtcDatetime
    user_text: str
    messages: list[BotMessage]
    feedback: str | None = None


class HistoryResponse(BaseModel):
    session_id: str
    turns: list[HistoryTurn]


class FeedbackRequest(BaseModel):
    """Thumbs up / down on one answered turn."""

    session_id: str = Field(pattern=SESSION_ID_PATTERN)
    turn_id: RowId
    value: Literal["positive", "negative"]


class ErrorResponse(BaseModel):
    """Every 4xx of the API: a French explanation, and the offending fields when relevant."""

    detail: str
    errors: list[dict[str, str]] = Field(default_factory=list)
