"""The console's « Brouillons » pages: FAQ entries drafted from agents' answers (issue 15).

- ``GET /console/brouillons``: every draft with its status, author and dates;
- ``GET /console/brouillons/nouveau?question=…&wording=…&wording=…&ticket=<id>``: the form,
  prefilled from the query (the « Lacunes » page) or from a resolved ticket (its request and
  the user's messages as wordings, the agent's last reply as the answer), redacted;
- ``GET /console/brouillons/<id>``: the draft, its edit form while editable, the review
  (supervisors: publish, or send back with a comment) and its history;
- ``GET /console/brouillons/historique``: the latest steps of every draft.

Every form carries the CSRF token; a refused draft is shown again with all its French
errors (400), an unknown draft or ticket gives a French 404 page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from knowledge_base.config import get_settings as kb_settings
from portal.conversations.redaction import redact
from support_tickets import faq_drafts as drafts
from support_tickets import faq_texts as texts
from support_tickets.console_page import CSRF_PAGE_ERROR, check_csrf, error_page, render_page
from support_tickets.faq_drafts import DraftError, DraftInput
from support_tickets.faq_models import FaqDraft
from support_tickets.faq_publish import publish
from support_tickets.models import AgentSession, Ticket
from support_tickets.validation import parse_row_id
from support_tickets.web_auth import DbSession, PageAgent

router = APIRouter(prefix="/console/brouillons", include_in_schema=False)
BASE = "/console/brouillons"
FORM_TEMPLATE = "console/brouillon_form.html"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _form_context(data: DraftInput, ticket_id: int | None = None) -> dict[str, Any]:
    return {
        "form": data,
        "ticket_id": ticket_id,
        "sections": drafts.guide_sections(kb_settings().content_dir),
        "limits": {
            "question": drafts.QUESTION_MAX_CHARS,
            "answer": drafts.ANSWER_MAX_CHARS,
            "wordings": drafts.MAX_WORDINGS,
            "sources": drafts.MAX_SOURCES,
        },
        "status_labels": texts.DRAFT_STATUS_LABELS,
        "event_labels": texts.EVENT_LABELS,
    }


def _from_ticket(ticket: Ticket) -> DraftInput:
    """A draft prefilled from a ticket: its request as the question, the user's messages as
    wordings, the agents' last public reply as the answer (redaction applies on save and here,
    so that the form never shows personal data either)."""
    users = [m.body for m in ticket.messages if m.author_type == "user"]
    replies = [
        m.body
        for m in ticket.messages
        if m.author_type == "agent" and m.visibility == "public" and not m.in_transcript
    ]
    return DraftInput(
        question=redact(ticket.description.strip())[: drafts.QUESTION_MAX_CHARS],
        answer=replies[-1] if replies else "",
        section="",
        wordings=drafts.clean_lines([redact(w) for w in [ticket.description, *users]])[
            : drafts.MAX_WORDINGS
        ],
    )


def _draft_or_404(
    request: Request, db: Session, current: AgentSession, draft_id: str
) -> FaqDraft | HTMLResponse:
    row_id = parse_row_id(draft_id)
    draft = db.get(FaqDraft, row_id) if row_id is not None else None
    if draft is None:
        return error_page(request, current, texts.DRAFT_NOT_FOUND, 404)
    return draft


@router.get("", response_class=HTMLResponse)
def drafts_page(request: Request, current: PageAgent, db: DbSession, ok: str = "") -> HTMLResponse:
    context: dict[str, Any] = {
        "drafts": drafts.list_drafts(db),
        "notice": texts.NOTICES.get(ok),
        "status_labels": texts.DRAFT_STATUS_LABELS,
    }
    return render_page(request, "console/brouillons.html", context, current)


@router.get("/historique", response_class=HTMLResponse)
def history_page(request: Request, current: PageAgent, db: DbSession) -> HTMLResponse:
    context = {"events": drafts.history(db), "event_labels": texts.EVENT_LABELS}
    return render_page(request, "console/brouillons_historique.html", context, current)


@router.get("/nouveau", response_class=HTMLResponse)
def new_draft_page(
    request: Request,
    current: PageAgent,
    db: DbSession,
    question: str = "",
    wording: Annotated[list[str] | None, Query()] = None,
    ticket: str = "",
) -> HTMLResponse:
    ticket_id = parse_row_id(ticket) if ticket else None
    if ticket:
        found = db.get(Ticket, ticket_id) if ticket_id is not None else None
        if found is None:
            return error_page(request, current, texts.TICKET_NOT_FOUND, 404)
        data = _from_ticket(found)
    else:
        data = DraftInput(question="", answer="", section="")
    if question or wording:
        data = DraftInput(
            question=redact(question.strip())[: drafts.QUESTION_MAX_CHARS] or data.question,
            answer=data.answer,
            section="",
            wordings=drafts.clean_lines([redact(w) for w in (wording or [])])[: drafts.MAX_WORDINGS]
            or data.wordings,
        )
    return render_page(request, FORM_TEMPLATE, _form_context(data, ticket_id), current)


class DraftForm(BaseModel):
    """The fields of the draft form (new or edited); ``ticket`` only on a new draft."""

    csrf_token: str = ""
    question: str = ""
    answer: str = ""
    section: str = ""
    sources: str = ""
    wordings: str = ""
    ticket: str = ""

    def draft(self) -> DraftInput:
        return DraftInput(
            self.question, self.answer, self.section, _lines(self.sources), _lines(self.wordings)
        )


FormText = Annotated[str, Form()]


@router.post("/nouveau", response_model=None)
def create_draft(
    request: Request,
    current: PageAgent,
    db: DbSession,
    form: Annotated[DraftForm, Form()],
) -> Response:
    if not check_csrf(current, form.csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    data = form.draft()
    ticket_id = parse_row_id(form.ticket) if form.ticket else None
    if ticket_id is not None and db.get(Ticket, ticket_id) is None:
        ticket_id = None
    content_sections = drafts.guide_sections(kb_settings().content_dir)
    try:
        draft = drafts.create_draft(db, current.agent, data, content_sections, ticket_id)
    except DraftError as exc:
        db.rollback()
        context = {**_form_context(data, ticket_id), "errors": exc.errors}
        return render_page(request, FORM_TEMPLATE, context, current, status_code=400)
    return RedirectResponse(f"{BASE}/{draft.id}?ok=cree", status_code=303)


@router.get("/{draft_id}", response_class=HTMLResponse)
def draft_page(
    request: Request, current: PageAgent, db: DbSession, draft_id: str, ok: str = ""
) -> HTMLResponse:
    draft = _draft_or_404(request, db, current, draft_id)
    if isinstance(draft, HTMLResponse):
        return draft
    return _render_draft(request, current, draft, notice=texts.NOTICES.get(ok))


def _render_draft(
    request: Request,
    current: AgentSession,
    draft: FaqDraft,
    notice: str | None = None,
    errors: list[str] | None = None,
    form: DraftInput | None = None,
) -> HTMLResponse:
    data = form or DraftInput(
        draft.question, draft.answer, draft.section, list(draft.sources), list(draft.wordings)
    )
    context = {
        **_form_context(data, draft.ticket_id),
        "draft": draft,
        "editable": draft.status in drafts.EDITABLE,
        "notice": notice,
        "errors": errors or [],
    }
    return render_page(
        request, "console/brouillon.html", context, current, status_code=400 if errors else 200
    )


@router.post("/{draft_id}", response_model=None)
def edit_draft(
    request: Request,
    current: PageAgent,
    db: DbSession,
    draft_id: str,
    form: Annotated[DraftForm, Form()],
) -> Response:
    data = form.draft()
    sections = drafts.guide_sections(kb_settings().content_dir)
    return _step(
        request,
        db,
        current,
        draft_id,
        form.csrf_token,
        "modifie",
        lambda d: drafts.update_draft(db, d, current.agent, data, sections),
        data,
    )


@router.post("/{draft_id}/soumettre", response_model=None)
def submit_draft(
    request: Request, current: PageAgent, db: DbSession, draft_id: str, csrf_token: FormText = ""
) -> Response:
    return _step(
        request,
        db,
        current,
        draft_id,
        csrf_token,
        "soumis",
        lambda d: drafts.submit(db, d, current.agent),
    )


@router.post("/{draft_id}/renvoyer", response_model=None)
def send_back_draft(
    request: Request,
    current: PageAgent,
    db: DbSession,
    draft_id: str,
    csrf_token: FormText = "",
    comment: FormText = "",
) -> Response:
    return _step(
        request,
        db,
        current,
        draft_id,
        csrf_token,
        "renvoye",
        lambda d: drafts.send_back(db, d, current.agent, comment),
    )


@router.post("/{draft_id}/publier", response_model=None)
def publish_draft(
    request: Request, current: PageAgent, db: DbSession, draft_id: str, csrf_token: FormText = ""
) -> Response:
    return _step(
        request,
        db,
        current,
        draft_id,
        csrf_token,
        "publie",
        lambda d: publish(db, d, current.agent, kb_settings()),
    )


def _step(
    request: Request,
    db: Session,
    current: AgentSession,
    draft_id: str,
    csrf_token: str,
    notice: str,
    action: Any,
    form: DraftInput | None = None,
) -> Response:
    """Run one step on a draft: CSRF check, then redirect (PRG) or the page with the French
    errors."""
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    draft = _draft_or_404(request, db, current, draft_id)
    if isinstance(draft, HTMLResponse):
        return draft
    try:
        action(draft)
    except DraftError as exc:
        db.rollback()
        status = 403 if exc.errors == [texts.SUPERVISORS_ONLY] else 400
        response = _render_draft(request, current, draft, errors=exc.errors, form=form)
        response.status_code = status
        return response
    return RedirectResponse(f"{BASE}/{draft.id}?ok={quote(notice)}", status_code=303)
