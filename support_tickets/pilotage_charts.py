"""What the Pilotage page draws: one DSFR Chart web component per aggregate, with the data
table that stands for it (RGAA: every chart has a text alternative next to it).

The components read their data from attributes holding JSON (``x``, ``y``, ``name``); the
template writes each attribute escaped, and only labels made here (days, French names,
intent names) reach them, never what a user typed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from support_tickets.pilotage import OUTCOME_LABELS, Pilotage, Share
from support_tickets.pilotage_export import french_number

P50, P95 = "Médiane (p50)", "95e centile (p95)"


@dataclass(frozen=True)
class Chart:
    """A chart of the page: its element (``tag`` with ``attributes``), its title, and the
    rows of its data table; ``empty`` replaces the drawing when there is nothing to draw."""

    key: str
    title: str
    tag: str
    attributes: dict[str, str]
    head: list[str]
    rows: list[list[str]]
    empty: str | None = None


def day_labels(days: list[dt.date]) -> list[str]:
    """``07/11`` for each day; ``07/11/26`` when the period spans two years."""
    pattern = "%d/%m" if days and days[0].year == days[-1].year else "%d/%m/%y"
    return [day.strftime(pattern) for day in days]


def _series(labels: list[str], series: list[tuple[str, list[int] | list[float]]]) -> dict[str, str]:
    """The ``x``, ``y`` and ``name`` attributes of one or more series over ``labels``."""
    return {
        "x": json.dumps([labels] * len(series)),
        "y": json.dumps([values for _, values in series]),
        "name": json.dumps([name for name, _ in series]),
    }


def percent_text(value: float | None) -> str:
    """``72,5 %``; « non mesuré » without a value."""
    return "non mesuré" if value is None else french_number(value) + " %"


def _table(labels: list[str], series: list[list[int]] | list[list[float]]) -> list[list[str]]:
    return [
        [label, *(french_number(values[i]) for values in series)] for i, label in enumerate(labels)
    ]


def _volumes(p: Pilotage, days: list[str]) -> Chart:
    attributes = _series(days, [("Échanges", p.turns_per_day)])
    attributes["unit-tooltip"] = "échanges"
    rows = _table(days, [p.turns_per_day])
    return Chart(
        "volumes", "Échanges par jour", "bar-chart", attributes, ["Jour", "Échanges"], rows
    )


def _outcomes(p: Pilotage) -> Chart:
    labels = list(OUTCOME_LABELS.values())
    counts = [p.outcomes[key] for key in OUTCOME_LABELS]
    attributes = {
        "x": json.dumps([labels]),
        "y": json.dumps([counts]),
        "name": json.dumps(labels),
        "selected-palette": "categorical",
        "unit-tooltip": "échanges",
    }
    rows = [
        [label, str(p.outcomes[key]), percent_text(p.outcome_percent(key))]
        for key, label in OUTCOME_LABELS.items()
    ]
    head = ["Issue de l'échange", "Échanges", "Part"]
    empty = None if p.total_turns else "Aucun échange sur la période."
    return Chart("outcomes", "Répartition des réponses", "pie-chart", attributes, head, rows, empty)


def _feedback(p: Pilotage, days: list[str]) -> Chart:
    series = [("Pouces levés", p.feedback_positive), ("Pouces baissés", p.feedback_negative)]
    attributes = _series(days, list(series))
    attributes.update(
        {"stacked": "true", "selected-palette": "categorical", "unit-tooltip": "avis"}
    )
    head = ["Jour", "Pouces levés", "Pouces baissés"]
    rows = _table(days, [p.feedback_positive, p.feedback_negative])
    title = "Avis des usagers (pouces levés et baissés)"
    return Chart("feedback", title, "bar-chart", attributes, head, rows)


def _intents(p: Pilotage) -> Chart:
    names = [name for name, _ in p.top_intents]
    counts = [n for _, n in p.top_intents]
    attributes = _series(names, [("Échanges", counts)])
    attributes.update({"horizontal": "true", "unit-tooltip": "échanges"})
    rows = [[name, str(n)] for name, n in p.top_intents]
    empty = None if names else "Aucune intention reconnue sur la période."
    title = "Intentions les plus fréquentes"
    return Chart("intents", title, "bar-chart", attributes, ["Intention", "Échanges"], rows, empty)


def _latency(p: Pilotage) -> Chart:
    days = day_labels(p.latency_days)
    series = [(P50, p.latency_p50_by_day), (P95, p.latency_p95_by_day)]
    attributes = _series(days, list(series))
    attributes.update({"selected-palette": "categorical", "unit-tooltip": "ms"})
    head = ["Jour", f"{P50}, en ms", f"{P95}, en ms"]
    rows = _table(days, [p.latency_p50_by_day, p.latency_p95_by_day])
    empty = None if days else "Aucun échange sur la période."
    title = "Délai de réponse de l'assistant"
    return Chart("latency", title, "line-chart", attributes, head, rows, empty)


def _tickets(p: Pilotage, days: list[str]) -> Chart:
    series = [("Ouverts", p.tickets_opened), ("Résolus", p.tickets_resolved)]
    attributes = _series(days, list(series))
    attributes.update({"selected-palette": "categorical", "unit-tooltip": "tickets"})
    rows = _table(days, [p.tickets_opened, p.tickets_resolved])
    title = "Tickets ouverts et résolus"
    return Chart("tickets", title, "bar-chart", attributes, ["Jour", "Ouverts", "Résolus"], rows)


def _sla(p: Pilotage) -> Chart:
    shares: list[tuple[str, Share]] = [
        ("Première réponse", p.sla_first_response),
        ("Résolution", p.sla_resolution),
    ]
    percents = [share.percent or 0.0 for _, share in shares]
    attributes = _series([label for label, _ in shares], [("Délais tenus", percents)])
    attributes.update({"y-min": "0", "y-max": "100", "unit-tooltip": "%"})
    rows = [
        [label, str(share.kept), str(share.measured), percent_text(share.percent)]
        for label, share in shares
    ]
    head = ["Délai", "Tenus", "Tickets mesurés", "Part tenue"]
    return Chart("sla", "Délais (SLA) tenus", "bar-chart", attributes, head, rows)


def charts(p: Pilotage) -> list[Chart]:
    """The page's charts, in reading order."""
    days = day_labels(p.days)
    return [
        _volumes(p, days),
        _outcomes(p),
        _feedback(p, days),
        _intents(p),
        _latency(p),
        _tickets(p, days),
        _sla(p),
    ]


def _milliseconds(value: float | None) -> str:
    return "—" if value is None else f"{french_number(round(value))} ms"


def key_figures(p: Pilotage) -> list[tuple[str, str]]:
    """The period's figures shown above the charts."""
    return [
        ("Échanges", str(p.total_turns)),
        ("Répondus", percent_text(p.outcome_percent("answered"))),
        ("Pouces levés", str(sum(p.feedback_positive))),
        ("Pouces baissés", str(sum(p.feedback_negative))),
        ("Délai de réponse médian", _milliseconds(p.latency_p50)),
        ("Délai de réponse au 95e centile", _milliseconds(p.latency_p95)),
        ("Tickets ouverts", str(sum(p.tickets_opened))),
        ("Tickets résolus", str(sum(p.tickets_resolved))),
        ("Première réponse dans les délais", percent_text(p.sla_first_response.percent)),
        ("Résolution dans les délais", percent_text(p.sla_resolution.percent)),
    ]
