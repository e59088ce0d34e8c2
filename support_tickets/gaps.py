"""Content gaps: what users asked over a period that the assistant could not answer, grouped
by meaning, for supervisors (the console's « Lacunes » page).

**Questions.** The chat turns of the period (:class:`portal.conversations.models.ChatTurn`,
whose text is already redacted) that the assistant abstained on (last knowledge-base record
``abstain``), that got a thumbs-down, or that led to the support (intent in
:data:`~support_tickets.pilotage.ESCALATION_INTENTS`, as on the Pilotage page). For an
escalation the question is the user's previous message of the same conversation (« je veux
parler à quelqu'un » says nothing of the gap); without one it is left out. A turn counts once,
with all its reasons; at most :data:`MAX_QUESTIONS`, the most recent.

**Groups.** The questions are embedded in one batch by the knowledge base's embedder (the
process's copy) and grouped by average linkage cut at :data:`GAP_DISTANCE`
(:mod:`support_tickets.gaps_cluster`: exact up to 2,000 questions, k-means cells then
reciprocal-nearest-neighbour merging beyond). A group of at least
:data:`MIN_GROUP_QUESTIONS` questions is a gap, listed by volume with its central question
(the member nearest the group's mean), up to :data:`EXAMPLES_SHOWN` real wordings and the
:data:`~support_tickets.gaps_index.NEAREST_ENTRIES` existing entries nearest its centroid.

**« Traitée ».** Marking a gap stores a :class:`~support_tickets.models.GapResolution`: the
entry that now answers it, the group's questions (up to :data:`KEPT_QUESTIONS`) and the mean
of their unit vectors. A later group matches a mark when the two would be one group: their
average-linkage distance, ``1 - mean_group · mean_mark`` (the mean cosine between their
members), is under :data:`GAP_DISTANCE` (the closest mark wins; a mark made with another
embedder is re-embedded from its questions). A matched group is listed apart as « traitée »
with its entry while fewer than :data:`REOPEN_QUESTIONS` of its questions were asked after
the mark; from then on the entry did not close the gap and the group is listed again among
the open ones, with the earlier mark shown.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, aliased

from knowledge_base.embedder import Embedder
from knowledge_base.index import KnowledgeIndexError
from portal.conversations.models import ChatTurn
from support_tickets.console_suggestions import kb_units
from support_tickets.gaps_cache import GROUPINGS, Grouping, questions_digest
from support_tickets.gaps_cluster import cluster
from support_tickets.gaps_index import KnowledgeIndex, NearEntry
from support_tickets.models import Agent, GapResolution, as_utc
from support_tickets.pilotage import (
    ESCALATION_INTENTS,
    FEEDBACK_NEGATIVE,
    UNAVAILABLE_OUTCOME,
    PilotageFilters,
)
from support_tickets.pilotage_sql import last_decision

logger = logging.getLogger(__name__)

# Average-linkage cut (cosine distance). Evidence: `python -m support_tickets.bench_gaps
# --calibrate` groups the knowledge base's 9,271 paraphrases (user wordings of 579 entries)
# as the page does and compares the groups with their entries: 0.55 gives the best adjusted
# Rand index (0.632; 0.50: 0.574, 0.60: 0.598, 0.65: 0.509) and V-measure; a larger cut mixes
# entries (homogeneity 0.926 at 0.55, 0.896 at 0.60), a smaller one splits them.
GAP_DISTANCE = 0.55
MIN_GROUP_QUESTIONS = 3  # fewer questions in a group: an isolated question, not a gap
EXAMPLES_SHOWN = 5  # real wordings shown (and passed to the draft) per group
KEPT_QUESTIONS = 200  # questions a « traitée » mark keeps to match later groups
REOPEN_QUESTIONS = 3  # questions asked after the mark that list the gap as open again
MAX_QUESTIONS = 100_000  # questions of a period grouped (the most recent)
MAX_ENTRY_ID_CHARS = 200
DRAFT_URL = "/console/brouillons/nouveau"
REASON_LABELS = {  # (one question, several)
    "abstained": ("sans réponse", "sans réponse"),
    "negative": ("avis négatif", "avis négatifs"),
    "escalated": ("transmise au support", "transmises au support"),
}
ENTRY_MISSING = "Indiquez l'identifiant de l'entrée qui répond désormais à ces questions."
ENTRY_UNKNOWN = (
    "L'entrée « {entry} » n'existe pas dans la base de connaissances : indiquez "
    "l'identifiant d'une entrée publiée (par exemple celui d'une entrée proche listée)."
)
GROUP_UNKNOWN = (
    "Ce groupe de questions n'existe plus sur la période choisie (de nouvelles questions "
    "l'ont modifié) : rechargez la page et recommencez."
)
INDEX_UNAVAILABLE = (
    "L'index de la base de connaissances est indisponible : les entrées proches ne sont pas "
    "affichées."
)
EMBEDDER_UNAVAILABLE = (
    "Le modèle d'embeddings de la base de connaissances n'est pas construit : les questions "
    "ne peuvent pas être regroupées. Lancez `make index`."
)


class GapInputError(Exception):
    """A refused request of the gaps page; ``message`` is French, shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Question:
    turn_id: int
    text: str
    asked_at: dt.datetime
    reasons: set[str] = field(default_factory=set)


