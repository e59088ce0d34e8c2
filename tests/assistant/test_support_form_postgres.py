"""The ``/support`` form on PostgreSQL, whose text columns refuse NUL characters: a NUL in the
description is a French error next to the field, one in the page name is dropped; never the
503 « difficulté technique » of a refused write."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.config import Settings
from assistant.main import create_app
from storage.db import get_session
from support_tickets.models import Ticket
from support_tickets.similarity import LexicalSimilarity
from tests.assistant.conftest import FakeBackends
from tests.postgres import throwaway_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_sessions() -> Iterator[sessionmaker[Session]]:
    with throwaway_database("support_form_pg") as url:
        engine = create_engine(url)
        yield sessionmaker(bind=engine, expire_on_commit=False)
        engine.dispose()


@pytest.fixture
def pg_client(
    pg_sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)
    app = create_app(settings, transport=httpx.MockTransport(FakeBackends().handle))

    def session_override() -> Iterator[Session]:
        with pg_sessions() as session:
            yield session

    app.dependency_overrides[get_session] = session_override
    with TestClient(app) as client:
        yield client


def _post(client: TestClient, **fields: str) -> httpx.Response:
    page = client.get("/support")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    data = {
        "csrf_token": token.group(1),
        "email": "usager.pg@exemple.fr",
        "category": "factures",
        "description": "Ma facture déposée hier n'apparaît pas dans la liste.",
        **fields,
    }
    return client.post("/support", data=data, follow_redirects=False)


def test_support_form_postgres_nul_in_description_is_french_error(pg_client: TestClient) -> None:
    response = _post(pg_client, description="Ma facture\x00 n'apparaît pas dans la liste.")
    assert response.status_code == 422
    assert "La description contient un caractère invalide" in html.unescape(response.text)


def test_support_form_postgres_nul_in_page_is_dropped(
    pg_client: TestClient, pg_sessions: sessionmaker[Session]
) -> None:
    response = _post(pg_client, page="/factures\x00/liste")
    assert response.status_code == 303, response.text
    number = response.headers["location"].rsplit("=", 1)[1]
    with pg_sessions() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.page == "/factures/liste"
