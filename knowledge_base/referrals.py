"""Neighbouring public services: where to ask a question that another administration answers.

``referrals.yml`` lists the services (impôts, Urssaf, CAF, Assurance maladie, the award of
public contracts, a litigant's questions), each with the cues of its subjects. A question that
matches a cue and names nothing of the portal (:data:`PORTAL_CUES`) gets a polite « je ne
traite que les questions sur le portail » with where to ask instead (issue 10: out-of-scope
questions must not be answered with a portal fact; issue 13: nor offered a support ticket).

Precision comes first: a portal question sent elsewhere is a lost answer. The cues are
specific, any portal word keeps the question with the knowledge base, and
``tests/knowledge_base/test_referrals.py`` checks that none of the knowledge base's own
questions and paraphrases, nor our retrieval set, is referred.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.text import fold_words

logger = logging.getLogger(__name__)

REFERRALS_FILE = Path(__file__).resolve().parent / "referrals.yml"
# Words that tie a question to the portal: with one of them the knowledge base answers, even
# when a neighbouring service is named too (« l'Urssaf sur mes mémoires d'interprète »).
PORTAL_CUES = re.compile(
    r"\b(chorus|portail|cpp|factur\w*|memoires?|cosp|experts?|expertises?|interpret\w*|"
    r"traduct\w*|tic|ticgn|ticpe|gnr|accise|rattach\w*|pacage|plateformes? agreee?s?|"
    r"e reporting|e invoicing|structure publique|siret|collaborateurs? occasionnels?|"
    r"justice)\b"
)


@dataclass(frozen=True)
class Referral:
    """A neighbouring service and the subjects it handles."""

    id: str
    subject: str
    service: str
    where: str
    title: str
    url: str
    cues: tuple[re.Pattern[str], ...]
    sources: tuple[str, ...]
    checked: dt.date


class ReferralFileError(ValueError):
    """``referrals.yml`` is malformed (the message says where)."""


def _parse(raw: object, position: int) -> Referral:
    if not isinstance(raw, dict):
        raise ReferralFileError(f"referrals.yml, entrée {position} : un objet est attendu")
    try:
        cues = tuple(re.compile(str(c)) for c in raw["cues"])
        checked = raw["checked"]
        if not isinstance(checked, dt.date):
            checked = dt.date.fromisoformat(str(checked))
        referral = Referral(
            id=str(raw["id"]),
            subject=str(raw["subject"]),
            service=str(raw["service"]),
            where=str(raw["where"]),
            title=str(raw["title"]),
            url=str(raw["url"]),
            cues=cues,
            sources=tuple(str(s) for s in raw["sources"]),
            checked=checked,
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise ReferralFileError(f"referrals.yml, entrée {position} : {exc}") from exc
    if not referral.cues or not referral.sources:
        raise ReferralFileError(f"referrals.yml, {referral.id} : indices et sources requis")
    return referral


def load_referrals(path: Path = REFERRALS_FILE) -> tuple[Referral, ...]:
    """Parse ``referrals.yml``; raises :class:`ReferralFileError` when it is malformed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ReferralFileError("referrals.yml : une liste de services est attendue")
    return tuple(_parse(raw, n) for n, raw in enumerate(data, start=1))


@lru_cache
def get_referrals() -> tuple[Referral, ...]:
    """The packaged referrals, parsed once per process."""
    return load_referrals()


def find_referral(question: str, referrals: tuple[Referral, ...] | None = None) -> Referral | None:
    """The service to send ``question`` to, or ``None`` when the portal may answer it (no
    cue matched, or the question names the portal)."""
    folded = fold_words(question)
    if PORTAL_CUES.search(folded):
        return None
    for referral in get_referrals() if referrals is None else referrals:
        cue = next((c for c in referral.cues if c.search(folded)), None)
        if cue is not None:
            logger.info("kb.referral id=%s cue=%r", referral.id, cue.pattern)
            return referral
    return None
