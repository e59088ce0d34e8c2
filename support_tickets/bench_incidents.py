"""Incidents at scale: ``python -m support_tickets.bench_incidents [--tickets 1000]``.

On a throw-away SQLite database (or ``--database-url``, e.g. a throw-away PostgreSQL one):

1. the evidence of ``incident_min_similarity`` (:mod:`support_tickets.incident_evidence`),
   lexical and, when it is built, the knowledge base's embedder;
2. grouping N similar tickets of N requesters, stored ungrouped, among N other requests
   (10 other problems, N/10 requesters each) in one
   :func:`~support_tickets.incidents.group_tickets` run (the console's « Regrouper »);
3. grouping one new similar ticket once the incident holds them (what every ticket's
   creation adds), 20 times;
4. answering the incident once: N replies, each through the individual reply's path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine
from storage.migrate import upgrade
from support_tickets.auth import create_agent
from support_tickets.config import SupportSettings
from support_tickets.incident_evidence import OTHER_REQUESTS, SAME_PROBLEM, separation
from support_tickets.incident_replies import answer_incident
from support_tickets.incidents import group_tickets
from support_tickets.models import Incident, Ticket, utcnow
from support_tickets.similarity import LexicalSimilarity, Similarity, get_similarity

ARRIVALS = 20
SPREAD_HOURS = 24.0  # the stored tickets' creation times are spread over this many hours


def _ticket(index: int, description: str, created_at: dt.datetime, prefix: str) -> Ticket:
    return Ticket(
        number=f"BENCH-{prefix}-{index:06d}",
        category="factures",
        email=f"{prefix}.{index}@exemple.fr",
        description=f"{description} Entreprise n° {index}.",
        created_at=created_at,
        updated_at=created_at,
    )


def _store(session: Session, count: int, now: dt.datetime) -> None:
    """``count`` reports of one problem and ``count`` other requests, ungrouped."""
    reports, others = SAME_PROBLEM[0], OTHER_REQUESTS
    step = dt.timedelta(hours=SPREAD_HOURS) / max(count, 1)
    for i in range(count):
        at = now - dt.timedelta(hours=SPREAD_HOURS) + i * step
        session.add(_ticket(i, reports[i % len(reports)], at, "incident"))
        session.add(_ticket(i, others[i % len(others)], at, "autre"))
    session.commit()


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _evidence(name: str, similarity: Similarity, threshold: float) -> None:
    found = separation(similarity)
    print(
        f"{name}: same problem {found.same[0]:.2f}-{found.same[-1]:.2f} "
        f"({found.share_at_least(threshold):.0%} of {len(found.same)} pairs ≥ {threshold}), "
        f"different problems up to {found.different[-1]:.2f} "
        f"({found.wrong_at_least(threshold)} of {len(found.different)} pairs ≥ {threshold})"
    )


def _arrivals(session: Session, count: int, settings: SupportSettings) -> list[float]:
    timings = []
    for k in range(ARRIVALS):
        ticket = _ticket(count + k, SAME_PROBLEM[0][k % 6], utcnow(), "nouveau")
        session.add(ticket)
        session.flush()
        timings.append(_timed(lambda: group_tickets(session, settings=settings)))
        session.commit()
        assert ticket.incident_id is not None, "a new report did not join the incident"
    return timings


def run(url: str, count: int) -> None:
    settings = SupportSettings()
    _evidence("lexical", LexicalSimilarity(), settings.incident_min_similarity)
    similarity = get_similarity()
    if not isinstance(similarity, LexicalSimilarity):
        _evidence(similarity.name, similarity, settings.incident_min_similarity)
    upgrade(url)
    engine = make_engine(url)
    with sessionmaker(bind=engine, expire_on_commit=False)() as session:
        _store(session, count, utcnow())
        holder: list[object] = []
        seconds = _timed(lambda: holder.append(group_tickets(session, settings=settings)))
        session.commit()
        incidents = session.scalars(select(Incident).order_by(Incident.ticket_count)).all()
        incident = incidents[-1]
        print(
            f"grouping {2 * count} ungrouped tickets, {count} of them similar: {seconds:.2f} s "
            f"({len(incidents)} incidents; the largest: {incident.ticket_count} tickets of "
            f"{incident.requester_count} requesters)"
        )
        timings = _arrivals(session, count, settings)
        print(
            f"one new similar ticket joining the incident of {count}: "
            f"p50 {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
        )
        agent = create_agent(
            session,
            email="bench@exemple.fr",
            name="Bench",
            role="agent",
            password="bench-mot-de-passe",
        )
        text = "Le dépôt des factures fonctionne de nouveau : merci de réessayer."
        seconds = _timed(lambda: answer_incident(session, incident, agent=agent, text=text))
        print(f"answering the incident once ({incident.ticket_count} replies): {seconds:.1f} s")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=1000, help="similar tickets (N)")
    parser.add_argument("--database-url", help="an empty database (default: a temporary file)")
    args = parser.parse_args(argv)
    if args.database_url:
        run(args.database_url, args.tickets)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.tickets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
