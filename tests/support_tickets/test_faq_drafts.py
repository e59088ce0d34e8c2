"""FAQ drafts (issue 15): redaction, validation, the workflow by role, the history, the
publication into content files (on a temporary copy of the content) and the console pages."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from knowledge_base.config import KnowledgeBaseSettings, get_settings
from knowledge_base.content import PACKAGE_DIR, load_faq, load_paraphrases
from knowledge_base.documents import build_units
from knowledge_base.index_versions import PENDING_FILE, update_pending
from support_tickets import agent_actions, service
from support_tickets import faq_texts as texts
from support_tickets.faq_drafts import (
    DraftError,
    DraftInput,
    create_draft,
    guide_sections,
    send_back,
    submit,
    update_draft,
)
from support_tickets.faq_models import FaqDraft
from support_tickets.faq_publish import PUBLISHED_FILE, publish
from support_tickets.models import Agent
from tests.support_tickets.conftest import make_agent, unique_email
from tests.support_tickets.test_console import console_login

SECTION = "comptes#mot-de-passe-oublie"
EMAIL = "jeanne.martin@exemple.fr"
PHONE = "06 12 34 56 78"


@pytest.fixture()
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KnowledgeBaseSettings]:
    """The content copied to a temporary folder (publishing writes there, never in the
    repository) and an empty index folder (the UPDATE_PENDING marker goes there)."""
    content = tmp_path / "content"
    for name in ("documents", "faq", "paraphrases"):
        shutil.copytree(PACKAGE_DIR / name, content / name)
    shutil.copy2(PACKAGE_DIR / "rollout.yml", content / "rollout.yml")
    monkeypatch.setenv("KB_CONTENT_DIR", str(content))
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def draft_input(**changes: object) -> DraftInput:
    values: dict[str, object] = {
        "question": "Comment récupérer un justificatif de dépôt déjà téléchargé ?",
        "answer": "Ouvrez « Mes dépôts », choisissez le dépôt puis cliquez sur « Justificatif ».",
        "section": SECTION,
        "sources": ["https://communaute.chorus-pro.gouv.fr/justificatif"],
        "wordings": [f"je veux mon justificatif, écrivez-moi à {EMAIL}", f"appelez le {PHONE}"],
    }
    values.update(changes)
    return DraftInput(**values)  # type: ignore[arg-type]


def test_faq_drafts_create_redacts_question_and_wordings(
    db: Session, agent: Agent, kb: KnowledgeBaseSettings
) -> None:
    data = draft_input(question=f"Mon justificatif n'arrive pas sur {EMAIL}, que faire ?")
    draft = create_draft(db, agent, data, guide_sections(kb.content_dir))
    stored = " ".join([draft.question, *draft.wordings])
    assert EMAIL not in stored and "06 12" not in stored
    assert len(draft.wordings) == 2 and draft.status == texts.STATUS_DRAFT


def test_faq_drafts_validation_lists_french_errors(
    db: Session, agent: Agent, kb: KnowledgeBaseSettings
) -> None:
    bad = draft_input(question="", answer="", section="inconnu#x", sources=["pas une adresse"])
    with pytest.raises(DraftError) as caught:
        create_draft(db, agent, bad, guide_sections(kb.content_dir))
    assert texts.QUESTION_REQUIRED in caught.value.errors
    assert texts.ANSWER_REQUIRED in caught.value.errors
    assert texts.SECTION_UNKNOWN.format(section="inconnu#x") in caught.value.errors
    assert texts.SOURCE_INVALID.format(source="pas une adresse") in caught.value.errors
    with pytest.raises(DraftError, match="au moins une source"):
        create_draft(db, agent, draft_input(sources=[]), guide_sections(kb.content_dir))
    with pytest.raises(DraftError, match="dépasser 300"):
        create_draft(db, agent, draft_input(question="q" * 301), guide_sections(kb.content_dir))


def test_faq_drafts_workflow_roles_and_history(
    db: Session, agent: Agent, supervisor: Agent, kb: KnowledgeBaseSettings
) -> None:
    sections = guide_sections(kb.content_dir)
    draft = create_draft(db, agent, draft_input(), sections)
    submit(db, draft, agent)
    with pytest.raises(DraftError, match="ne peut plus être modifié"):
        update_draft(db, draft, agent, draft_input(), sections)
    with pytest.raises(DraftError, match="réservées aux superviseurs"):
        send_back(db, draft, agent, "non")
    with pytest.raises(DraftError, match="réservées aux superviseurs"):
        publish(db, draft, agent, kb)
    with pytest.raises(DraftError, match="commentaire obligatoire"):
        send_back(db, draft, supervisor, "  ")
    send_back(db, draft, supervisor, "Citez la page officielle.")
    assert draft.status == texts.STATUS_SENT_BACK and draft.reviewer_id == supervisor.id
    update_draft(
        db, draft, agent, draft_input(answer="Ouvrez « Mes dépôts » puis « Justif »."), sections
    )
    submit(db, draft, agent)
    publish(db, draft, supervisor, kb)
    assert draft.status == texts.STATUS_PUBLISHED and draft.published_at is not None
    steps = [(e.kind, e.agent_id) for e in draft.events]
    assert steps == [
        ("cree", agent.id),
        ("soumis", agent.id),
        ("renvoye", supervisor.id),
        ("modifie", agent.id),
        ("soumis", agent.id),
        ("publie", supervisor.id),
    ]
    assert all(e.created_at is not None for e in draft.events)
    with pytest.raises(DraftError, match="n'est pas à relire"):
        publish(db, draft, supervisor, kb)


def test_faq_publish_writes_loadable_content_and_announces_update(
    db: Session, agent: Agent, supervisor: Agent, kb: KnowledgeBaseSettings
) -> None:
    draft = create_draft(db, agent, draft_input(), guide_sections(kb.content_dir))
    submit(db, draft, agent)
    publish(db, draft, supervisor, kb)
    assert draft.entry_id and draft.entry_id.startswith("console-comment-recuperer")
    entry = next(e for e in load_faq(kb.content_dir / "faq") if e.id == draft.entry_id)
    assert entry.source == SECTION and entry.sources and entry.checked is not None
    wordings = load_paraphrases(kb.content_dir / "paraphrases")[draft.entry_id]
    assert len(wordings) == 2 and not any(EMAIL in w or "06 12" in w for w in wordings)
    files = (kb.content_dir / "faq" / PUBLISHED_FILE).read_text(encoding="utf-8")
    files += (kb.content_dir / "paraphrases" / PUBLISHED_FILE).read_text(encoding="utf-8")
    assert EMAIL not in files
    assert any(u.id == draft.entry_id for u in build_units(kb.content_dir))
    assert update_pending(kb.index_dir)
    # The signal comes after the files: a watcher that saw the first one finds new content.
    marker = (kb.index_dir / PENDING_FILE).stat().st_mtime_ns
    assert marker >= (kb.content_dir / "faq" / PUBLISHED_FILE).stat().st_mtime_ns


def _resolved_ticket(db: Session, agent: Agent) -> int:
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="compte",
        description=f"Je n'arrive pas à télécharger mon justificatif, mon mail est {EMAIL}",
    )
    agent_actions.reply_to_ticket(
        db,
        ticket,
        agent=agent,
        text="Ouvrez « Mes dépôts », choisissez le dépôt puis cliquez sur « Justificatif ».",
        status="resolu",
    )
    return ticket.id


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_faq_routes_draft_from_ticket_then_review_and_publish(
    client: TestClient, db: Session, agent: Agent, kb: KnowledgeBaseSettings
) -> None:
    ticket_id = _resolved_ticket(db, agent)
    console_login(client, agent)
    ticket_page = client.get(f"/console/tickets/{ticket_id}").text
    assert f"/console/brouillons/nouveau?ticket={ticket_id}" in ticket_page
    form = client.get(f"/console/brouillons/nouveau?ticket={ticket_id}")
    assert form.status_code == 200 and "justificatif" in form.text and EMAIL not in form.text
    assert "Ouvrez « Mes dépôts »" in form.text or "Ouvrez &laquo; Mes dépôts" in form.text
    posted = {
        "csrf_token": _token(form.text),
        "question": "",
        "answer": "",
        "section": SECTION,
        "sources": "",
        "wordings": "",
        "ticket": str(ticket_id),
    }
    refused = client.post("/console/brouillons/nouveau", data=posted)
    assert refused.status_code == 400 and texts.QUESTION_REQUIRED in refused.text
    posted.update(
        question="Comment récupérer un justificatif de dépôt ?",
        answer="Ouvrez « Mes dépôts », choisissez le dépôt puis cliquez sur « Justificatif ».",
        sources="https://communaute.chorus-pro.gouv.fr/justificatif",
        wordings=f"mon justificatif svp {EMAIL}\njustificatif introuvable",
    )
    created = client.post("/console/brouillons/nouveau", data=posted, follow_redirects=False)
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    draft_id = int(created.headers["location"].split("/")[-1].split("?")[0])
    assert EMAIL not in page.text and f"ticket n° {ticket_id}" in page.text
    client.post(f"/console/brouillons/{draft_id}/soumettre", data={"csrf_token": _token(page.text)})
    refused = client.post(
        f"/console/brouillons/{draft_id}/publier", data={"csrf_token": _token(page.text)}
    )
    assert refused.status_code == 403 and texts.SUPERVISORS_ONLY in refused.text
    client.cookies.clear()
    token = console_login(client, make_agent(db, "supervisor"), f"/console/brouillons/{draft_id}")
    done = client.post(f"/console/brouillons/{draft_id}/publier", data={"csrf_token": token})
    assert done.status_code == 200 and "est publiée" in done.text
    draft = db.get(FaqDraft, draft_id)
    db.refresh(draft)
    assert draft is not None and draft.status == texts.STATUS_PUBLISHED
    history = client.get("/console/brouillons/historique").text
    assert "Publié dans la base de connaissances" in history and "Soumis à la relecture" in history
    assert "Publiée" in client.get("/console/brouillons").text


def test_faq_routes_prefill_from_gap_query_is_redacted(
    client: TestClient, agent: Agent, kb: KnowledgeBaseSettings
) -> None:
    console_login(client, agent)
    page = client.get(
        "/console/brouillons/nouveau",
        params=[("question", "justificatif perdu"), ("wording", f"écrivez à {EMAIL}")],
    )
    assert page.status_code == 200 and "justificatif perdu" in page.text
    assert "écrivez à" in page.text and EMAIL not in page.text


def test_faq_routes_unknown_ids_give_french_404(
    client: TestClient, agent: Agent, kb: KnowledgeBaseSettings
) -> None:
    console_login(client, agent)
    for path in ("/console/brouillons/abc", "/console/brouillons/99999999"):
        response = client.get(path)
        assert response.status_code == 404 and texts.DRAFT_NOT_FOUND in response.text
    response = client.get("/console/brouillons/nouveau?ticket=99999999")
    assert response.status_code == 404 and "Aucun ticket" in response.text


def test_faq_publish_file_is_plain_yaml_list(
    db: Session, agent: Agent, supervisor: Agent, kb: KnowledgeBaseSettings
) -> None:
    for question in (
        "Où trouver le justificatif de dépôt ?",
        "Où trouver le justificatif de dépôt ?",
    ):
        draft = create_draft(
            db, agent, draft_input(question=question), guide_sections(kb.content_dir)
        )
        submit(db, draft, agent)
        publish(db, draft, supervisor, kb)
    data = yaml.safe_load((kb.content_dir / "faq" / PUBLISHED_FILE).read_text(encoding="utf-8"))
    ids = [e["id"] for e in data]
    assert len(ids) == len(set(ids)) >= 2  # the same question twice gets two distinct ids


def test_faq_routes_edit_form_changes_the_draft_and_needs_the_token(
    client: TestClient, db: Session, agent: Agent, kb: KnowledgeBaseSettings
) -> None:
    draft = create_draft(db, agent, draft_input(), guide_sections(kb.content_dir))
    token = console_login(client, agent, f"/console/brouillons/{draft.id}")
    fields = {
        "question": "Où trouver le justificatif d'un dépôt ?",
        "answer": "Dans « Mes dépôts », ouvrez le dépôt et cliquez sur « Justificatif ».",
        "section": SECTION,
        "sources": "https://communaute.chorus-pro.gouv.fr/justificatif",
        "wordings": f"justificatif de dépôt, répondez à {EMAIL}",
    }
    refused = client.post(f"/console/brouillons/{draft.id}", data=fields)
    assert refused.status_code == 403
    edited = client.post(f"/console/brouillons/{draft.id}", data={**fields, "csrf_token": token})
    assert edited.status_code in (200, 303), edited.text[:300]
    db.refresh(draft)
    assert draft.question == fields["question"]
    assert EMAIL not in str(draft.wordings)
