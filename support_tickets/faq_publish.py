"""Publication of reviewed FAQ drafts into the knowledge base's content files.

The database holds the workflow (drafts, reviews, publications, each with its author and
date) and is the source of the published entries; at each publication they are all written
again, from the database, to two files of the content folder (``KB_CONTENT_DIR``):
``faq/console-publiees.yml`` (the entries, in the FAQ format, ``checked`` = the day of the
publication) and ``paraphrases/console-publiees.yml`` (the users' redacted wordings). Those
files are never edited by hand; they go under version control with the rest of the content,
so a full build (``make index``) and every evaluation include the published entries.

Around the write, the index folder's ``UPDATE_PENDING`` marker is touched twice
(:mod:`knowledge_base.index_versions`): before, so that the action servers keep serving the
current index instead of calling it stale; after, as the signal for their watcher to run the
incremental update and swap to the new version (:mod:`knowledge_base.live`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.content import ContentError, load_faq, load_guides, load_paraphrases
from knowledge_base.index_versions import mark_pending
from support_tickets import faq_texts as texts
from support_tickets.faq_drafts import DraftError, approve, published
from support_tickets.faq_models import FaqDraft
from support_tickets.models import Agent

logger = logging.getLogger(__name__)

PUBLISHED_FILE = "console-publiees.yml"
HEADER = (
    "# Écrit par la console (Brouillons → publication) depuis la base de données : ne pas\n"
    "# modifier à la main, les modifications seraient écrasées à la publication suivante.\n"
)


def entry_record(draft: FaqDraft) -> dict[str, Any]:
    """The FAQ entry of a published draft (format of ``knowledge_base/README.md``)."""
    published_on = draft.published_at.date() if draft.published_at else None
    return {
        "id": draft.entry_id,
        "question": draft.question,
        "variants": [],
        "answer": draft.answer,
        "source": draft.section,
        "sources": list(draft.sources),
        "checked": published_on.isoformat() if published_on else None,
    }


def render(drafts: list[FaqDraft]) -> tuple[str, str]:
    """The text of the FAQ file and of the paraphrases file."""
    entries = [entry_record(d) for d in drafts]
    wordings = {d.entry_id: list(d.wordings) for d in drafts if d.wordings}

    def dump(data: Any) -> str:
        return HEADER + str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))

    return dump(entries), dump(wordings)


def _check(faq_text: str, paraphrases_text: str, content_dir: Path) -> None:
    """Load both texts as the index build will (raises ContentError when it would fail)."""
    guides = load_guides(content_dir / "documents")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "faq").mkdir()
        (root / "paraphrases").mkdir()
        (root / "faq" / PUBLISHED_FILE).write_text(faq_text, encoding="utf-8")
        (root / "paraphrases" / PUBLISHED_FILE).write_text(paraphrases_text, encoding="utf-8")
        ids = {e.id for e in load_faq(root / "faq", guides=guides)}
        load_paraphrases(root / "paraphrases", known=ids)


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old or the new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_published(db: Session, content_dir: Path) -> int:
    """Write every published entry of the database to the content files; how many."""
    drafts = published(db)
    faq_text, paraphrases_text = render(drafts)
    _check(faq_text, paraphrases_text, content_dir)
    _replace(content_dir / "faq" / PUBLISHED_FILE, faq_text)
    _replace(content_dir / "paraphrases" / PUBLISHED_FILE, paraphrases_text)
    return len(drafts)


def _other_ids(content_dir: Path) -> set[str]:
    """FAQ ids the content has outside the published file (a new id must differ)."""
    return {e.id for e in load_faq(content_dir / "faq") if e.path.name != PUBLISHED_FILE}


def publish(
    db: Session, draft: FaqDraft, reviewer: Agent, settings: KnowledgeBaseSettings
) -> FaqDraft:
    """Publish a draft under review: the database, then the content files, then the signal
    to update the index (see the module docstring).

    Raises:
        DraftError: not a supervisor, not under review, or the files could not be written
            (the draft then stays under review).
    """
    lock_path = settings.content_dir / "faq" / f".{PUBLISHED_FILE}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        approve(db, draft, reviewer, _other_ids(settings.content_dir))
        mark_pending(settings.index_dir)
        try:
            db.flush()
            count = write_published(db, settings.content_dir)
        except (OSError, ContentError, ValueError) as exc:
            db.rollback()
            logger.error("faq.publish_failed draft=%s error=%s", draft.id, exc)
            raise DraftError([texts.PUBLISH_FAILED.format(reason=type(exc).__name__)]) from exc
        db.commit()
        mark_pending(settings.index_dir)
    logger.info("faq.published draft=%s entry=%s entries=%d", draft.id, draft.entry_id, count)
    return draft
