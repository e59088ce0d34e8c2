"""Registry of every ORM model, so Alembic and tests see the whole schema."""

from __future__ import annotations


def import_all_models() -> None:
    """Import the modules that declare ORM models (their import registers them on Base)."""
    import portal.accounts.models  # noqa: F401
    import portal.conversations.erasure  # noqa: F401
    import portal.conversations.models  # noqa: F401
    import portal.submissions.models  # noqa: F401
    import support_tickets.faq_models  # noqa: F401
    import support_tickets.models  # noqa: F401
    import support_tickets.review_models  # noqa: F401