@dataclass
class GapGroup:
    """Questions of one meaning; ``questions`` most central first."""

    questions: list[Question]
    mean: np.ndarray  # mean of the members' unit vectors (not normalised)
    nearest: list[NearEntry] = field(default_factory=list)
    resolution: GapResolution | None = None
    asked_since: int = 0  # questions asked after ``resolution`` was marked

    @property
    def key(self) -> int:
        """The central question's turn: names the group in the « traitée » form."""
        return self.questions[0].turn_id

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def central(self) -> str:
        return self.questions[0].text

    @property
    def treated(self) -> bool:
        return self.resolution is not None and self.asked_since < REOPEN_QUESTIONS

    @property
    def centroid(self) -> np.ndarray:
        norm = float(np.linalg.norm(self.mean))
        return self.mean / norm if norm else self.mean

    def examples(self, count: int = EXAMPLES_SHOWN) -> list[str]:
        """Up to ``count`` distinct wordings, most central first."""
        seen: list[str] = []
        for question in self.questions:
            if question.text not in seen:
                seen.append(question.text)
                if len(seen) == count:
                    break
        return seen

    def reasons(self) -> list[tuple[str, int]]:
        """How many questions of the group had each reason (French labels)."""
        counts = [
            (labels, sum(1 for q in self.questions if reason in q.reasons))
            for reason, labels in REASON_LABELS.items()
        ]
        return [(labels[count > 1], count) for labels, count in counts]

    @property
    def draft_url(self) -> str:
        """The draft page, pre-filled with the central question and the other wordings."""
        query = [("question", self.central)]
        query += [("wording", text) for text in self.examples()[1:]]
        return f"{DRAFT_URL}?{urlencode(query)}"


@dataclass
class GapReport:
    filters: PilotageFilters
    question_count: int
    open: list[GapGroup]
    treated: list[GapGroup]
    isolated: int  # questions in groups too small to be a gap
    truncated: bool  # more than MAX_QUESTIONS questions: the most recent were grouped
    notice: str | None = None  # the index could not be read (French)


def _period(filters: PilotageFilters) -> list[ColumnElement[bool]]:
    first, after = filters.bounds()
    conditions = [ChatTurn.created_at >= first, ChatTurn.created_at < after]
    if filters.page is not None:
        conditions.append(ChatTurn.page == filters.page)
    return conditions


