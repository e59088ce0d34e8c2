"""The console's « Relecture » page and the Pilotage chart of its verdicts: drawing a sample,
judging, exporting, who may do what, and bad input answered in French (real app, the shared
test database; turns seeded 50 days ago on a page of their own)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from support_tickets.models import Agent
from support_tickets.review_models import QualityReview
from support_tickets.review_sampling import main
from support_tickets.sla import PARIS
from tests.support_tickets.review_data import (
    ANSWER,
    ENTRY,
    SOURCE_TITLE,
    SOURCE_URL,
    make_review,
    make_turn,
)
from tests.support_tickets.test_console import console_login

DAY = dt.datetime.now(PARIS).date() - dt.timedelta(days=50)


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), PARIS).astimezone(dt.UTC)


def _seed_thumbed_down(db: Session) -> str:
    """A thumbs-down answer of ``DAY`` (always drawn) with a question of its own."""
    question = f"Comment créer mon compte {uuid.uuid4().hex[:8]} ?"
    db.add(make_turn(_noon(DAY), feedback="negative", text=question))
    db.commit()
    return question


def _draw(client: TestClient, token: str) -> str:
    response = client.post(
        "/console/relecture/tirage",
        data={"du": DAY.isoformat(), "au": DAY.isoformat(), "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _queued(db: Session, question: str) -> QualityReview:
    db.expire_all()
    review = db.scalar(select(QualityReview).where(QualityReview.question == question))
    assert review is not None
    return review


def test_review_page_draw_judge_export(client: TestClient, supervisor: Agent, db: Session) -> None:
    question = _seed_thumbed_down(db)
    token = console_login(client, supervisor, "/console/relecture")

    location = _draw(client, token)
    page = client.get(location)

    assert re.search(r"[1-9]\d* échange\(s\) ajouté\(s\) à la file", page.text)
    html = unescape(page.text)
    assert question in html and ANSWER in html
    assert f'répondu : « {ENTRY} » — source : <a href="{SOURCE_URL}">{SOURCE_TITLE}</a>' in html
    review = _queued(db, question)
    response = client.post(
        f"/console/relecture/{review.id}/verdict",
        data={"verdict": "juste", "note": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Verdict enregistré." in client.get(response.headers["location"]).text
    export = client.get("/console/relecture/export.jsonl")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/x-ndjson")
    items = {item["id"]: item for item in map(json.loads, export.text.splitlines())}
    assert items[f"relecture-{review.id:06d}"]["question"] == question


def test_review_page_agent_judges_but_neither_draws_nor_exports(
    client: TestClient, agent: Agent, db: Session
) -> None:
    review = make_review(_noon(DAY), None, question=f"Question {uuid.uuid4().hex[:8]}")
    db.add(review)
    db.commit()
    token = console_login(client, agent, "/console/relecture")

    page = client.get("/console/relecture")
    assert '<a href="/console/relecture" aria-current="page">Relecture</a>' in page.text
    assert "Tirer un échantillon" not in page.text and "Exporter (JSONL)" not in page.text
    for button in ("juste", "fausse", "à clarifier"):
        assert f">{button}</button>" in unescape(page.text)
    judged = client.post(
        f"/console/relecture/{review.id}/verdict",
        data={"verdict": "a_clarifier", "csrf_token": token},
        follow_redirects=False,
    )
    assert judged.status_code == 303
    assert _queued(db, review.question).verdict == "a_clarifier"
    draw = client.post("/console/relecture/tirage", data={"du": "", "au": "", "csrf_token": token})
    assert draw.status_code == 403 and "réservée aux superviseurs" in draw.text
    export = client.get("/console/relecture/export.jsonl")
    assert export.status_code == 403 and "réservée aux superviseurs" in export.text


def test_review_page_needs_a_login(client: TestClient) -> None:
    response = client.get("/console/relecture", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?suivant=/console/relecture"
    export = client.get("/console/relecture/export.jsonl", follow_redirects=False)
    assert export.status_code == 303


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/console/relecture/abc/verdict", {"verdict": "juste"}, "n'est pas (ou plus) dans"),
        ("/console/relecture/99999999999/verdict", {"verdict": "juste"}, "n'est pas (ou plus)"),
        ("/console/relecture/1/verdict", {"verdict": "parfaite"}, "Choisissez « juste »"),
        (
            "/console/relecture/1/verdict",
            {"verdict": "juste", "note": "x" * 5000},
            "dépasser 1\u00a0000",
        ),
        ("/console/relecture/tirage", {"du": "32/13/2026", "au": ""}, "date de début"),
        ("/console/relecture/tirage", {"du": "2026-11-20", "au": "2026-11-01"}, "précéder"),
        ("/console/relecture/tirage", {"du": "2020-01-01", "au": "2026-01-01"}, "366 jours"),
    ],
)
def test_review_page_bad_input_gets_a_french_400(
    client: TestClient, supervisor: Agent, path: str, data: dict[str, str], message: str
) -> None:
    token = console_login(client, supervisor, "/console/relecture")
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 400, response.text
    assert message in unescape(response.text)
    assert 'role="alert"' in response.text


def test_review_page_refuses_a_form_without_csrf(
    client: TestClient, supervisor: Agent, db: Session
) -> None:
    console_login(client, supervisor, "/console/relecture")
    response = client.post("/console/relecture/1/verdict", data={"verdict": "juste"})
    assert response.status_code == 403 and "jeton de sécurité" in response.text


def test_review_pilotage_shows_the_accuracy_chart(
    client: TestClient, supervisor: Agent, agent: Agent, db: Session
) -> None:
    page_name = f"/relecture-{uuid.uuid4().hex[:8]}"
    db.add_all(
        make_review(_noon(DAY), verdict, page_name) for verdict in ("juste", "fausse", "juste")
    )
    db.commit()
    console_login(client, supervisor)
    query = {"du": DAY.isoformat(), "au": DAY.isoformat(), "page": page_name}

    html = unescape(client.get("/console/pilotage", params=query).text)

    title = '<h2 id="pilotage-review_accuracy" class="fr-h5">Exactitude des réponses relues</h2>'
    assert title in html
    chart = re.search(r'data-pilotage="review_accuracy"><line-chart ([^>]*)>', html)
    assert chart is not None
    assert 'y="[[66.7]]"' in chart.group(1)
    monday = DAY - dt.timedelta(days=DAY.weekday())
    label = "Semaine du " + monday.strftime("%d/%m/%y")
    cells = "<td>3</td><td>2</td><td>1</td><td>0</td><td>66,7 %</td>"
    assert f'<tr><th scope="row">{label}</th>{cells}</tr>' in html
    empty = client.get("/console/pilotage", params={**query, "page": "/aucune-relecture"})
    assert "Aucun échange relu sur la période" in unescape(empty.text)
    console_login(client, agent)
    assert client.get("/console/pilotage", params=query).status_code == 403


def test_review_sampling_command_draws_the_last_days(
    db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    question = f"Comment créer mon compte {uuid.uuid4().hex[:8]} ?"
    db.add(
        make_turn(
            dt.datetime.now(dt.UTC) - dt.timedelta(hours=2), feedback="negative", text=question
        )
    )
    db.commit()

    main(["--jours", "1"])

    assert re.fullmatch(
        r"[1-9]\d* échange\(s\) ajouté\(s\) à la relecture sur \d+ répondu\(s\)\.\n",
        capsys.readouterr().out,
    )
    assert _queued(db, question).feedback == "negative"
    with pytest.raises(SystemExit):
        main(["--jours", "0"])
