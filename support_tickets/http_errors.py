"""Ticket errors as HTTP answers: one exception handler turns every :class:`TicketError` that
reaches the app into a JSON answer ``{"detail": <French message>}`` with its status code.

The agents' JSON API lets the service's errors go up to it instead of catching them in each
route. The console's pages and the ``/support`` form catch theirs to show them in the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from support_tickets.errors import (
    InvalidTransitionError,
    LoginError,
    TicketError,
    TicketNotFoundError,
    TicketValidationError,
)
from support_tickets.schemas import ErrorOut

# The status code of each kind of error; a kind not listed answers DEFAULT_STATUS_CODE.
STATUS_CODES: dict[type[TicketError], int] = {
    TicketNotFoundError: 404,
    InvalidTransitionError: 409,
    LoginError: 401,
    TicketValidationError: 422,
}
DEFAULT_STATUS_CODE = 400

# What each 4xx of the agents' JSON API means, for its OpenAPI documentation.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Corps de la requête illisible : un objet JSON valide, encodé en UTF-8, est attendu",
    401: "Connexion requise : aucune session d'agent valide",
    403: "Jeton CSRF (en-tête X-CSRF-Token) absent ou invalide",
    404: "Ticket introuvable",
    409: "Changement de statut refusé par le cycle de vie du ticket",
    422: "Paramètre ou champ invalide (les champs en cause sont dans « errors »)",
    429: "Trop de tentatives depuis cette adresse (en-tête Retry-After)",
}


def error_responses(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that answers ``codes`` (and the codes given by keyword,
    ``e403="…"``, with their own description), all with the :class:`ErrorOut` body."""
    descriptions = {code: ERROR_DESCRIPTIONS[code] for code in codes}
    descriptions.update({int(key.removeprefix("e")): text for key, text in described.items()})
    return {
        code: {"model": ErrorOut, "description": text}
        for code, text in sorted(descriptions.items())
    }


def status_code_for(exc: TicketError) -> int:
    """The status code of ``exc``, looked up along its classes (a subclass answers as its
    closest listed parent)."""
    for kind in type(exc).__mro__:
        if kind in STATUS_CODES:
            return STATUS_CODES[kind]
    return DEFAULT_STATUS_CODE


async def ticket_error_response(_request: Request, exc: Exception) -> JSONResponse:
    """The JSON answer to a ticket error: its French message and its status code."""
    if not isinstance(exc, TicketError):  # registered for TicketError only
        raise exc
    return JSONResponse({"detail": exc.message}, status_code=status_code_for(exc))


def install_ticket_error_handler(app: FastAPI) -> None:
    """Answer the ticket errors raised by the routes of ``app`` (see the module docstring)."""
    app.add_exception_handler(TicketError, ticket_error_response)
