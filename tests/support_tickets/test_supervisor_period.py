"""The period filter shared by « Pilotage » and « Lacunes »: one check, one echo, one query."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from fastapi.testclient import TestClient

from support_tickets.models import Agent
from support_tickets.pilotage import PilotageFilters
from support_tickets.supervisor_period import (
    MAX_ECHOED_CHARS,
    period_form,
    period_query,
    typed_form,
)
from tests.support_tickets.test_console import console_login

PAGES = ("/console/pilotage", "/console/lacunes")


def test_supervisor_period_query_gives_the_filters_back() -> None:
    filters = PilotageFilters(dt.date(2026, 11, 2), dt.date(2026, 11, 30), "/docs/a b")
    assert period_query(filters) == "du=2026-11-02&au=2026-11-30&page=%2Fdocs%2Fa+b"
    assert period_query(filters, ok="traitee").endswith("&ok=traitee")
    whole = PilotageFilters(dt.date(2026, 11, 2), dt.date(2026, 11, 30), None)
    assert period_query(whole) == "du=2026-11-02&au=2026-11-30"
    assert period_form(whole) == {"du": "2026-11-02", "au": "2026-11-30", "page": ""}


def test_supervisor_period_typed_form_is_cut() -> None:
    form = typed_form("9" * 5000, None, "p" * 5000)
    assert form["du"] == "9" * MAX_ECHOED_CHARS
    assert form["au"] == ""
    assert len(form["page"]) < 5000


@pytest.mark.parametrize("path", PAGES)
def test_supervisor_period_refused_date_is_shown_back_in_its_field(
    client: TestClient, supervisor: Agent, path: str
) -> None:
    console_login(client, supervisor)
    response = client.get(path, params={"du": "2026-13-45", "au": "2026-11-30"})
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "La date de début n'est pas une date valide" in text
    assert 'name="du" value="2026-13-45"' in text
    assert 'name="au" value="2026-11-30"' in text
