"""Real conversations through `POST /api/chat`, against the trained model and real servers.

The last test stops Rasa mid-conversation: keep it last in this file.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid

import httpx
import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def _sid() -> str:
    return f"e2e-{uuid.uuid4().hex}"


def test_e2e_health_reports_every_component(stack: Stack) -> None:
    body = httpx.get(f"{stack.url}/health", timeout=5).json()
    assert body["status"] == "ok"
    assert {k: v["status"] for k, v in body["components"].items()} == {
        "web": "ok",
        "rasa": "ok",
        "action_server": "ok",
        "database": "ok",
    }


def test_e2e_greeting_introduces_claude(stack: Stack) -> None:
    text = stack.reply_text(_sid(), "bonjour").lower()
    assert "bonjour" in text and "claude" in text


def test_e2e_portal_question_is_answered_with_its_source(stack: Stack) -> None:
    response = stack.chat(_sid(), "Est-ce que le portail est payant ?")
    assert response.status_code == 200
    messages = response.json()["messages"]
    text = "\n".join(m["text"] for m in messages).lower()
    assert "gratuit" in text
    assert re.search(r"source\u00a0: ", text), text  # French typography: « Source : »
    links = [link["url"] for m in messages for link in m["links"]]
    assert any(re.fullmatch(r"/docs/[a-z0-9-]+#[a-z0-9-]+", url) for url in links), links
    guide = httpx.get(stack.url + links[0].split("#")[0], timeout=10)
    assert guide.status_code == 200
    assert f'id="{links[0].split("#")[1]}"' in guide.text


def test_e2e_asking_for_a_human_offers_the_support_form(stack: Stack) -> None:
    response = stack.chat(_sid(), "je voudrais parler à un conseiller")
    messages = response.json()["messages"]
    assert "support" in "\n".join(m["text"] for m in messages).lower()
    assert "/support" in [link["url"] for m in messages for link in m["links"]]
    assert "/open_ticket" in [b["payload"] for m in messages for b in m["buttons"]]


def test_e2e_out_of_scope_question_is_declined(stack: Stack) -> None:
    text = stack.reply_text(_sid(), "Quel temps fera-t-il demain à Brest ?").lower()
    assert re.search(r"je ne (traite|sais)", text), text
    assert "service-public.fr" in text or "support" in text


def test_e2e_thanks_and_bot_challenge(stack: Stack) -> None:
    assert re.search(r"avec plaisir|je vous en prie", stack.reply_text(_sid(), "merci !").lower())
    assert "assistant virtuel" in stack.reply_text(_sid(), "t'es un robot ?").lower()


def test_e2e_bad_inputs_get_french_4xx(stack: Stack) -> None:
    empty = stack.chat(_sid(), "")
    assert empty.status_code == 422 and "Le message est vide" in empty.json()["detail"]
    too_long = stack.chat(_sid(), "x" * 2001)
    assert too_long.status_code == 422 and "trop long" in too_long.json()["detail"]
    bad_json = httpx.post(
        f"{stack.url}/api/chat",
        content=b"{",
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400 and "JSON valide" in bad_json.json()["detail"]
    missing = httpx.post(f"{stack.url}/api/chat", json={"message": "bonjour"}, timeout=10)
    assert missing.status_code == 422
    assert "Il manque l'identifiant de session." in missing.json()["detail"]


def test_e2e_rasa_stopped_mid_conversation_then_recovers(stack: Stack) -> None:
    session_id = _sid()
    assert stack.chat(session_id, "bonjour").status_code == 200
    os.kill(stack.pids()["rasa"], signal.SIGKILL)
    time.sleep(0.5)
    response = stack.chat(session_id, "le portail est-il gratuit ?")
    assert response.status_code == 200
    message = response.json()["messages"][0]
    assert "momentanément indisponible" in message["text"]
    assert message["links"][0]["url"] == "/support"
    health = httpx.get(f"{stack.url}/health", timeout=10)
    assert health.status_code == 503
    assert health.json()["components"]["rasa"]["status"] == "down"
    # The runner restarts Rasa; the same conversation goes on (SQL tracker store).
    stack.wait_healthy(timeout_s=240)
    assert "claude" in stack.reply_text(session_id, "bonjour").lower()
