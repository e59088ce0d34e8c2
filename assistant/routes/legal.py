"""The pages behind the footer's mandatory links: ``/accessibilite``, ``/mentions-legales``
and ``/donnees-personnelles``.

The personal-data page states the retention the code applies, read from the settings the
purge itself reads (:func:`portal.settings.get_portal_settings`), so the page cannot say
90 days while the purge keeps 180.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant.routes.docs_library import DOCS_URL, SUPPORT_URL
from assistant.templating import templates
from knowledge_base.french import french_date
from portal.conversations.redaction import ADDRESS, CARD, EMAIL, IBAN, NIR, PHONE
from portal.settings import get_portal_settings
from support_tickets.config import get_support_settings
from support_tickets.retention import retention_label
from support_tickets.taxonomy import CATEGORY_LABELS

router = APIRouter(include_in_schema=False, tags=["pages"])

ACCESSIBILITY_URL = "/accessibilite"
LEGAL_NOTICE_URL = "/mentions-legales"
PERSONAL_DATA_URL = "/donnees-personnelles"
# No RGAA audit has been made: the law then calls the site « non conforme », whatever the
# automated tests find (see the declaration's template).
ACCESSIBILITY_STATUS = "non conforme"
DECLARATION_DATE = dt.date(2026, 12, 6)
# What the chat's redaction replaces before a turn is stored (portal.conversations.redaction).
REDACTED_ITEMS = (
    ("les adresses électroniques", EMAIL),
    ("les numéros de téléphone", PHONE),
    ("les IBAN", IBAN),
    ("les numéros de sécurité sociale (NIR)", NIR),
    ("les numéros de carte bancaire", CARD),
    ("les adresses postales", ADDRESS),
)
ERASURE_CATEGORY = CATEGORY_LABELS["autre"]


def _common() -> dict[str, object]:
    return {
        "docs_url": DOCS_URL,
        "support_url": SUPPORT_URL,
        "accessibility_url": ACCESSIBILITY_URL,
        "legal_notice_url": LEGAL_NOTICE_URL,
        "personal_data_url": PERSONAL_DATA_URL,
        "declaration_date": french_date(DECLARATION_DATE),
        "declaration_iso": DECLARATION_DATE.isoformat(),
    }


@router.get(ACCESSIBILITY_URL, response_class=HTMLResponse)
def accessibility(request: Request) -> HTMLResponse:
    """The accessibility statement (structure of the RGAA 4.1 model)."""
    context = {**_common(), "status": ACCESSIBILITY_STATUS}
    return templates.TemplateResponse(request, "legal/accessibilite.html", context)


@router.get(LEGAL_NOTICE_URL, response_class=HTMLResponse)
def legal_notice(request: Request) -> HTMLResponse:
    """Publisher, hosting, licence of the content."""
    return templates.TemplateResponse(request, "legal/mentions_legales.html", _common())


@router.get(PERSONAL_DATA_URL, response_class=HTMLResponse)
def personal_data(request: Request) -> HTMLResponse:
    """What is stored, for how long, and how to have it erased."""
    context = {
        **_common(),
        "chat_retention_days": get_portal_settings().chat_retention_days,
        "ticket_retention": retention_label(get_support_settings().ticket_retention_days),
        "redacted_items": REDACTED_ITEMS,
        "erasure_category": ERASURE_CATEGORY,
    }
    return templates.TemplateResponse(request, "legal/donnees_personnelles.html", context)
