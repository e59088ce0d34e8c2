"""Public schemas of the chat API (the contract of the widget and of every evaluation)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{8,128}$"


class ChatRequest(BaseModel):
    """``POST /api/chat`` body. Length limits are checked against the settings in the route."""

    session_id: str = Field(pattern=SESSION_ID_PATTERN, examples=["b6f1c1e2-4f1a-4b8e-9c1d"])
    message: str = Field(examples=["Bonjour, le portail est-il payant ?"])
    page: str | None = Field(None, max_length=200, description="Portal page the widget is on.")
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


class ChatResponse(BaseModel):
    session_id: str
    messages: list[BotMessage]
    turn_id: int | None = Field(None, description="Identifier of the stored turn (feedback).")


class HistoryTurn(BaseModel):
    turn_id: int
    created_at: dt.datetime
    user_text: str
    messages: list[BotMessage]
    feedback: str | None = None


class HistoryResponse(BaseModel):
    session_id: str
    turns: list[HistoryTurn]


class FeedbackRequest(BaseModel):
    """Thumbs up / down on one answered turn."""

    session_id: str = Field(pattern=SESSION_ID_PATTERN)
    turn_id: int
    value: Literal["positive", "negative"]


class ErrorResponse(BaseModel):
    """Every 4xx of the API: a French explanation, and the offending fields when relevant."""

    detail: str
    errors: list[dict[str, str]] = Field(default_factory=list)