def select_questions(session: Session, filters: PilotageFilters) -> tuple[list[Question], bool]:
    """The period's abstained, thumbs-down and escalated questions (see the module docstring),
    most recent first, and whether :data:`MAX_QUESTIONS` cut them."""
    abstained = last_decision(ChatTurn.kb) == "abstain"
    negative = ChatTurn.feedback == FEEDBACK_NEGATIVE
    escalated = ChatTurn.intent.in_(ESCALATION_INTENTS)
    before = aliased(ChatTurn)
    previous = (
        select(before.id)
        .where(
            before.session_id == ChatTurn.session_id,
            before.id < ChatTurn.id,
            or_(before.intent.is_(None), before.intent.not_in(ESCALATION_INTENTS)),
        )
        .order_by(before.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(ChatTurn.id, ChatTurn.user_text, ChatTurn.created_at, abstained, negative,
               escalated, previous)
        .where(*_period(filters), ChatTurn.outcome != UNAVAILABLE_OUTCOME,
               or_(abstained, negative, escalated))
        .order_by(ChatTurn.id.desc())
        .limit(MAX_QUESTIONS + 1)
    ).all()  # fmt: skip
    truncated = len(rows) > MAX_QUESTIONS
    found: dict[int, Question] = {}
    asked_for: dict[int, set[str]] = {}
    for turn_id, text, at, is_abstained, is_negative, is_escalated, previous_id in rows[
        :MAX_QUESTIONS
    ]:
        reasons = {"abstained"} if is_abstained else set()
        reasons |= {"negative"} if is_negative else set()
        if not is_escalated:
            found[turn_id] = Question(turn_id, text.strip(), as_utc(at), reasons)
        elif previous_id is not None:
            asked_for.setdefault(previous_id, set()).add("escalated")
    _add_escalated(session, found, asked_for)
    return [q for q in found.values() if q.text], truncated


def _add_escalated(
    session: Session, found: dict[int, Question], asked_for: dict[int, set[str]]
) -> None:
    """The questions behind escalations, read once each (``asked_for``: turn id → reasons)."""
    missing = [turn_id for turn_id in asked_for if turn_id not in found]
    for start in range(0, len(missing), 10_000):
        chunk = missing[start : start + 10_000]
        rows = session.execute(
            select(ChatTurn.id, ChatTurn.user_text, ChatTurn.created_at).where(
                ChatTurn.id.in_(chunk)
            )
        )
        for turn_id, text, at in rows:
            found[turn_id] = Question(turn_id, text.strip(), as_utc(at))
    for turn_id, reasons in asked_for.items():
        if turn_id in found:
            found[turn_id].reasons |= reasons


def group_questions(questions: list[Question], vectors: np.ndarray) -> tuple[list[GapGroup], int]:
    """The gaps among ``questions`` (largest first) and how many questions were isolated."""
    if not questions:
        return [], 0
    labels = cluster(vectors, GAP_DISTANCE)
    groups: list[GapGroup] = []
    isolated = 0
    for label in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == label)
        if len(members) < MIN_GROUP_QUESTIONS:
            isolated += len(members)
            continue
        mean = vectors[members].mean(axis=0)
        order = members[np.argsort(-(vectors[members] @ mean), kind="stable")]
        groups.append(GapGroup([questions[i] for i in order], mean))
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups, isolated


def _mark_means(marks: list[GapResolution], embedder: Embedder) -> np.ndarray:
    """Each mark's mean vector in the current embedder's space."""
    means = []
    for mark in marks:
        if mark.embedder == embedder.name and len(mark.mean_vector) == embedder.dimension:
            means.append(np.asarray(mark.mean_vector, dtype=np.float32))
        else:
            means.append(embedder.encode(list(mark.questions)).mean(axis=0))
    return np.vstack(means)


def match_resolutions(session: Session, groups: list[GapGroup], embedder: Embedder) -> None:
    """Give each group the « traitée » mark it matches, if any (module docstring)."""
    marks = list(session.scalars(select(GapResolution).order_by(GapResolution.id)))
    if not marks or not groups:
        return
    similarity = np.vstack([g.mean for g in groups]) @ _mark_means(marks, embedder).T
    for group, row in zip(groups, similarity, strict=True):
        best = int(np.argmax(row))
        if 1.0 - float(row[best]) < GAP_DISTANCE:
            group.resolution = marks[best]
            marked_at = as_utc(marks[best].marked_at)
            group.asked_since = sum(1 for q in group.questions if q.asked_at > marked_at)


