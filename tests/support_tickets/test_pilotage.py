"""The Pilotage page: aggregates of seeded turns and tickets (exact figures), its filters, its
CSV export, and who may see it. Real app, real (SQLite) database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from storage.db import get_sessionmaker
from support_tickets import pilotage
from support_tickets.models import Agent
from support_tickets.pilotage import PilotageFilters, PilotageInputError, compute, parse_filters
from support_tickets.pilotage_export import COLUMNS
from tests.support_tickets import pilotage_data as data
from tests.support_tickets.test_console import console_login

DAYS = 7


@pytest.fixture(scope="module")
def seeded() -> data.Seeded:
    with get_sessionmaker()() as session:
        return data.seed(session)


def _page_a(db: Session, seeded: data.Seeded) -> pilotage.Pilotage:
    return compute(db, PilotageFilters(data.START, data.END, seeded.page_a))


def _query(page: str | None = None, **extra: str) -> dict[str, str]:
    query = {"du": data.START.isoformat(), "au": data.END.isoformat(), **extra}
    if page is not None:
        query["page"] = page
    return query


# --- aggregates ------------------------------------------------------------------------------


def test_pilotage_turns_per_paris_day(db: Session, seeded: data.Seeded) -> None:
    result = _page_a(db, seeded)
    assert result.days == [data.START + dt.timedelta(days=n) for n in range(DAYS)]
    assert result.turns_per_day == data.TURNS_PER_DAY
    assert result.total_turns == sum(data.TURNS_PER_DAY) == 8


def test_pilotage_outcomes_follow_the_last_kb_decision(db: Session, seeded: data.Seeded) -> None:
    result = _page_a(db, seeded)
    assert result.outcomes == data.OUTCOMES
    assert result.outcome_percent("answered") == 25.0
    assert result.outcome_percent("escalated") == 25.0


def test_pilotage_feedback_per_day(db: Session, seeded: data.Seeded) -> None:
    result = _page_a(db, seeded)
    assert result.feedback_positive == data.FEEDBACK_POSITIVE
    assert result.feedback_negative == data.FEEDBACK_NEGATIVE


def test_pilotage_top_intents_by_count(db: Session, seeded: data.Seeded) -> None:
    assert _page_a(db, seeded).top_intents == data.TOP_INTENTS


def test_pilotage_latency_percentiles(db: Session, seeded: data.Seeded) -> None:
    result = _page_a(db, seeded)
    assert result.latency_days == data.LATENCY_DAYS
    assert result.latency_p50_by_day == data.LATENCY_P50_BY_DAY
    assert result.latency_p95_by_day == data.LATENCY_P95_BY_DAY
    assert (result.latency_p50, result.latency_p95) == (data.LATENCY_P50, data.LATENCY_P95)
    assert result.latency_sampled is False


def test_pilotage_latency_samples_beyond_the_limit(
    db: Session, seeded: data.Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pilotage, "LATENCY_SAMPLE_MAX", 3)
    result = _page_a(db, seeded)
    assert result.latency_sampled is True
    # Eight turns, at most three read: those whose id is a multiple of ceil(8 / 3) = 3.
    first, after = PilotageFilters(data.START, data.END).bounds()
    rows = db.execute(
        select(ChatTurn.id, ChatTurn.latency_ms).where(
            ChatTurn.page == seeded.page_a,
            ChatTurn.created_at >= first,
            ChatTurn.created_at < after,
        )
    ).all()
    sample = sorted(latency for turn_id, latency in rows if turn_id % 3 == 0)
    assert len(rows) == 8 and 2 <= len(sample) <= 3
    assert result.latency_p50 == pilotage.percentile(sample, 50)
    assert result.latency_p95 == pilotage.percentile(sample, 95) == sample[-1]
    assert result.turns_per_day == data.TURNS_PER_DAY  # the counts are never sampled


def test_pilotage_tickets_opened_resolved_and_sla(db: Session, seeded: data.Seeded) -> None:
    result = _page_a(db, seeded)
    assert result.tickets_opened == data.TICKETS_OPENED
    assert result.tickets_resolved == data.TICKETS_RESOLVED
    first, resolution = result.sla_first_response, result.sla_resolution
    assert (first.kept, first.measured) == data.SLA_FIRST_RESPONSE
    assert (resolution.kept, resolution.measured) == data.SLA_RESOLUTION
    assert (first.percent, resolution.percent) == (66.7, 50.0)


def test_pilotage_without_page_filter_counts_every_page(db: Session, seeded: data.Seeded) -> None:
    result = compute(db, PilotageFilters(data.START, data.END))
    assert result.turns_per_day == [3, 1, 2, 2, 1, 0, 0]
    assert result.tickets_opened == [1, 1, 2, 0, 1, 0, 0]
    assert result.pages == [seeded.page_a, seeded.page_b]


def test_pilotage_page_choices_ignore_the_chosen_page(db: Session, seeded: data.Seeded) -> None:
    assert _page_a(db, seeded).pages == [seeded.page_a, seeded.page_b]


def test_pilotage_period_filter_bounds_the_days(db: Session, seeded: data.Seeded) -> None:
    result = compute(db, PilotageFilters(data.day(2), data.day(3), seeded.page_a))
    assert result.turns_per_day == [2, 2]
    assert result.outcomes["escalated"] == 1 and result.outcomes["clarified"] == 1
    assert result.tickets_opened == [2, 0] and result.tickets_resolved == [0, 1]


def test_pilotage_empty_period_has_no_percentile(db: Session, seeded: data.Seeded) -> None:
    result = compute(db, PilotageFilters(dt.date(2001, 1, 1), dt.date(2001, 1, 2), seeded.page_a))
    assert result.total_turns == 0 and result.outcome_percent("answered") is None
    assert result.latency_p50 is None and result.latency_days == []
    assert result.sla_resolution.percent is None


# --- filters ---------------------------------------------------------------------------------


def test_pilotage_filters_default_to_the_last_30_days() -> None:
    filters = parse_filters(None, "", None, dt.date(2026, 12, 6))
    assert (filters.start, filters.end, filters.page) == (
        dt.date(2026, 11, 7),
        dt.date(2026, 12, 6),
        None,
    )


def test_pilotage_filters_accept_french_dates() -> None:
    filters = parse_filters("01/02/2026", "2026-02-28", " /accueil ", dt.date(2026, 12, 6))
    assert (filters.start, filters.end, filters.page) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        "/accueil",
    )


@pytest.mark.parametrize(
    ("start", "end", "page", "message"),
    [
        ("2026-02-30", None, None, "La date de début n'est pas une date valide"),
        ("demain", None, None, "La date de début n'est pas une date valide"),
        (None, "32/01/2026", None, "La date de fin n'est pas une date valide"),
        ("2026-03-02", "2026-03-01", None, "La date de début doit précéder la date de fin."),
        ("2024-01-01", "2025-01-01", None, "La période ne peut pas dépasser 366 jours"),
        (None, None, "x" * 201, "La page choisie n'est pas valide."),
        (None, None, "/a\x00b", "La page choisie n'est pas valide."),
    ],
)
def test_pilotage_filters_refuse_in_french(
    start: str | None, end: str | None, page: str | None, message: str
) -> None:
    with pytest.raises(PilotageInputError) as caught:
        parse_filters(start, end, page, dt.date(2026, 12, 6))
    assert caught.value.message.startswith(message)


# --- the page and its export -----------------------------------------------------------------


def test_pilotage_page_draws_the_charts(
    client: TestClient, supervisor: Agent, seeded: data.Seeded
) -> None:
    console_login(client, supervisor)
    response = client.get("/console/pilotage", params=_query(seeded.page_a))
    assert response.status_code == 200
    text = response.text
    for key in ("volumes", "outcomes", "feedback", "intents", "latency", "tickets", "sla"):
        assert f'data-pilotage="{key}"' in text, key
    volumes = re.search(r'data-pilotage="volumes"><bar-chart x="([^"]*)" y="([^"]*)"', text)
    assert volumes and volumes.group(2) == "[[3, 0, 2, 2, 1, 0, 0]]"
    assert f"&#34;{data.START:%d/%m}&#34;" in volumes.group(1)
    # The seven charts above and the reviewed answers' accuracy (test_review_pages.py).
    assert text.count("<details>") == 8 and "<caption>Répartition des réponses</caption>" in text
    assert "Transmis au support" in text and "25 %" in text
    assert 'src="/static/dsfr-chart/DSFRChart.js"' in text
    assert data.USER_TEXT not in text


def test_pilotage_page_has_no_inline_script(
    client: TestClient, supervisor: Agent, seeded: data.Seeded
) -> None:
    """The content security policy refuses inline scripts: the charts' script is a file."""
    console_login(client, supervisor)
    response = client.get("/console/pilotage", params=_query(seeded.page_a))
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert '<script type="module" src="/static/dsfr-chart/DSFRChart.js">' in scripts
    assert all(" src=" in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", response.text), "inline event handler"


def test_pilotage_chart_assets_are_served(client: TestClient) -> None:
    script = client.get("/static/dsfr-chart/DSFRChart.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert 'customElements.define("bar-chart"' in script.text
    assert client.get("/static/dsfr-chart/DSFRChart.css").status_code == 200


def test_pilotage_page_refuses_agents_in_french(client: TestClient, agent: Agent) -> None:
    console_login(client, agent)
    for path in ("/console/pilotage", "/console/pilotage/export.csv"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Cette page est réservée aux superviseurs." in response.text


def test_pilotage_page_sends_visitors_to_the_login(client: TestClient) -> None:
    response = client.get("/console/pilotage", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?suivant=/console/pilotage"


@pytest.mark.parametrize(
    "query",
    [
        {"du": "2026-13-01"},
        {"au": "31/02/2026"},
        {"du": "2026-03-02", "au": "2026-03-01"},
        {"du": "2020-01-01", "au": "2026-01-01"},
        {"du": "9" * 5000},
        {"page": "/x\x00"},
    ],
)
def test_pilotage_bad_filters_get_a_french_400(
    client: TestClient, supervisor: Agent, query: dict[str, str]
) -> None:
    console_login(client, supervisor)
    for path in ("/console/pilotage", "/console/pilotage/export.csv"):
        response = client.get(path, params=query)
        assert response.status_code == 400, (path, response.text[:300])
        assert 'class="fr-alert fr-alert--error' in response.text
        assert re.search(r"La (date|période|page)", response.text)


def _fr(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _csv(client: TestClient, query: dict[str, str]) -> tuple[bytes, list[list[str]]]:
    response = client.get("/console/pilotage/export.csv", params=query)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="pilotage_{data.START.isoformat()}_{data.END.isoformat()}.csv"'
    )
    body = response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return body, rows


def test_pilotage_csv_export_holds_the_aggregates(
    client: TestClient, supervisor: Agent, seeded: data.Seeded
) -> None:
    console_login(client, supervisor)
    body, rows = _csv(client, _query(seeded.page_a))
    assert body.startswith(b"\xef\xbb\xbf")
    assert tuple(rows[0]) == COLUMNS == ("Indicateur", "Date", "Catégorie", "Valeur", "Unité")
    assert ["Période", "", "Page du portail", seeded.page_a, ""] in rows
    volumes = [r[3] for r in rows if r[0] == "Échanges avec l'assistant"]
    assert volumes == [str(n) for n in data.TURNS_PER_DAY]
    assert ["Échanges avec l'assistant", _fr(data.day(2)), "", "2", "échanges"] in rows
    assert ["Répartition des réponses", "", "Sans réponse", "1", "échanges"] in rows
    assert ["Répartition des réponses (part)", "", "Précision demandée", "12,5", "%"] in rows
    assert ["Avis des usagers", _fr(data.day(0)), "Pouce baissé", "1", "avis"] in rows
    assert ["Intentions les plus fréquentes", "", "ask_question", "3", "échanges"] in rows
    assert ["Délai de réponse", _fr(data.day(3)), "95e centile (p95)", "15000", "ms"] in rows
    assert ["Délai de réponse sur la période", "", "Médiane (p50)", "300", "ms"] in rows
    assert ["Tickets", _fr(data.day(2)), "Ouverts", "2", "tickets"] in rows
    assert ["Délais (SLA) tenus", "", "Première réponse", "66,7", "%"] in rows
    assert ["Délais (SLA) tenus", "", "Résolution : tickets mesurés", "2", "tickets"] in rows


def test_pilotage_csv_export_has_no_personal_data(
    client: TestClient, supervisor: Agent, seeded: data.Seeded
) -> None:
    console_login(client, supervisor)
    body, _ = _csv(client, _query())
    text = body.decode("utf-8-sig")
    assert data.USER_EMAIL_DOMAIN not in text and "@" not in text
    assert data.USER_TEXT not in text and not re.search(r"pilotage-[0-9a-f]{32}", text)


def test_pilotage_csv_export_neutralises_formulas(client: TestClient, supervisor: Agent) -> None:
    console_login(client, supervisor)
    _, rows = _csv(client, _query("=HYPERLINK(1)"))
    assert ["Période", "", "Page du portail", "'=HYPERLINK(1)", ""] in rows
