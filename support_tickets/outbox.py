"""E-mails to requesters: every one is stored in the outbox; with SMTP settings they are sent
(``deliver_pending``), without them the outbox row, status ``recorded``, is the record."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.models import OutboxMessage, Ticket, utcnow
from support_tickets.taxonomy import CATEGORY_LABELS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SIGNATURE = "L'équipe support de Chorus Portal Pro"


def _greeting(ticket: Ticket) -> str:
    return f"Bonjour {ticket.requester_name}," if ticket.requester_name else "Bonjour,"


def acknowledgement_body(ticket: Ticket) -> str:
    return (
        f"{_greeting(ticket)}\n\n"
        f"Nous avons bien reçu votre demande « {CATEGORY_LABELS[ticket.category]} », "
        f"enregistrée sous le numéro {ticket.number}. Un agent vous répondra dans les "
        "meilleurs délais, les jours ouvrés.\n\n"
        "Vous pouvez demander à l'assistant « où en est mon ticket ? » en indiquant ce numéro "
        "et cette adresse e-mail.\n\n"
        f"{SIGNATURE}\n"
    )


def reply_body(ticket: Ticket, reply: str) -> str:
    return (
        f"{_greeting(ticket)}\n\n"
        f"Un agent a répondu à votre demande {ticket.number} :\n\n{reply}\n\n"
        f"{SIGNATURE}\n"
    )


def enqueue(
    session: Session,
    *,
    ticket: Ticket,
    subject: str,
    body: str,
    settings: SupportSettings | None = None,
) -> OutboxMessage:
    """Store an e-mail for the ticket's requester (committed by the caller)."""
    settings = settings or get_support_settings()
    message = OutboxMessage(
        ticket_id=ticket.id,
        recipient=ticket.email,
        subject=subject,
        body=body,
        status="pending" if settings.smtp_host else "recorded",
    )
    session.add(message)
    return message


def _send(message: OutboxMessage, settings: SupportSettings) -> None:
    email = EmailMessage()
    email["From"] = settings.smtp_sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(
        settings.smtp_host or "", settings.smtp_port, timeout=settings.smtp_timeout_s
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(email)


def deliver_pending(session: Session, settings: SupportSettings | None = None) -> int:
    """Send the pending e-mails by SMTP; returns how many were sent. No-op without SMTP."""
    settings = settings or get_support_settings()
    if not settings.smtp_host:
        return 0
    pending = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
    ).all()
    sent = 0
    for message in pending:
        message.attempts += 1
        try:
            _send(message, settings)
        except (OSError, smtplib.SMTPException) as exc:
            message.error = str(exc)[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
            logger.warning("tickets.outbox_failed id=%s error=%s", message.id, exc)
        else:
            message.status = "sent"
            message.sent_at = utcnow()
            message.error = None
            sent += 1
        session.commit()
    return sent
