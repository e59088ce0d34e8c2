"""The chat side of support: the support form's validation and summary, ticket creation with
the conversation's context, offers, cancellation and « où en est mon ticket ? »."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import support
from actions.support_offer import OPEN_TICKET_PAYLOAD, is_offer, offer_buttons
from assistant.config import get_settings
from portal.conversations import repository
from portal.identity import identity_secret, sign_identity
from portal.settings import get_portal_settings
from storage.db import get_engine, get_sessionmaker
from storage.migrate import upgrade
from support_tickets import service
from support_tickets.config import get_support_settings
from support_tickets.models import Ticket
from support_tickets.similarity import LexicalSimilarity

NUMBER = re.compile(r"SUP-\d{4}-\d{6}")


@pytest.fixture(scope="module", autouse=True)
def _database() -> None:
    get_settings.cache_clear()
    get_portal_settings.cache_clear()
    get_support_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    upgrade()


@pytest.fixture(autouse=True)
def _lexical_similarity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Duplicate detection compares descriptions lexically here (no embedder needed)."""
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)


@pytest.fixture
def db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


def _sender() -> str:
    return f"chat-{uuid.uuid4().hex[:12]}"


def _email() -> str:
    return f"usager.{uuid.uuid4().hex[:8]}@exemple.fr"


def _identity_metadata(sub: str, email: str) -> dict[str, Any]:
    token = sign_identity(
        identity_secret(get_settings()),
        sub=sub,
        email=email,
        name="Camille Martin",
        siret=None,
        ttl_s=600,
    )
    return {"identity_token": token, "page": "/factures"}


def _tracker(
    *,
    sender: str = "test-user",
    text: str = "",
    intent: str = "ask_question",
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
                "metadata": metadata or {},
            },
            "events": events or [],
            "active_loop": {},
        }
    )


def _user(text: str, intent: str, ts: float, metadata: dict[str, Any] | None = None) -> dict:
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.42}},
        "metadata": metadata or {},
    }


def _bot(text: str, ts: float, buttons: list[dict[str, str]] | None = None) -> dict:
    return {"event": "bot", "timestamp": ts, "text": text, "data": {"buttons": buttons or []}}


# --- validation of the support form ------------------------------------------------------


async def test_validate_support_form_required_slots_anonymous_asks_email() -> None:
    slots = await support.ValidateSupportForm().required_slots(
        [], CollectingDispatcher(), _tracker(), {}
    )
    assert slots == list(support.FORM_SLOTS)


async def test_validate_support_form_required_slots_identified_skips_email() -> None:
    tracker = _tracker(metadata=_identity_metadata("user-1", "camille@exemple.fr"))
    slots = await support.ValidateSupportForm().required_slots(
        [], CollectingDispatcher(), tracker, {}
    )
    assert support.EMAIL_SLOT not in slots
    assert slots[0] == support.CATEGORY_SLOT


def test_validate_support_form_required_slots_forged_identity_still_asks_email() -> None:
    tracker = _tracker(metadata={"identity": {"sub": "x", "email": "x@exemple.fr"}})
    assert support.identity_email(tracker) is None  # claims without a valid token are ignored


def test_validate_support_email_extracts_from_sentence() -> None:
    dispatcher = CollectingDispatcher()
    result = support.ValidateSupportForm().validate_support_email(
        "mon adresse est Jean.Dupont@Exemple.fr.", dispatcher, _tracker(), {}
    )
    assert result == {support.EMAIL_SLOT: "jean.dupont@exemple.fr"}
    assert dispatcher.messages == []


def test_validate_support_email_invalid_explains_in_french() -> None:
    dispatcher = CollectingDispatcher()
    result = support.ValidateSupportForm().validate_support_email(
        "jean.dupont", dispatcher, _tracker(), {}
    )
    assert result == {support.EMAIL_SLOT: None}
    assert "adresse e-mail est invalide" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mémoires de frais de justice", "memoires"),
        ("tic_ticgn", "tic_ticgn"),
        ("c'est pour une facture", "factures"),
        ("je n'arrive plus à me connecter", "compte"),
        ("Problème technique", "technique"),
        ("zzz", None),
    ],
)
def test_category_from_text_maps_labels_ids_and_keywords(text: str, expected: str | None) -> None:
    assert support.category_from_text(text) == expected


