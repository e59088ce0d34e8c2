"""The CSV export of the Pilotage page: the same aggregates, one row per figure.

One table in long form (« Indicateur ; Date ; Catégorie ; Valeur ; Unité »), French column
names, semicolons, decimal commas and dates as JJ/MM/AAAA, UTF-8 with a byte order mark: what
a French spreadsheet opens as is. It holds counts, shares and delays only, never a message,
a conversation, an e-mail address or any other personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from support_tickets.pilotage import OUTCOME_LABELS, Pilotage, Share

COLUMNS = ("Indicateur", "Date", "Catégorie", "Valeur", "Unité")
BOM = "\ufeff"
DELIMITER = ";"
# A cell starting with one of these would be a formula for a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ALL_PAGES = "Toutes les pages"

Row = tuple[str, str, str, str, str]


def french_number(value: float | int | None) -> str:
    """``1234,5``: one decimal at most, with a comma; empty when there is no value."""
    if value is None:
        return ""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def french_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def safe_cell(text: str) -> str:
    """Text that no spreadsheet reads as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _period_rows(p: Pilotage) -> list[Row]:
    f = p.filters
    return [
        ("Période", "", "Début", french_date(f.start), "date"),
        ("Période", "", "Fin", french_date(f.end), "date"),
        ("Période", "", "Page du portail", f.page or ALL_PAGES, ""),
    ]


def _daily_rows(
    indicator: str, p: Pilotage, series: list[tuple[str, list[int]]], unit: str
) -> list[Row]:
    return [
        (indicator, french_date(day), category, str(values[i]), unit)
        for i, day in enumerate(p.days)
        for category, values in series
    ]


def _turn_rows(p: Pilotage) -> list[Row]:
    rows = _daily_rows("Échanges avec l'assistant", p, [("", p.turns_per_day)], "échanges")
    for outcome, label in OUTCOME_LABELS.items():
        rows.append(("Répartition des réponses", "", label, str(p.outcomes[outcome]), "échanges"))
        share = french_number(p.outcome_percent(outcome))
        rows.append(("Répartition des réponses (part)", "", label, share, "%"))
    rows += _daily_rows(
        "Avis des usagers",
        p,
        [("Pouce levé", p.feedback_positive), ("Pouce baissé", p.feedback_negative)],
        "avis",
    )
    rows += [
        ("Intentions les plus fréquentes", "", intent, str(n), "échanges")
        for intent, n in p.top_intents
    ]
    return rows


def _latency_rows(p: Pilotage) -> list[Row]:
    p50, p95 = "Médiane (p50)", "95e centile (p95)"
    rows: list[Row] = []
    for i, day in enumerate(p.latency_days):
        date = french_date(day)
        rows.append(("Délai de réponse", date, p50, french_number(p.latency_p50_by_day[i]), "ms"))
        rows.append(("Délai de réponse", date, p95, french_number(p.latency_p95_by_day[i]), "ms"))
    period = "Délai de réponse sur la période"
    rows.append((period, "", p50, french_number(p.latency_p50), "ms"))
    rows.append((period, "", p95, french_number(p.latency_p95), "ms"))
    return rows


def _sla_rows(label: str, share: Share) -> list[Row]:
    return [
        ("Délais (SLA) tenus", "", label, french_number(share.percent), "%"),
        ("Délais (SLA) tenus", "", f"{label} : tickets mesurés", str(share.measured), "tickets"),
    ]


def _ticket_rows(p: Pilotage) -> list[Row]:
    rows = _daily_rows(
        "Tickets", p, [("Ouverts", p.tickets_opened), ("Résolus", p.tickets_resolved)], "tickets"
    )
    rows += _sla_rows("Première réponse", p.sla_first_response)
    rows += _sla_rows("Résolution", p.sla_resolution)
    return rows


def csv_rows(p: Pilotage) -> list[Row]:
    """Every row of the export, header excluded."""
    return [*_period_rows(p), *_turn_rows(p), *_latency_rows(p), *_ticket_rows(p)]


def to_csv(p: Pilotage) -> bytes:
    """The export file: UTF-8 with a byte order mark (Excel), semicolons, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER)
    writer.writerow(COLUMNS)
    for row in csv_rows(p):
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def file_name(p: Pilotage) -> str:
    """``pilotage_2026-11-07_2026-12-06.csv`` (ASCII only: the dates of the period)."""
    return f"pilotage_{p.filters.start.isoformat()}_{p.filters.end.isoformat()}.csv"
