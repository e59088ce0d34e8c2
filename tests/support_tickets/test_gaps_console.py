"""The console's « Lacunes » page: what a supervisor sees of the seeded gap, the « traitée »
form, who may see the page, and the French messages of bad input. Real app, real (SQLite)
database, real embedder and index."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from support_tickets.models import Agent, GapResolution
from tests.support_tickets import gaps_data as data
from tests.support_tickets.test_console import console_login

PAGE = "/console/lacunes"


@pytest.fixture(autouse=True)
def _no_marks_left(db: Session) -> Iterator[None]:
    """« Traitée » marks match groups of any period: each test starts without any."""
    db.execute(delete(GapResolution))
    db.commit()
    yield
    db.execute(delete(GapResolution))
    db.commit()


@pytest.fixture
def seeded(db: Session) -> data.Seeded:
    return data.seed(db)


def _query(seeded: data.Seeded) -> str:
    f = seeded.filters
    return f"du={f.start.isoformat()}&au={f.end.isoformat()}&page={quote(seeded.page)}"


def _form(seeded: data.Seeded, token: str, group: str, entry: str) -> dict[str, str]:
    f = seeded.filters
    return {
        "du": f.start.isoformat(),
        "au": f.end.isoformat(),
        "page": seeded.page,
        "groupe": group,
        "entree": entry,
        "csrf_token": token,
    }


def _first_group(text: str) -> str:
    return re.search(r'name="groupe" value="([0-9]+)"', text).group(1)  # type: ignore[union-attr]


def test_gaps_page_lists_the_group_for_a_supervisor(
    client: TestClient, supervisor: Agent, seeded: data.Seeded
) -> None:
    console_login(client, supervisor)
    page = client.get(f"{PAGE}?{_query(seeded)}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Lacunes à traiter" in text and "— 50 questions" in text
    assert 'href="/console/lacunes" aria-current="page"' in page.text
    assert "/console/brouillons/nouveau?question=" in page.text
    assert "&amp;wording=" in page.text
    assert re.search(r'<a href="/docs/[^"]+">[^<]+</a>\s*<span[^>]*>\(identifiant <code>'
                     + data.TOPIC_ENTRY, page.text)  # fmt: skip
    assert "Marquer « traitée »" in text


def test_gaps_page_refused_to_agents_and_anonymous(client: TestClient, agent: Agent) -> None:
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/login?suivant={PAGE}"
    console_login(client, agent)
    page = client.get(PAGE)
    assert page.status_code == 403 and "réservée aux superviseurs" in page.text
    assert 'href="/console/lacunes"' not in page.text
    refused = client.post(f"{PAGE}/traiter", data={"groupe": "1", "entree": data.TOPIC_ENTRY})
    assert refused.status_code == 403


def test_gaps_page_marks_a_group_treated(
    client: TestClient, supervisor: Agent, seeded: data.Seeded, db: Session
) -> None:
    console_login(client, supervisor)
    page = client.get(f"{PAGE}?{_query(seeded)}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = _form(seeded, token, _first_group(page.text), data.TOPIC_ENTRY)
    response = client.post(f"{PAGE}/traiter", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{PAGE}?du=")
    mark = db.scalars(select(GapResolution)).one()
    assert (mark.entry_id, mark.question_count, mark.marked_by_id) == (
        data.TOPIC_ENTRY, 50, supervisor.id,
    )  # fmt: skip
    after = html.unescape(client.get(response.headers["location"]).text)
    assert "Le groupe est marqué « traitée »" in after
    treated = after.split('id="traitees"')[1]
    assert "— 50 questions" in treated and data.TOPIC_ENTRY in treated
    assert "— 50 questions" not in after.split('id="traitees"')[0]


@pytest.mark.parametrize(
    ("group", "entry", "message"),
    [
        ("", data.TOPIC_ENTRY, "n'existe plus sur la période"),
        ("123456789", data.TOPIC_ENTRY, "n'existe plus sur la période"),
        ("first", "", "Indiquez l'identifiant de l'entrée"),
        ("first", "<script>inventée</script>", "n'existe pas dans la base de connaissances"),
    ],
)
def test_gaps_page_bad_mark_gets_french_message(
    client: TestClient,
    supervisor: Agent,
    seeded: data.Seeded,
    db: Session,
    group: str,
    entry: str,
    message: str,
) -> None:
    console_login(client, supervisor)
    page = client.get(f"{PAGE}?{_query(seeded)}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    key = _first_group(page.text) if group == "first" else group
    response = client.post(f"{PAGE}/traiter", data=_form(seeded, token, key, entry))
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert "<script>inventée" not in response.text
    assert db.scalars(select(GapResolution)).all() == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("du=2026-13-45", "La date de début n'est pas une date valide"),
        ("du=2026-05-02&au=2026-05-01", "La date de début doit précéder la date de fin"),
        ("du=2020-01-01&au=2026-01-01", "La période ne peut pas dépasser"),
    ],
)
def test_gaps_page_bad_period_gets_french_message(
    client: TestClient, supervisor: Agent, query: str, message: str
) -> None:
    console_login(client, supervisor)
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.text)


def test_gaps_page_mark_without_csrf_refused(
    client: TestClient, supervisor: Agent, seeded: data.Seeded, db: Session
) -> None:
    console_login(client, supervisor)
    page = client.get(f"{PAGE}?{_query(seeded)}")
    form = _form(seeded, "jeton-faux", _first_group(page.text), data.TOPIC_ENTRY)
    response = client.post(f"{PAGE}/traiter", data=form)
    assert response.status_code == 403 and "jeton de sécurité" in html.unescape(response.text)
    assert db.scalars(select(GapResolution)).all() == []