def test_validate_support_category_unknown_asks_again() -> None:
    dispatcher = CollectingDispatcher()
    result = support.ValidateSupportForm().validate_support_category(
        "zzz", dispatcher, _tracker(), {}
    )
    assert result == {support.CATEGORY_SLOT: None}
    assert dispatcher.messages[0]["text"] == support.INVALID_CATEGORY_TEXT


def test_validate_support_description_too_short_refused() -> None:
    dispatcher = CollectingDispatcher()
    result = support.ValidateSupportForm().validate_support_description(
        "bug", dispatcher, _tracker(), {}
    )
    assert result == {support.DESCRIPTION_SLOT: None}
    assert "au moins 10 caractères" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aucune", "aucune"),
        ("Non", "aucune"),
        ("néant", "aucune"),
        ("mj-2024-000123", "MJ-2024-000123"),
    ],
)
def test_validate_support_reference_optional(text: str, expected: str) -> None:
    result = support.ValidateSupportForm().validate_support_reference(
        text, CollectingDispatcher(), _tracker(), {}
    )
    assert result == {support.REFERENCE_SLOT: expected}


def test_validate_support_confirmation_send() -> None:
    result = support.ValidateSupportForm().validate_support_confirmation(
        "Envoyer", CollectingDispatcher(), _tracker(text="Envoyer"), {}
    )
    assert result == {support.CONFIRMATION_SLOT: support.CONFIRM_SEND}


def test_validate_support_confirmation_edit_one_field() -> None:
    result = support.ValidateSupportForm().validate_support_confirmation(
        "Modifier la catégorie", CollectingDispatcher(), _tracker(), {}
    )
    assert result == {support.CONFIRMATION_SLOT: None, support.CATEGORY_SLOT: None}


def test_validate_support_confirmation_edit_button_names_field() -> None:
    entities = [{"entity": "support_field", "value": support.DESCRIPTION_SLOT}]
    tracker = _tracker(
        text='/deny{"support_field":"support_description"}', intent="deny", entities=entities
    )
    result = support.ValidateSupportForm().validate_support_confirmation(
        tracker.latest_message["text"], CollectingDispatcher(), tracker, {}
    )
    assert result == {support.CONFIRMATION_SLOT: None, support.DESCRIPTION_SLOT: None}


def test_validate_support_confirmation_send_button_payload() -> None:
    result = support.ValidateSupportForm().validate_support_confirmation(
        "/affirm", CollectingDispatcher(), _tracker(text="/affirm", intent="affirm"), {}
    )
    assert result == {support.CONFIRMATION_SLOT: support.CONFIRM_SEND}


def test_validate_support_reference_none_button_and_typed_no_with_reference() -> None:
    form, dispatcher = support.ValidateSupportForm(), CollectingDispatcher()
    button = form.validate_support_reference("/deny", dispatcher, _tracker(intent="deny"), {})
    assert button == {support.REFERENCE_SLOT: support.NO_REFERENCE}
    typed = form.validate_support_reference(
        "non c'est FA2024-12", dispatcher, _tracker(intent="deny"), {}
    )
    assert typed == {support.REFERENCE_SLOT: "FA2024-12"}


@pytest.mark.parametrize("text", ["oui", "Oui !", "oui c'est le cas", "ma facture de mars"])
def test_validate_support_reference_without_figures_asks_for_the_reference(text: str) -> None:
    dispatcher = CollectingDispatcher()
    intent = "affirm" if text.lower().startswith("oui") else "inform"
    result = support.ValidateSupportForm().validate_support_reference(
        text, dispatcher, _tracker(text=text, intent=intent), {}
    )
    assert result == {support.REFERENCE_SLOT: None}
    assert "avec ses chiffres" in dispatcher.messages[0]["text"]


