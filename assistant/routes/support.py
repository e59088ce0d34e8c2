"""The « support » form as a plain web page: ``GET /support`` and ``POST /support``.

Server-rendered and JavaScript-free, it creates the ticket directly through the support
desk (:func:`support_tickets.from_chat.create_ticket_from_chat`, as the chat's support form
does), so users reach the team even when Rasa or the action server is down.
The e-mail of a logged-in portal user (session cookie) is pre-filled and read-only.
When the widget links here with its ``session_id`` (and the portal ``page``), the ticket
carries the conversation so far: nothing to repeat.

CSRF: double-submit token, a random value in a ``SameSite=Strict`` HttpOnly cookie that
the form must echo in a hidden field (compared in constant time).
"""

from __future__ import annotations

import logging
import re
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.chat.schemas import SESSION_ID_PATTERN
from assistant.config import Settings
from assistant.deps import SessionDep, SettingsDep
from assistant.errors import form_error
from assistant.routes.auth import cookie_identity
from assistant.templating import templates
from portal.conversations.keys import KeyCheck, check_key
from portal.identity import Identity, InvalidToken
from support_tickets.config import get_support_settings
from support_tickets.from_chat import create_ticket_from_chat
from support_tickets.numbering import normalise_number
from support_tickets.schemas import TicketCreate, field_errors
from support_tickets.taxonomy import CATEGORY_LABELS, CHANNEL_WEB
from support_tickets.validation import MAX_PAGE_CHARS
from web_common.rate_limit import RateLimiter, app_limiter

logger = logging.getLogger(__name__)

router = APIRouter(tags=["support"])

CSRF_FIELD = "csrf_token"
FIELDS = ("email", "category", "description", "reference")
CSRF_ERROR = (
    "Le formulaire a expiré ou n'a pas pu être vérifié. Vos saisies sont conservées : "
    "cliquez de nouveau sur « Envoyer ma demande »."
)
RATE_LIMITED_ERROR = (
    "Vous avez envoyé plusieurs demandes en peu de temps. Patientez une minute avant de réessayer."
)
STORAGE_ERROR = (
    "Votre demande n'a pas pu être enregistrée à cause d'une difficulté technique. Vos "
    "saisies sont conservées : réessayez dans quelques instants."
)
FORM_UNREADABLE = "Le formulaire envoyé est illisible."
FORM_NOT_READ = " Vos saisies n'ont pas pu être lues : saisissez de nouveau votre demande."
SESSION_EXPIRED_NOTICE = (
    "Votre session du portail a expiré : reconnectez-vous pour que votre adresse soit "
    "reprise automatiquement, ou saisissez-la ci-dessous."
)


def _csrf_token(request: Request, settings: Settings) -> str:
    existing = request.cookies.get(settings.support_csrf_cookie_name, "")
    return (
        existing if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", existing) else secrets.token_urlsafe(32)
    )


def _set_csrf_cookie(response: Response, request: Request, settings: Settings, token: str) -> None:
    response.set_cookie(
        settings.support_csrf_cookie_name,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/support",
    )


def _identity(request: Request, settings: Settings) -> tuple[Identity | None, bool]:
    """The logged-in portal user, and whether a stale or invalid cookie was presented."""
    try:
        found = cookie_identity(request, settings)
    except InvalidToken:
        return None, True
    return (found[0] if found else None), False


def _chat_context(session_id: str | None, page: str | None) -> tuple[str | None, str | None]:
    """Keep only a well-formed chat session id and a page name of sane length."""
    valid_session = (
        session_id if session_id and re.fullmatch(SESSION_ID_PATTERN, session_id) else None
    )
    clean_page = page.strip()[:MAX_PAGE_CHARS] if page and page.strip() else None
    return valid_session, clean_page


def _owned(session: Session, session_id: str | None, key: str) -> str | None:
    """``session_id`` when ``key`` is its conversation key, else None: a conversation is
    attached to a ticket only by the browser that holds it (issue 12)."""
    if session_id is None:
        return None
    if check_key(session, session_id, key or None) is KeyCheck.VALID:
        return session_id
    logger.warning("support.form.conversation_not_attached session=%s", session_id)
    return None


