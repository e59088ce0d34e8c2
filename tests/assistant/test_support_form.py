"""The plain ``/support`` web form: CSRF, French validation next to the fields, values kept,
the ticket created with the chat's context, the identity's e-mail, and Rasa not needed."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from assistant.config import Settings, get_settings
from assistant.deps import current_settings
from assistant.main import create_app
from portal.conversations import repository
from portal.conversations.keys import open_conversation
from portal.identity import identity_secret, sign_identity
from storage.db import get_sessionmaker
from support_tickets.config import get_support_settings
from support_tickets.models import Ticket
from support_tickets.similarity import LexicalSimilarity
from tests.assistant.conftest import FakeBackends

NBSP = "\u00a0"
DESCRIPTION = "Je n'arrive pas à déposer ma facture : le bouton « Valider » reste grisé."


@pytest.fixture(autouse=True)
def _lexical_similarity(monkeypatch: pytest.MonkeyPatch) -> None:
    get_support_settings.cache_clear()
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)


@pytest.fixture
def db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


def _csrf(client: TestClient, url: str = "/support") -> tuple[str, str]:
    """Load the form; return its hidden CSRF token and the page."""
    page = client.get(url)
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1), page.text


def _fields(token: str, **overrides: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "email": f"usager.{uuid.uuid4().hex[:8]}@exemple.fr",
        "category": "factures",
        "description": DESCRIPTION,
        "reference": "",
        **overrides,
    }


def _number(response: httpx.Response) -> str:
    assert response.status_code == 303
    location = response.headers["location"]
    match = re.fullmatch(r"/support/envoyee\?numero=(SUP-\d{4}-\d{6})", location)
    assert match is not None, location
    return match.group(1)


def test_support_form_renders_in_french_with_categories(client: TestClient) -> None:
    token, page = _csrf(client)
    assert "<h1>Contacter le support</h1>" in page
    assert '<option value="memoires">Mémoires de frais de justice</option>' in page
    assert 'name="email"' in page and "readonly" not in page
    assert client.cookies.get(get_settings().support_csrf_cookie_name) == token


def test_support_form_post_creates_ticket_even_when_rasa_is_down(
    client: TestClient, backends: FakeBackends, db: Session
) -> None:
    backends.rasa_reply = httpx.ConnectError("refused")
    backends.action_server_up = False
    token, _ = _csrf(client)
    fields = _fields(token, reference="mj-2024-000123")
    response = client.post("/support", data=fields, follow_redirects=False)
    number = _number(response)
    ticket = db.query(Ticket).filter_by(number=number).one()
    assert (ticket.email, ticket.category, ticket.channel) == (fields["email"], "factures", "web")
    assert ticket.description == DESCRIPTION
    assert ticket.reference == "MJ-2024-000123"
    assert backends.sent == []  # Rasa never involved

    sent = client.get(response.headers["location"])
    assert sent.status_code == 200
    assert f'<strong id="numero-demande">{number}</strong>' in sent.text
    assert "Et ensuite" in sent.text


def test_support_form_csrf_missing_refused_values_kept(client: TestClient, db: Session) -> None:
    token, _ = _csrf(client)
    before = db.query(Ticket).count()
    fields = _fields("forged-token-value")
    response = client.post("/support", data=fields, follow_redirects=False)
    assert response.status_code == 403
    assert "Le formulaire a expiré ou n'a pas pu être vérifié" in html.unescape(response.text)
    assert f'value="{fields["email"]}"' in response.text
    assert db.query(Ticket).count() == before
    # the page served with the refusal carries a valid token: sending again works
    retry = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert retry is not None and retry.group(1) == token
    assert client.post("/support", data=_fields(token), follow_redirects=False).status_code == 303


def test_support_form_csrf_without_cookie_refused(settings: Settings, db: Session) -> None:
    with TestClient(create_app(settings)) as fresh:
        response = fresh.post("/support", data=_fields("x" * 43), follow_redirects=False)
    assert response.status_code == 403


def test_support_form_validation_errors_next_to_fields(client: TestClient, db: Session) -> None:
    token, _ = _csrf(client)
    before = db.query(Ticket).count()
    response = client.post(
        "/support",
        data=_fields(token, email="pas-une-adresse", category="", description="court"),
        follow_redirects=False,
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "3 champs à corriger" in page
    assert 'id="email-erreur" class="fr-error-text">L\'adresse e-mail est invalide' in page
    assert 'id="category-erreur"' in page and 'id="description-erreur"' in page
    assert 'aria-invalid="true" aria-describedby="email-erreur"' in page
    assert 'value="pas-une-adresse"' in page  # values kept
    assert ">court</textarea>" in page
    assert db.query(Ticket).count() == before


def test_support_form_identified_user_email_prefilled_and_enforced(
    client: TestClient, db: Session
) -> None:
    sub, email = f"user-{uuid.uuid4().hex[:6]}", f"camille.{uuid.uuid4().hex[:6]}@exemple.fr"
    token = sign_identity(
        identity_secret(get_settings()), sub=sub, email=email, name="Camille", siret=None, ttl_s=600
    )
    client.cookies.set(get_settings().session_cookie_name, token)
    csrf, page = _csrf(client)
    assert re.search(rf'value="{re.escape(email)}"[^>]*\s+readonly', page)
    response = client.post(
        "/support", data=_fields(csrf, email="autre@exemple.fr"), follow_redirects=False
    )
    ticket = db.query(Ticket).filter_by(number=_number(response)).one()
    assert ticket.email == email
    assert ticket.identity_sub == sub


def test_support_form_expired_identity_falls_back_to_typed_email(client: TestClient) -> None:
    expired = sign_identity(
        identity_secret(get_settings()),
        sub="user-x",
        email="x@exemple.fr",
        name="X",
        siret=None,
        ttl_s=10,
        now=1_000_000,
    )
    client.cookies.set(get_settings().session_cookie_name, expired)
    _, page = _csrf(client)
    assert f"Votre session du portail a expiré{NBSP}:" in page
    assert "readonly" not in page


def _conversation(db: Session, **turn: object) -> tuple[str, str]:
    """A conversation opened as the chat opens one (with its key), with one stored turn."""
    session_id = f"chat-{uuid.uuid4().hex[:12]}"
    key = open_conversation(db, session_id)
    assert key is not None
    repository.record_turn(
        db,
        session_id=session_id,
        user_text=str(turn.get("user_text", "mon dépôt de facture échoue")),
        replies=[{"text": "Je ne sais pas répondre à cette question.", "buttons": [], "links": []}],
        outcome="answered",
        latency_ms=5.0,
        kb=[{"decision": "abstain", "hits": [{"id": "faq-depot", "score": 0.1}]}],
        page="/factures/depot",
        identity_sub=turn.get("identity_sub"),  # type: ignore[arg-type]
    )
    return session_id, key


def _ticket(client: TestClient, db: Session, fields: dict[str, str]) -> Ticket:
    response = client.post("/support", data=fields, follow_redirects=False)
    return db.query(Ticket).filter_by(number=_number(response)).one()


def test_support_form_attaches_chat_transcript(client: TestClient, db: Session) -> None:
    session_id, key = _conversation(db)
    token, page = _csrf(client)
    # The widget's link carries the conversation in its fragment; support.js fills these.
    assert 'name="session_id" value=""' in page and 'name="conversation_key" value=""' in page
    assert "/static/js/support.js" in page
    fields = _fields(token, session_id=session_id, conversation_key=key, page="/factures/depot")
    ticket = _ticket(client, db, fields)
    assert ticket.chat_session_id == session_id
    assert ticket.page == "/factures/depot"
    assert ticket.kb_candidates[0]["id"] == "faq-depot"
    assert [m.body for m in ticket.messages if m.in_transcript] == [
        "mon dépôt de facture échoue",
        "Je ne sais pas répondre à cette question.",
    ]


@pytest.mark.parametrize("key", ["", "cle-d-un-autre-navigateur"])
def test_support_form_does_not_attach_a_conversation_without_its_key(
    client: TestClient, db: Session, key: str
) -> None:
    """Knowing a session id (it travels in logs) is not enough to attach that conversation
    to one's own ticket: the request is kept, without the conversation."""
    session_id, _ = _conversation(db)
    token, _ = _csrf(client)
    ticket = _ticket(client, db, _fields(token, session_id=session_id, conversation_key=key))
    assert ticket.chat_session_id is None
    assert [m for m in ticket.messages if m.in_transcript] == []