def test_validate_support_confirmation_edit_without_field_keeps_answers() -> None:
    result = support.ValidateSupportForm().validate_support_confirmation(
        "Modifier", CollectingDispatcher(), _tracker(), {}
    )
    assert result == {support.CONFIRMATION_SLOT: None}


def test_validate_support_confirmation_unclear_asks_again() -> None:
    dispatcher = CollectingDispatcher()
    result = support.ValidateSupportForm().validate_support_confirmation(
        "peut-être", dispatcher, _tracker(intent="nlu_fallback"), {}
    )
    assert result == {support.CONFIRMATION_SLOT: None}
    assert "« Envoyer », « Modifier » ou « Annuler »" in dispatcher.messages[0]["text"]


# --- questions of the form -------------------------------------------------------------


async def test_action_ask_support_category_one_button_per_category() -> None:
    dispatcher = CollectingDispatcher()
    await support.ActionAskSupportCategory().run(dispatcher, _tracker(), {})
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles[:7] == list(support.CATEGORY_LABELS.values())
    assert dispatcher.messages[0]["buttons"][-1] == {"title": "Annuler", "payload": "/cancel"}


async def test_action_ask_support_confirmation_shows_summary() -> None:
    tracker = _tracker(
        text="aucune",
        slots={
            support.EMAIL_SLOT: "jean@exemple.fr",
            support.CATEGORY_SLOT: "memoires",
            support.DESCRIPTION_SLOT: "Mon mémoire est bloqué depuis un mois.",
            support.REFERENCE_SLOT: "aucune",
            "requested_slot": support.CONFIRMATION_SLOT,
        },
    )
    dispatcher = CollectingDispatcher()
    await support.ActionAskSupportConfirmation().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert "jean@exemple.fr" in message["text"]
    assert "Mémoires de frais de justice" in message["text"]
    assert "Mon mémoire est bloqué depuis un mois." in message["text"]
    assert "Référence du formulaire : aucune" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Envoyer", "Modifier", "Annuler"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny", "/cancel"]


async def test_action_ask_support_confirmation_after_edit_offers_fields() -> None:
    tracker = _tracker(
        text="Modifier",
        slots={"requested_slot": support.CONFIRMATION_SLOT},
        metadata=_identity_metadata("user-2", "camille@exemple.fr"),
    )
    dispatcher = CollectingDispatcher()
    await support.ActionAskSupportConfirmation().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == support.EDIT_CHOICE_TEXT
    titles = [b["title"] for b in message["buttons"]]
    assert "Modifier l'adresse électronique" not in titles  # identified: e-mail is fixed
    assert {
        "title": "Modifier la description",
        "payload": '/deny{"support_field":"support_description"}',
    } in message["buttons"]


async def test_action_ask_support_confirmation_after_edit_button_offers_fields() -> None:
    tracker = _tracker(
        text="/deny", intent="deny", slots={"requested_slot": support.CONFIRMATION_SLOT}
    )
    dispatcher = CollectingDispatcher()
    await support.ActionAskSupportConfirmation().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == support.EDIT_CHOICE_TEXT


# --- submission ------------------------------------------------------------------------


def _form_slots(email: str | None = None) -> dict[str, Any]:
    return {
        support.EMAIL_SLOT: email,
        support.CATEGORY_SLOT: "tic_ticgn",
        support.DESCRIPTION_SLOT: "Ma demande de remboursement TICGN est refusée sans motif.",
        support.REFERENCE_SLOT: "TIC-2025-000042",
        support.CONFIRMATION_SLOT: support.CONFIRM_SEND,
    }


