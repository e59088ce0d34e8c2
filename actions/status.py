"""``action_check_status``: where the logged-in user's submissions stand.

Who the user is comes ONLY from the signed identity token that the web app puts in the
message metadata (``metadata["identity_token"]``), verified again here with the shared
secret: a name, e-mail, SIRET or reference typed in the chat proves nothing. Without a
valid token the user is told to log in and nothing is looked up.

Logged in: the references found in the message (« MJ 2024 000123 », « fa2024-12 »…) are
looked up among the user's own submissions only; an unknown reference and someone else's
get the same answer. Without a reference, the latest submissions are listed (those of
the kind the message names, « mémoire », « TIC », « facture », when there are some),
and a single one is explained in full.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, latest_text, never_raise
from actions.texts import text
from knowledge_base.text import fold
from portal.identity import Identity, InvalidToken, identity_secret, verify_token
from portal.settings import get_portal_settings
from portal.submissions import repository
from portal.submissions.explanations import GUIDE_URL, explain, status_link, summary_line
from portal.submissions.references import find_references, normalise_reference
from portal.submissions.states import FEMININE_KINDS, KIND_LABELS, Kind, Status
from storage.db import get_sessionmaker

logger = logging.getLogger(__name__)

MAX_REFERENCES = 3  # references answered from one message
KIND_SCAN_LIMIT = 50  # latest submissions scanned for those of the kind the user names
LOGIN_LINK = {"title": text("utter_link_login"), "url": "/docs/comptes#se-connecter"}
ASSISTANT_LINK = {
    "title": text("utter_link_status_via_assistant"),
    "url": f"{GUIDE_URL}#statut-via-assistant",
}
REFERENCE_LINK = {
    "title": text("utter_link_reference_help"),
    "url": f"{GUIDE_URL}#numero-reference",
}

ANONYMOUS_TEXT = text("utter_status_anonymous")
NO_SUBMISSION_TEXT = text("utter_status_no_submission")
LIST_INTRO = text("utter_status_list_intro")

KIND_HINTS: dict[Kind, re.Pattern[str]] = {
    Kind.MEMOIRE_JUSTICE: re.compile(r"\bmemoires?\b"),
    Kind.REMBOURSEMENT_TIC_TICGN: re.compile(r"\b(tic|ticgn|remboursements?|rembourse)\b"),
    Kind.FACTURE: re.compile(r"\bfactures?\b"),
    Kind.AVOIR: re.compile(r"\b(mon|mes|l'|cet|un|les|d'un) ?avoirs?\b"),
}


def message_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata of the latest user message.

    Rasa 3.6 copies it into ``latest_message["metadata"]``; the ``user`` event carries it
    too, which is the fallback.
    """
    metadata = (tracker.latest_message or {}).get("metadata")
    if isinstance(metadata, dict) and metadata:
        return metadata
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            found = event.get("metadata")
            return found if isinstance(found, dict) else {}
    return {}


def verified_identity(tracker: Tracker) -> Identity | None:
    """The identity of the token in the latest message's metadata, if it verifies."""
    token = message_metadata(tracker).get("identity_token")
    if not isinstance(token, str) or not token:
        return None
    try:
        return verify_token(token, identity_secret(get_portal_settings()))
    except InvalidToken as exc:
        logger.warning("action.status.identity_refused sender=%s reason=%s", tracker.sender_id, exc)
        return None


def requested_references(tracker: Tracker) -> list[str]:
    """References of the latest message: from its text, else from its ``reference`` entities."""
    found = find_references(latest_text(tracker))
    if not found:
        for value in tracker.get_latest_entity_values("reference"):
            reference = normalise_reference(str(value))
            if reference and reference not in found:
                found.append(reference)
    return found[:MAX_REFERENCES]


def kind_hint(text: str) -> Kind | None:
    folded = fold(text)
    for kind, pattern in KIND_HINTS.items():
        if pattern.search(folded):
            return kind
    return None


@dataclass
class Reply:
    """Messages to send: (text, links) pairs."""

    messages: list[tuple[str, list[dict[str, str]]]] = field(default_factory=list)

    def add(self, text: str, links: list[dict[str, str]] | None = None) -> None:
        self.messages.append((text, links or []))


def build_reply(owner_sub: str, references: list[str], kind: Kind | None, list_limit: int) -> Reply:
    """Look the user's submissions up and phrase the answer (runs in a worker thread)."""
    reply = Reply()
    with get_sessionmaker()() as session:
        if references:
            for reference in references:
                submission = repository.find_for_owner(session, owner_sub, reference)
                if submission is None:
                    not_found = text("utter_status_not_found", reference=reference)
                    reply.add(not_found, [REFERENCE_LINK])
                else:
                    reply.add(explain(submission), _links(submission.status))
            return reply
        latest = repository.latest_for_owner(session, owner_sub, KIND_SCAN_LIMIT)
        of_kind = [s for s in latest if kind is not None and s.kind == kind.value]
        kind_missing = kind is not None and not of_kind and bool(latest)
        latest = (of_kind or latest)[:list_limit]
        if not latest:
            reply.add(NO_SUBMISSION_TEXT, [ASSISTANT_LINK])
        elif len(latest) == 1 and not kind_missing:
            reply.add(explain(latest[0]), _links(latest[0].status))
        else:
            intro = LIST_INTRO
            if kind_missing and kind is not None:
                none = "aucune" if kind in FEMININE_KINDS else "aucun"
                intro = text("utter_status_no_kind_intro", none=none, kind=KIND_LABELS[kind])
            lines = [intro, *(summary_line(s) for s in latest)]
            lines.append(text("utter_status_list_outro", example=latest[0].reference))
            reply.add("\n".join(lines), [ASSISTANT_LINK])
    return reply


def _links(raw_status: str) -> list[dict[str, str]]:
    status = Status(raw_status)
    links = [status_link(status)]
    if status in (Status.REJETE, Status.SUSPENDU):
        links.append(SUPPORT_LINK)
    return links


class ActionCheckStatus(Action):
    """Tell a logged-in user where their submissions stand; ask anonymous users to log in."""

    def name(self) -> str:
        return "action_check_status"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        identity = verified_identity(tracker)
        if identity is None:
            logger.info("action.status sender=%s identified=false", tracker.sender_id)
            dispatcher.utter_message(
                text=ANONYMOUS_TEXT, json_message={"links": [LOGIN_LINK, ASSISTANT_LINK]}
            )
            return [SlotSet("reference", None)]
        references = requested_references(tracker)
        settings = get_portal_settings()
        reply = await asyncio.to_thread(
            build_reply,
            identity.sub,
            references,
            kind_hint(latest_text(tracker)),
            settings.status_list_limit,
        )
        logger.info(
            "action.status sender=%s identified=true references=%d",
            tracker.sender_id,
            len(references),
        )
        for message, links in reply.messages:
            dispatcher.utter_message(text=message, json_message={"links": links})
        return [SlotSet("reference", None)]