def test_support_form_leaves_out_turns_answered_for_another_user(
    client: TestClient, db: Session
) -> None:
    """A turn answered for a logged-in user (it may list their forms) joins only a ticket
    that this same user sends; an anonymous sender with the key gets the rest."""
    session_id, key = _conversation(
        db, user_text="où en sont mes formulaires ?", identity_sub="u-1"
    )
    repository.record_turn(
        db,
        session_id=session_id,
        user_text="je veux écrire au support",
        replies=[],
        outcome="answered",
        latency_ms=5.0,
    )
    token, _ = _csrf(client)
    ticket = _ticket(client, db, _fields(token, session_id=session_id, conversation_key=key))
    bodies = [m.body for m in ticket.messages if m.in_transcript]
    assert "je veux écrire au support" in bodies
    assert "où en sont mes formulaires ?" not in bodies


def test_support_form_ignores_malformed_session_id(client: TestClient, db: Session) -> None:
    token, page = _csrf(client, "/support?session_id=<script>")
    assert "<script>" not in page
    response = client.post(
        "/support", data=_fields(token, session_id="bad id!"), follow_redirects=False
    )
    assert db.query(Ticket).filter_by(number=_number(response)).one().chat_session_id is None


def test_support_form_rate_limited(backends: FakeBackends) -> None:
    settings = Settings(rasa_url="http://rasa.test", action_server_url="http://actions.test")
    get_settings.cache_clear()
    limited = get_settings().model_copy(update={"support_form_rate_limit_per_client": 1})
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    app.dependency_overrides[current_settings] = lambda: limited
    with TestClient(app) as client:
        token, _ = _csrf(client)
        assert (
            client.post("/support", data=_fields(token), follow_redirects=False).status_code == 303
        )
        second = client.post("/support", data=_fields(token), follow_redirects=False)
    assert second.status_code == 429
    assert "Patientez une minute" in second.text


def test_support_sent_page_rejects_junk_number(client: TestClient) -> None:
    response = client.get("/support/envoyee?numero=<b>x</b>", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/support"