async def test_action_submit_support_ticket_carries_conversation(db: Session) -> None:
    sender, email = _sender(), _email()
    kb = {
        "decision": "abstain",
        "best_score": 0.12,
        "hits": [{"id": "faq-tic-01", "title": "Remboursement TIC", "score": 0.12}],
    }
    repository.record_turn(
        db,
        session_id=sender,
        user_text="pourquoi mon remboursement ticgn est refusé ?",
        replies=[{"text": "Je ne sais pas répondre à cette question.", "buttons": [], "links": []}],
        outcome="answered",
        latency_ms=10.0,
        kb=[kb],
        page="/tic",
    )
    events = [
        _user("pourquoi mon remboursement ticgn est refusé ?", "ask_question", 1.0),
        _bot("Je ne sais pas répondre à cette question.", 2.0, offer_buttons()),
        _user("/open_ticket", "open_ticket", 3.0),
        {"event": "active_loop", "name": "support_form", "timestamp": 4.0},
        _user("Envoyer", "affirm", 5.0),
    ]
    tracker = _tracker(sender=sender, slots=_form_slots(email), events=events, intent="affirm")
    dispatcher = CollectingDispatcher()
    result = await support.ActionSubmitSupportTicket().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert text.startswith("Votre demande a bien été transmise à nos équipes sous le numéro SUP-")
    number = NUMBER.search(text).group(0)  # type: ignore[union-attr]
    assert SlotSet(support.LAST_TICKET_SLOT, number) in result
    assert SlotSet(support.DESCRIPTION_SLOT, None) in result
    ticket = db.query(Ticket).filter_by(number=number).one()
    assert ticket.email == email
    assert ticket.category == "tic_ticgn"
    assert ticket.reference == "TIC-2025-000042"
    assert ticket.chat_session_id == sender
    assert ticket.channel == "chat"
    assert ticket.intent == "ask_question"
    assert ticket.intent_confidence == pytest.approx(0.42)
    assert ticket.page == "/tic"
    assert ticket.kb_candidates[0]["id"] == "faq-tic-01"
    assert ticket.kb_candidates[0]["question"].startswith("pourquoi mon remboursement")
    transcript = [(m.author_type, m.body) for m in ticket.messages if m.in_transcript]
    assert transcript == [
        ("user", "pourquoi mon remboursement ticgn est refusé ?"),
        ("bot", "Je ne sais pas répondre à cette question."),
    ]


async def test_action_submit_support_ticket_identified_uses_identity(db: Session) -> None:
    sender, sub, email = _sender(), f"user-{uuid.uuid4().hex[:6]}", _email()
    metadata = _identity_metadata(sub, email)
    tracker = _tracker(sender=sender, slots=_form_slots(None), metadata=metadata)
    dispatcher = CollectingDispatcher()
    await support.ActionSubmitSupportTicket().run(dispatcher, tracker, {})
    number = NUMBER.search(dispatcher.messages[0]["text"]).group(0)  # type: ignore[union-attr]
    ticket = db.query(Ticket).filter_by(number=number).one()
    assert ticket.email == email
    assert ticket.identity_sub == sub
    assert ticket.page == "/factures"
    assert ticket.reference == "TIC-2025-000042"


async def test_action_submit_support_ticket_without_confirmation_sends_nothing(db: Session) -> None:
    before = db.query(Ticket).count()
    slots = {**_form_slots(_email()), support.CONFIRMATION_SLOT: None}
    dispatcher = CollectingDispatcher()
    await support.ActionSubmitSupportTicket().run(dispatcher, _tracker(slots=slots), {})
    assert db.query(Ticket).count() == before
    assert "aucune demande n'a été envoyée" in dispatcher.messages[0]["text"]


async def test_action_submit_support_ticket_invalid_field_explained(db: Session) -> None:
    slots = {**_form_slots("pas-une-adresse")}
    dispatcher = CollectingDispatcher()
    await support.ActionSubmitSupportTicket().run(dispatcher, _tracker(slots=slots), {})
    message = dispatcher.messages[0]
    assert message["text"].startswith("Votre demande n'a pas pu être enregistrée")
    assert message["custom"]["links"][0]["url"] == "/support"


# --- leaving, offering, accepting --------------------------------------------------------


