"""The console's queue: its own compact layout, filters that apply on change (with a button
left for visitors without JavaScript), server-side column sorts with ``aria-sort``, the SLA
time left in business hours with its badges, and the version the pages poll."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent, Ticket
from tests.support_tickets.conftest import unique_email
from tests.support_tickets.test_console import console_login


def _ticket(db: Session, description: str, **fields: str) -> Ticket:
    return service.create_ticket(
        db,
        email=unique_email(),
        category=fields.pop("category", "autre"),
        description=description,
        **fields,  # type: ignore[arg-type]
    )


def _numbers_in_order(html: str, numbers: list[str]) -> list[str]:
    return sorted(numbers, key=html.index)


def test_console_queue_has_its_own_header_not_the_portal_menu(
    client: TestClient, agent: Agent
) -> None:
    console_login(client, agent)
    page = client.get("/console/tickets").text
    assert 'class="console-header"' in page
    assert 'aria-label="Navigation de la console support"' in page
    assert "Navigation principale" not in page and "fr-header__body" not in page
    assert '<script src="/console/static/console.js" defer></script>' in page
    assert client.get("/console/static/console.js").status_code == 200
    assert client.get("/console/static/console.css").status_code == 200


def test_console_queue_filters_submit_on_change_and_keep_the_button(
    client: TestClient, agent: Agent
) -> None:
    console_login(client, agent)
    page = client.get("/console/tickets?sort=numero&order=desc&priority=haute").text
    start = page.index('<form method="get"')
    form = page[start : page.index("</form>", start)]
    assert "data-console-autosubmit" in form and ">Filtrer</button>" in form
    # the sort survives a change of filter
    assert '<input type="hidden" name="sort" value="numero">' in form
    assert '<input type="hidden" name="order" value="desc">' in form
    script = client.get("/console/static/console.js").text
    assert "data-console-autosubmit" in script and "requestSubmit" in script


def test_console_queue_sorts_by_column_with_aria_sort(
    client: TestClient, db: Session, agent: Agent
) -> None:
    marker = unique_email("tri").split("@")[0]
    low = _ticket(db, f"Ticket de priorité basse {marker}.")
    high = _ticket(db, f"Ticket de priorité urgente {marker}.")
    for ticket, priority in ((low, "basse"), (high, "urgente")):
        if ticket.priority != priority:
            service.change_priority(db, ticket, agent=agent, priority=priority)
    console_login(client, agent)
    numbers = [low.number, high.number]
    asc = client.get(f"/console/tickets?q={marker}&sort=priorite&order=asc").text
    assert _numbers_in_order(asc, numbers) == [low.number, high.number]
    assert re.search(r'<th scope="col" aria-sort="ascending"><a [^>]*>Priorité', asc)
    assert asc.count("aria-sort=") == 1
    desc = client.get(f"/console/tickets?q={marker}&sort=priorite&order=desc").text
    assert _numbers_in_order(desc, numbers) == [high.number, low.number]
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*>Priorité', desc)
    # the sorted column's link gives the other order; the filters are kept
    link = re.search(r'aria-sort="descending"><a class="console-sort" href="([^"]+)"', desc)
    assert link and "order=asc" in link.group(1) and f"q={marker}" in link.group(1)
    by_number = client.get(f"/console/tickets?q={marker}&sort=numero&order=desc").text
    assert _numbers_in_order(by_number, numbers) == sorted(numbers, reverse=True)


def test_console_queue_shows_business_hours_left_and_badges(
    client: TestClient, db: Session, agent: Agent
) -> None:
    marker = unique_email("sla").split("@")[0]
    fresh = _ticket(db, f"Une demande toute récente {marker}.")
    late = _ticket(db, f"Une demande oubliée depuis un mois {marker}.")
    late.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    db.commit()
    console_login(client, agent)
    page = client.get(f"/console/tickets?q={marker}").text
    rows = {
        n: page[page.index(n) : page.index("</tr>", page.index(n))]
        for n in (fresh.number, late.number)
    }
    assert re.search(r"\d+ h( \d\d)? restantes", rows[fresh.number])
    assert "en retard" not in rows[fresh.number]
    assert 'fr-badge--error">en retard</span>' in rows[late.number]
    assert "dépassé de" in rows[late.number]


def test_console_version_changes_when_a_user_writes(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = _ticket(db, "Je n'arrive pas à déposer ma facture.")
    assert client.get("/console/api/version").status_code == 401
    console_login(client, agent)
    queue_before = client.get("/console/api/version").json()["version"]
    ticket_before = client.get(f"/console/api/version?ticket={ticket.id}").json()["version"]
    page = client.get(f"/console/tickets/{ticket.id}").text
    assert f'data-version="{ticket_before}"' in page
    service.add_user_message(db, ticket, "J'ajoute une capture d'écran de l'erreur.")
    assert client.get("/console/api/version").json()["version"] != queue_before
    assert client.get(f"/console/api/version?ticket={ticket.id}").json()["version"] != (
        ticket_before
    )
    assert client.get("/console/api/version?ticket=999999999").status_code == 404
