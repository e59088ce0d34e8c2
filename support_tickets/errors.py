"""Errors of the support desk; each carries a French message meant to be shown as is."""

from __future__ import annotations


class TicketError(Exception):
    """Base class: ``message`` is French and safe to show to users or agents."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TicketValidationError(TicketError):
    """A field of a new ticket, a reply or a setting of a ticket is invalid."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransitionError(TicketError):
    """The state machine refuses the change of status."""


class TicketNotFoundError(TicketError):
    """No such ticket (or not visible to the caller)."""


class LoginError(TicketError):
    """Wrong credentials or a locked account."""