def find_gaps(session: Session, filters: PilotageFilters, index: KnowledgeIndex) -> GapReport:
    """The gaps of ``filters``' period: open ones and « traitée » ones, largest first. The
    grouping is kept between views while its questions and index stay the same
    (:mod:`support_tickets.gaps_cache`); the marks are matched on every view.

    Raises:
        FileNotFoundError, OSError: the embedder is not built (:data:`EMBEDDER_UNAVAILABLE`).
    """
    questions, truncated = select_questions(session, filters)
    embedder = index.embedder()
    key = (questions_digest(questions), embedder.name, _index_token(index))
    grouping = GROUPINGS.get_or_compute(key, lambda: _group(questions, embedder, index))
    groups = [replace(group) for group in grouping.groups]  # the marks go on copies
    match_resolutions(session, groups, embedder)
    return GapReport(
        filters=filters,
        question_count=len(questions),
        open=[g for g in groups if not g.treated],
        treated=[g for g in groups if g.treated],
        isolated=grouping.isolated,
        truncated=truncated,
        notice=grouping.notice,
    )


def _index_token(index: KnowledgeIndex) -> str | None:
    """The index the groups' nearest entries come from (its manifest), None when unreadable."""
    try:
        return json.dumps(index.entries().manifest, sort_keys=True, default=str)
    except KnowledgeIndexError:
        return None


def _group(questions: list[Question], embedder: Embedder, index: KnowledgeIndex) -> Grouping:
    """Embed and group ``questions``, and find each group's nearest entries."""
    vectors = embedder.encode([q.text for q in questions]) if questions else np.zeros((0, 1))
    groups, isolated = group_questions(questions, vectors)
    notice = None
    try:
        nearest = index.entries().nearest(np.vstack([g.centroid for g in groups])) if groups else []
        for group, entries in zip(groups, nearest, strict=True):
            group.nearest = entries
    except KnowledgeIndexError as exc:
        logger.warning("gaps.index_unavailable reason=%s", exc)
        notice = INDEX_UNAVAILABLE
    return Grouping(tuple(groups), isolated, notice)


def known_entry(entry_id: str, index: KnowledgeIndex) -> bool:
    """Whether ``entry_id`` names an entry of the index (or of the content, index unread)."""
    try:
        return entry_id in index.entries().entries
    except KnowledgeIndexError:
        return entry_id in kb_units()


def mark_treated(
    session: Session,
    filters: PilotageFilters,
    group_key: str,
    entry_id: str,
    agent: Agent,
    index: KnowledgeIndex,
) -> GapResolution:
    """Mark the group holding turn ``group_key`` « traitée » with ``entry_id``.

    Raises:
        GapInputError: no entry id, an unknown entry, or no such group in the period.
    """
    entry = entry_id.strip()
    if not entry or len(entry) > MAX_ENTRY_ID_CHARS or "\x00" in entry:
        raise GapInputError(ENTRY_MISSING)
    if not known_entry(entry, index):
        raise GapInputError(ENTRY_UNKNOWN.format(entry=entry[:80]))
    key = int(group_key) if group_key.strip().isdigit() and len(group_key) < 19 else None
    report = find_gaps(session, filters, index)
    group = next(
        (g for g in [*report.open, *report.treated] if any(q.turn_id == key for q in g.questions)),
        None,
    )
    if group is None:
        raise GapInputError(GROUP_UNKNOWN)
    mark = GapResolution(
        entry_id=entry,
        central_question=group.central,
        questions=[q.text for q in group.questions[:KEPT_QUESTIONS]],
        question_count=group.count,
        embedder=index.embedder().name,
        mean_vector=[round(float(x), 6) for x in group.mean],
        marked_by_id=agent.id,
        marked_by=agent.name,
    )
    session.add(mark)
    session.commit()
    logger.info("gaps.marked entry=%s questions=%d agent=%d", entry, group.count, agent.id)
    return mark