def _render(
    request: Request,
    settings: Settings,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    identity: Identity | None,
    notice: str | None,
    session_id: str | None,
    page: str | None,
    status_code: int = 200,
    form_error: str | None = None,
    conversation_key: str = "",
) -> HTMLResponse:
    token = _csrf_token(request, settings)
    support_settings = get_support_settings()
    response = templates.TemplateResponse(
        request,
        "support/form.html",
        {
            "values": values,
            "errors": errors,
            "form_error": form_error,
            "identity": identity,
            "notice": notice,
            "categories": CATEGORY_LABELS,
            "csrf_field": CSRF_FIELD,
            "csrf_token": token,
            "session_id": session_id,
            "conversation_key": conversation_key if session_id else "",
            "page": page,
            "description_min": support_settings.description_min_chars,
            "description_max": support_settings.description_max_chars,
        },
        status_code=status_code,
    )
    _set_csrf_cookie(response, request, settings, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/support", response_class=HTMLResponse, include_in_schema=False)
async def support_form(
    request: Request,
    settings: SettingsDep,
    page: str | None = None,
) -> HTMLResponse:
    """The empty form (the e-mail pre-filled for a logged-in portal user).

    The widget's link carries its conversation in the URL's fragment
    (``#session_id=…&key=…&page=…``), which no server sees: ``support.js`` copies it into
    the form's hidden fields.
    """
    identity, stale = _identity(request, settings)
    chat_session, clean_page = _chat_context(None, page)
    values = {name: "" for name in FIELDS}
    if identity is not None:
        values["email"] = identity.email
    return _render(
        request,
        settings,
        values=values,
        errors={},
        identity=identity,
        notice=SESSION_EXPIRED_NOTICE if stale else None,
        session_id=chat_session,
        page=clean_page,
    )


def _support_limiter(request: Request, settings: Settings) -> RateLimiter:
    return app_limiter(
        request.app.state, "support_form", settings.support_form_rate_limit_per_client
    )


def _refusal(request: Request, settings: Settings, posted_token: str) -> tuple[int, str] | None:
    """Why the submission is refused before reading it (status code, French message): a
    missing or forged CSRF token, or too many submissions from this client; None if neither."""
    cookie_token = request.cookies.get(settings.support_csrf_cookie_name, "")
    if not cookie_token or not secrets.compare_digest(cookie_token.encode(), posted_token.encode()):
        logger.warning("support.form.csrf_refused")
        return 403, CSRF_ERROR
    client = request.client.host if request.client else "unknown"
    if not _support_limiter(request, settings).allow(client):
        logger.warning("support.form.rate_limited client=%s", client)
        return 429, RATE_LIMITED_ERROR
    return None


async def _read_form(request: Request) -> tuple[FormData, tuple[int, str] | None]:
    """The posted form, or an empty one and why it could not be read (status code, French
    message): a field over 1 MB, too many fields, a broken multipart body."""
    try:
        return await request.form(), None
    except StarletteHTTPException as exc:
        logger.warning("support.form.unreadable reason=%s", exc.detail)
        status_code, message = form_error(exc.detail) or (400, FORM_UNREADABLE)
        return FormData(), (status_code, message + FORM_NOT_READ)


def _ticket_request(
    values: dict[str, str], identity: Identity | None, chat_session: str | None, page: str | None
) -> TicketCreate:
    """The ticket asked for by the form; raises :class:`ValidationError` (French messages,
    see :func:`field_errors`)."""
    return TicketCreate(
        email=values["email"],
        category=values["category"],
        description=values["description"],
        reference=values["reference"],
        identity=identity.claims() if identity is not None else None,
        chat_session_id=chat_session,
        page=page,
        channel=CHANNEL_WEB,
    )


@router.post("/support", response_class=HTMLResponse, include_in_schema=False)
async def submit_support_form(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Validate, create the ticket, then redirect to the confirmation page (POST/redirect/GET)."""
    form, unreadable = await _read_form(request)
    names = (*FIELDS, "session_id", "conversation_key", "page", CSRF_FIELD)
    raw = {name: str(form.get(name) or "") for name in names}
    identity, stale = _identity(request, settings)
    chat_session, page = _chat_context(raw["session_id"], raw["page"])
    chat_session = _owned(session, chat_session, raw["conversation_key"])
    values = {name: raw[name].strip() for name in FIELDS}
    if identity is not None:
        values["email"] = identity.email  # read-only: what was posted does not count

    def again(status_code: int, errors: dict[str, str], form_error: str | None) -> HTMLResponse:
        return _render(
            request,
            settings,
            values=values,
            errors=errors,
            identity=identity,
            notice=SESSION_EXPIRED_NOTICE if stale else None,
            session_id=chat_session,
            page=page,
            status_code=status_code,
            form_error=form_error,
            conversation_key=raw["conversation_key"],
        )

    refusal = unreadable or _refusal(request, settings, raw[CSRF_FIELD])
    if refusal is not None:
        return again(refusal[0], {}, refusal[1])
    try:
        ticket_request = _ticket_request(values, identity, chat_session, page)
    except ValidationError as exc:
        return again(422, field_errors(exc), None)
    try:
        ticket = create_ticket_from_chat(session, ticket_request)
    except SQLAlchemyError:
        logger.exception("support.form.storage_failed")
        session.rollback()
        return again(503, {}, STORAGE_ERROR)
    logger.info("support.form.ticket_created number=%s", ticket.number)
    return RedirectResponse(f"/support/envoyee?numero={ticket.number}", status_code=303)


@router.get("/support/envoyee", response_class=HTMLResponse, include_in_schema=False)
async def support_sent(request: Request, numero: str = "") -> Response:
    """The confirmation page: the ticket number and what happens next."""
    number = normalise_number(numero)
    if number is None:
        return RedirectResponse("/support", status_code=303)
    response = templates.TemplateResponse(request, "support/sent.html", {"number": number})
    response.headers["Cache-Control"] = "no-store"
    return response
