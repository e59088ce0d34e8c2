"""The one handler of ticket errors: each kind of error answers its status code, a subclass as
its closest listed parent, any other ticket error 400; the body is the French message."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from support_tickets.errors import (
    InvalidTransitionError,
    LoginError,
    TicketError,
    TicketNotFoundError,
    TicketValidationError,
)
from support_tickets.http_errors import (
    install_ticket_error_handler,
    status_code_for,
    ticket_error_response,
)


class LockedTicketError(InvalidTransitionError):
    """A subclass defined only for this test."""


@pytest.mark.parametrize(
    ("error", "status_code"),
    [
        (TicketNotFoundError("Ce ticket n'existe pas."), 404),
        (InvalidTransitionError("Passage impossible."), 409),
        (LockedTicketError("Ticket verrouillé."), 409),
        (LoginError("Adresse e-mail ou mot de passe incorrect."), 401),
        (TicketValidationError("Priorité inconnue.", "priority"), 422),
        (TicketError("Erreur."), 400),
    ],
)
def test_status_code_for_each_kind_of_error(error: TicketError, status_code: int) -> None:
    assert status_code_for(error) == status_code


async def test_ticket_error_response_carries_the_french_message() -> None:
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []})
    response = await ticket_error_response(request, TicketValidationError("Décrivez-la.", "text"))
    assert response.status_code == 422
    assert json.loads(bytes(response.body)) == {"detail": "Décrivez-la."}


def test_installed_handler_answers_errors_raised_by_routes() -> None:
    app = FastAPI()
    install_ticket_error_handler(app)

    @app.get("/introuvable")
    def not_found() -> None:
        raise TicketNotFoundError("Ce ticket n'existe pas.")

    with TestClient(app) as client:
        response = client.get("/introuvable")
    assert response.status_code == 404
    assert response.json() == {"detail": "Ce ticket n'existe pas."}