async def test_action_cancel_support_deactivates_form_and_clears() -> None:
    dispatcher = CollectingDispatcher()
    events = await support.ActionCancelSupport().run(dispatcher, _tracker(intent="cancel"), {})
    assert events[0] == ActiveLoop(None)
    assert SlotSet(support.DESCRIPTION_SLOT, None) in events
    assert "aucune demande n'a été envoyée" in dispatcher.messages[0]["text"]


async def test_action_offer_support_after_deny_to_answer_offers_form() -> None:
    events = [_bot("Voici la réponse…", 1.0), _user("non", "deny", 2.0)]
    dispatcher = CollectingDispatcher()
    await support.ActionOfferSupport().run(dispatcher, _tracker(intent="deny", events=events), {})
    message = dispatcher.messages[0]
    assert message["text"] == support.OFFER_AFTER_DENY_TEXT
    assert message["buttons"][0]["payload"] == OPEN_TICKET_PAYLOAD


async def test_action_offer_support_deny_to_offer_is_refusal() -> None:
    events = [_bot("Je ne sais pas.", 1.0, offer_buttons()), _user("non", "deny", 2.0)]
    dispatcher = CollectingDispatcher()
    await support.ActionOfferSupport().run(dispatcher, _tracker(intent="deny", events=events), {})
    assert dispatcher.messages[0]["text"] == support.DECLINED_TEXT
    assert not dispatcher.messages[0]["buttons"]


async def test_action_offer_support_after_two_failures() -> None:
    events = [_user("la météo ?", "out_of_scope", 1.0), _bot("Je ne peux pas.", 2.0)]
    events.append(_user("et un gâteau ?", "out_of_scope", 3.0))
    dispatcher = CollectingDispatcher()
    tracker = _tracker(intent="out_of_scope", events=events)
    await support.ActionOfferSupport().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == support.OFFER_AFTER_FAILURES_TEXT
    assert is_offer({"data": {"buttons": dispatcher.messages[0]["buttons"]}})


async def test_action_accept_support_offer_opens_form_after_offer() -> None:
    events = [_bot("Je ne sais pas.", 1.0, offer_buttons()), _user("oui", "affirm", 2.0)]
    dispatcher = CollectingDispatcher()
    result = await support.ActionAcceptSupportOffer().run(
        dispatcher, _tracker(intent="affirm", events=events), {}
    )
    assert result == [FollowupAction("support_form")]
    assert dispatcher.messages == []


async def test_action_accept_support_offer_plain_yes_otherwise() -> None:
    events = [_bot("Voici la réponse.", 1.0), _user("oui", "affirm", 2.0)]
    dispatcher = CollectingDispatcher()
    result = await support.ActionAcceptSupportOffer().run(
        dispatcher, _tracker(intent="affirm", events=events), {}
    )
    assert result == []
    assert dispatcher.messages[0]["text"] == support.AFFIRM_TEXT


def test_escalation_intent_skips_flow_intents() -> None:
    events = [
        _user("ma facture est rejetée", "ask_question", 1.0),
        _user("je veux parler à quelqu'un", "ask_human", 2.0),
        {"event": "active_loop", "name": "support_form", "timestamp": 3.0},
        _user("c'est une question de dépôt de facture", "ask_question", 4.0),
    ]
    assert support.escalation_intent(_tracker(events=events)) == ("ask_question", 0.42)
    assert support.escalation_intent(_tracker(events=events[1:])) == ("ask_human", 0.42)


# --- « où en est mon ticket ? » ----------------------------------------------------------


def _ticket(db: Session, email: str, sub: str | None = None) -> Ticket:
    identity = {"sub": sub, "email": email, "name": "Camille Martin"} if sub else None
    return service.create_ticket(
        db,
        email=email,
        category="compte",
        description=f"Je ne peux plus me connecter à mon compte ({uuid.uuid4().hex}).",
        identity=identity,
    )


async def _status(tracker: Tracker) -> str:
    dispatcher = CollectingDispatcher()
    events = await support.ActionTicketStatus().run(dispatcher, tracker, {})
    assert SlotSet(support.TICKET_NUMBER_SLOT, None) in events
    return dispatcher.messages[0]["text"]


