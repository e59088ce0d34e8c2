"""The tickets' retention in the web app (the daily purge at start-up, ``python -m assistant
purge``) and what the « Données personnelles » page says of it and of the erasure."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import retention
from assistant.config import Settings
from assistant.main import create_app
from storage.db import get_sessionmaker
from support_tickets.config import get_support_settings
from support_tickets.models import Ticket, TicketMessage
from tests.assistant.conftest import FakeBackends
from tests.widget_client import WidgetClient

STARTUP_WAIT_S = 5.0
YEARS_4 = dt.timedelta(days=4 * 365)  # beyond the default 3 years


def _ticket(status: str, ended_ago: dt.timedelta) -> int:
    """A ticket of ``status`` closed (and resolved) ``ended_ago``, with a message; its id."""
    ended = dt.datetime.now(dt.UTC) - ended_ago
    with get_sessionmaker()() as session:
        ticket = Ticket(
            number=f"SUP-R-{uuid.uuid4().hex[:12]}",
            status=status,
            category="autre",
            email="usager.retention@exemple.fr",
            description="Une ancienne demande au sujet de mon compte.",
            created_at=ended - dt.timedelta(days=3),
            resolved_at=ended,
            closed_at=ended if status == "clos" else None,
            messages=[TicketMessage(author_type="user", in_transcript=True, body="bonjour")],
        )
        session.add(ticket)
        session.commit()
        return ticket.id


def _exists(ticket_id: int) -> bool:
    with get_sessionmaker()() as session:
        return session.get(Ticket, ticket_id) is not None


@pytest.fixture
def support_settings_cleared() -> Iterator[None]:
    get_support_settings.cache_clear()
    yield
    get_support_settings.cache_clear()


def test_retention_tickets_purged_at_startup_next_to_the_turns(
    settings: Settings, backends: FakeBackends
) -> None:
    due, kept = _ticket("clos", YEARS_4), _ticket("clos", dt.timedelta(days=30))
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with WidgetClient(app):
        deadline = time.monotonic() + STARTUP_WAIT_S
        while _exists(due) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _exists(due)
    assert _exists(kept)


def test_retention_tickets_purged_even_when_the_chat_purge_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    due = _ticket("resolu", YEARS_4)

    def failing(now: dt.datetime | None = None) -> retention.PurgeResult:
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(retention, "purge_chat", failing)
    with pytest.raises(RuntimeError):
        retention.purge_once()
    assert not _exists(due)


def test_retention_purge_command_purges_tickets_and_says_it_in_french(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assistant.__main__ import main

    due, open_ticket = _ticket("clos", YEARS_4), _ticket("en_cours", YEARS_4)
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^\d+ tour\(s\) de conversation de plus de 90 jours supprimé\(s\)\.$", out, re.M
    )
    assert re.search(
        r"^[1-9]\d* ticket\(s\) clos ou résolu\(s\) depuis plus de 3 ans supprimé\(s\)\.$",
        out,
        re.M,
    )
    assert re.search(r"^\d+ incident\(s\) resté\(s\) sans ticket supprimé\(s\)\.$", out, re.M)
    assert not _exists(due) and _exists(open_ticket)


def test_personal_data_page_states_the_ticket_retention_and_the_erasure(
    support_settings_cleared: None, client: TestClient
) -> None:
    page = html_lib.unescape(client.get("/donnees-personnelles").text)
    text = re.sub(r"\s+", " ", page)
    assert "aucune durée de suppression automatique" not in text
    assert "Une demande en cours de traitement n'est jamais supprimée." in text
    assert "<strong>supprimée 3 ans après sa clôture</strong>" in text
    assert "« Effacer la conversation »" in text
    assert "<strong>supprimés aussitôt</strong> de nos serveurs" in text
    assert "« Conversation effacée à la demande de l'usager »" in text
    assert "les conseillers voient que la conversation a été effacée, pas son contenu" in text
    assert 'href="#effacement"' in text and 'id="effacement"' in text


@pytest.fixture
def ticket_retention_of_400_days(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Set before the app starts: its start-up purge reads (and caches) the same settings."""
    monkeypatch.setenv("SUPPORT_TICKET_RETENTION_DAYS", "400")
    get_support_settings.cache_clear()
    yield
    monkeypatch.delenv("SUPPORT_TICKET_RETENTION_DAYS")
    get_support_settings.cache_clear()


def test_personal_data_page_reads_the_ticket_retention_from_the_settings(
    ticket_retention_of_400_days: None, client: TestClient
) -> None:
    text = re.sub(r"\s+", " ", client.get("/donnees-personnelles").text)
    assert "<strong>supprimée 400 jours après sa clôture</strong>" in text