async def test_action_ticket_status_identified_lists_own_tickets(db: Session) -> None:
    sub, email = f"user-{uuid.uuid4().hex[:6]}", _email()
    mine = _ticket(db, email, sub)
    other = _ticket(db, _email(), f"user-{uuid.uuid4().hex[:6]}")
    text = await _status(_tracker(metadata=_identity_metadata(sub, email)))
    assert mine.number in text and "« Nouveau »" in text
    assert other.number not in text


async def test_action_ticket_status_identified_other_users_number_not_shown(db: Session) -> None:
    sub, email = f"user-{uuid.uuid4().hex[:6]}", _email()
    other = _ticket(db, _email(), f"user-{uuid.uuid4().hex[:6]}")
    tracker = _tracker(
        metadata=_identity_metadata(sub, email), slots={support.TICKET_NUMBER_SLOT: other.number}
    )
    assert await _status(tracker) == support.STATUS_NOT_YOURS_TEXT


async def test_action_ticket_status_identified_without_tickets(db: Session) -> None:
    tracker = _tracker(metadata=_identity_metadata(f"user-{uuid.uuid4().hex[:6]}", _email()))
    assert await _status(tracker) == support.STATUS_NONE_TEXT


async def test_action_ticket_status_anonymous_with_number_and_email(db: Session) -> None:
    email = _email()
    ticket = _ticket(db, email)
    slots = {support.TICKET_NUMBER_SLOT: ticket.number, support.TICKET_EMAIL_SLOT: email.upper()}
    text = await _status(_tracker(slots=slots))
    assert text.startswith(f"Votre demande {ticket.number} (Compte et accès), ouverte le ")


async def test_action_ticket_status_anonymous_wrong_email_no_leak(db: Session) -> None:
    ticket = _ticket(db, _email())
    wrong_email = {support.TICKET_NUMBER_SLOT: ticket.number, support.TICKET_EMAIL_SLOT: _email()}
    missing = {support.TICKET_NUMBER_SLOT: "SUP-1999-999999", support.TICKET_EMAIL_SLOT: _email()}
    assert await _status(_tracker(slots=wrong_email)) == support.STATUS_NOT_FOUND_TEXT
    assert await _status(_tracker(slots=missing)) == support.STATUS_NOT_FOUND_TEXT


async def test_action_ticket_status_anonymous_ticket_of_this_conversation(db: Session) -> None:
    email = _email()
    ticket = _ticket(db, email)
    slots = {support.LAST_TICKET_SLOT: ticket.number, support.LAST_EMAIL_SLOT: email}
    assert ticket.number in await _status(_tracker(slots=slots))


async def test_validate_ticket_status_form_required_slots() -> None:
    form = support.ValidateTicketStatusForm()
    dispatcher = CollectingDispatcher()
    identified = _tracker(metadata=_identity_metadata("user-9", "a@exemple.fr"))
    assert await form.required_slots([], dispatcher, identified, {}) == []
    anonymous = await form.required_slots([], dispatcher, _tracker(), {})
    assert anonymous == [support.TICKET_NUMBER_SLOT, support.TICKET_EMAIL_SLOT]
    earlier = _tracker(slots={support.LAST_TICKET_SLOT: "SUP-2026-000001"})
    assert await form.required_slots([], dispatcher, earlier, {}) == []


def test_validate_ticket_number_normalises() -> None:
    dispatcher = CollectingDispatcher()
    form = support.ValidateTicketStatusForm()
    assert form.validate_ticket_number("c'est le sup 2026 42", dispatcher, _tracker(), {}) == {
        support.TICKET_NUMBER_SLOT: "SUP-2026-000042"
    }
    assert form.validate_ticket_number("je ne sais plus", dispatcher, _tracker(), {}) == {
        support.TICKET_NUMBER_SLOT: None
    }
    assert dispatcher.messages[0]["text"] == support.INVALID_TICKET_NUMBER_TEXT
