"""The answers to rollout questions: the e-invoicing obligation dates (by category, figures,
early group, public body, or the whole calendar) and the TIC/TICGN refund by département.

Each answer is a text and the guide sections it relies on (``<slug>#<anchor>``, turned into
links by :func:`doc_link`). The sentences are responses of ``domain/rollout.yml`` filled
with the rules of :mod:`knowledge_base.rollout`; :func:`nbsp` gives the assembled answer
French typography, values included.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import lru_cache

from actions.rollout_state import RolloutState
from actions.texts import text
from knowledge_base.content import Section, load_guides
from knowledge_base.french import french_date
from knowledge_base.rollout import (
    Category,
    Classification,
    Departement,
    RolloutRules,
    departement_by_code,
    format_eur,
    format_number,
)

logger = logging.getLogger(__name__)

CALENDAR_DOC = "facturation-electronique#calendrier"
OUTSIDE_PILOT_DOC = "remboursement-tic-ticgn#siege-hors-zone-pilote"

Answer = tuple[str, list[str]]


def nbsp(sentence: str) -> str:
    """French typography: non-breaking spaces inside « » and before ? ! : ;."""
    sentence = sentence.replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return re.sub(r" ([?!:;])", "\u00a0\\1", sentence)


@lru_cache(maxsize=1)
def _sections() -> dict[str, tuple[str, Section]]:
    return {s.key: (g.title, s) for g in load_guides() for s in g.sections}


def doc_link(doc: str) -> dict[str, str]:
    """``{"title", "url"}`` of a guide section given as ``<slug>#<anchor>``."""
    found = _sections().get(doc)
    if found is None:
        logger.warning("rollout.doc_missing doc=%s", doc)
        return {"title": text("utter_link_documentation"), "url": f"/docs/{doc}"}
    guide_title, section = found
    return {"title": f"{guide_title} — {section.title}", "url": section.url}


def _all_companies(rules: RolloutRules) -> str:
    return text("utter_rollout_all_companies", date=french_date(rules.all_companies_from))


def since_or_from(date: dt.date, today: dt.date | None = None) -> str:
    """« depuis le 1er septembre 2026 » for a date reached, « à partir du … » otherwise."""
    if date <= (today or dt.date.today()):
        return text("utter_rollout_since", date=french_date(date))
    return text("utter_rollout_from", date=french_date(date))


def b2b_phrase(category: Category, rules: RolloutRules, today: dt.date | None = None) -> str:
    """The company's dates under the B2B reform, beside its public-buyer date."""
    b2b = rules.b2b
    return text(
        "utter_rollout_b2b",
        category=category.short_label,
        receive=since_or_from(b2b.receive_from, today),
        issue=since_or_from(b2b.issue_date(category.id), today),
        channel=b2b.channel,
    )


def b2b_calendar_lines(rules: RolloutRules, today: dt.date | None = None) -> str:
    b2b = rules.b2b
    by_date: dict[dt.date, list[str]] = {}
    for category in rules.categories:
        by_date.setdefault(b2b.issue_date(category.id), []).append(category.label_plural)
    lines = [
        text("utter_rollout_b2b_receive_line", when=since_or_from(b2b.receive_from, today)),
        *(
            text(
                "utter_rollout_b2b_issue_line",
                categories=" et les ".join(labels),
                when=since_or_from(date, today),
            )
            for date, labels in sorted(by_date.items())
        ),
    ]
    return " ;\n".join(lines) + "."


def _wave_phrase(category: Category) -> str:
    if category.count:
        return text(
            "utter_rollout_wave",
            count=format_number(category.count),
            categories=category.label_plural,
        )
    return ""


def criteria_text(category: Category, rules: RolloutRules) -> str:
    """The official definition of a category, in French."""
    source = rules.size_criteria_source.split(",")[0].strip()
    source = source[:1].lower() + source[1:]
    criteria = category.criteria
    if criteria is None:
        smaller = [c for c in rules.categories if c.criteria is not None]
        last = smaller[-1].criteria
        assert last is not None
        return text(
            "utter_rollout_criteria_largest",
            source=source,
            category=category.short_label,
            smaller=", ni une ".join(c.short_label for c in smaller),
            employees=format_number(last.max_employees_exclusive),
            turnover=format_eur(last.max_turnover_eur),
            balance=format_eur(last.max_balance_sheet_eur),
        )
    return text(
        "utter_rollout_criteria",
        source=source,
        category=category.short_label,
        employees=format_number(criteria.max_employees_exclusive),
        turnover=format_eur(criteria.max_turnover_eur),
        balance=format_eur(criteria.max_balance_sheet_eur),
    )


def category_answer(categories: list[Category], rules: RolloutRules) -> Answer:
    """Text and guide sections for categories the user named."""
    paragraphs = [
        text(
            "utter_rollout_category",
            label=category.label,
            obligation=text("utter_rollout_obligation", date=french_date(category.obligation_date)),
            wave=_wave_phrase(category),
            b2b=b2b_phrase(category, rules),
            criteria=criteria_text(category, rules),
        )
        for category in categories
    ]
    paragraphs.append(text("utter_rollout_category_doubt", all_companies=_all_companies(rules)))
    return "\n\n".join(paragraphs), [*(c.doc for c in categories), rules.b2b.doc]


def figures_answer(classification: Classification, rules: RolloutRules) -> Answer:
    category = classification.category
    assert category is not None
    answer = text(
        "utter_rollout_figures",
        reason=classification.reason,
        date=french_date(category.obligation_date),
        wave=_wave_phrase(category),
        caveat=f" {classification.caveat}" if classification.caveat else "",
        b2b=b2b_phrase(category, rules),
        period=rules.b2b.category_period,
        all_companies=_all_companies(rules),
    )
    return answer, [category.doc, rules.measurement_doc, rules.b2b.doc]


def public_answer(rules: RolloutRules) -> Answer:
    public = rules.public
    state_since = ""
    if public.state_since:
        since = text("utter_rollout_public_state_since", date=french_date(public.state_since))
        state_since = f" {since}"
    answer = text(
        "utter_rollout_public",
        acceptance=french_date(public.acceptance_date),
        state_since=state_since,
        issuing=french_date(public.issuing_date),
    )
    return answer, [public.acceptance_doc, public.doc]


def early_answer(group_id: str, rules: RolloutRules) -> Answer:
    group = rules.early_group(group_id)
    first = next((c for c in rules.categories if c.criteria is None), None)
    date = french_date(group.obligation_date)
    if group_id == "volontaire":
        voluntary = text("utter_rollout_voluntary", date=date, calendar=calendar_lines(rules))
        return voluntary, [group.doc]
    like = ""
    if first is not None and first.count:
        like = text(
            "utter_rollout_first_wave_like",
            count=format_number(first.count),
            categories=first.label_plural,
        )
    answer = text(
        "utter_rollout_first_wave",
        group=group.label,
        date=date,
        like=like,
        all_companies=_all_companies(rules),
    )
    return answer, [group.doc]


def calendar_lines(rules: RolloutRules) -> str:
    lines = [
        text("utter_rollout_wave_line", date=french_date(w.date), label=w.label)
        for w in rules.waves
    ]
    return " ;\n".join(lines) + "."


def calendar_answer(rules: RolloutRules) -> Answer:
    answer = text(
        "utter_rollout_calendar",
        calendar=calendar_lines(rules),
        all_companies=_all_companies(rules),
        b2b_calendar=b2b_calendar_lines(rules),
    )
    return answer, [CALENDAR_DOC, rules.b2b.doc]


def fuels_today(rules: RolloutRules) -> str:
    """The agricultural fuel regime in force, whatever the département."""
    fuels = rules.fuels
    return text(
        "utter_rollout_fuels",
        everywhere=fuels.online_everywhere_campaign,
        compulsory=fuels.online_compulsory_campaign,
        portal=fuels.refund_portal,
        service=fuels.refund_service,
        gnr_date=french_date(fuels.gnr_reduced_rate_invoiced_from),
        gnr_rate=fuels.gnr_agricultural_rate,
        products=fuels.refunded_products,
    )


def tic_answer(departement: Departement, rules: RolloutRules) -> Answer:
    pilot = rules.pilot
    where = text("utter_rollout_tic_where", code=departement.code, name=departement.name)
    count = len(pilot.departements)
    if rules.is_pilot(departement):
        history = text("utter_rollout_tic_pilot", where=where, count=count, portal=pilot.portal)
        docs = [pilot.doc]
    else:
        history = text(
            "utter_rollout_tic_outside_pilot", portal=pilot.portal, count=count, where=where
        )
        docs = [OUTSIDE_PILOT_DOC, pilot.doc]
    return f"{history}\n\n{fuels_today(rules)}", [rules.fuels.doc, *docs]


def answer_for(state: RolloutState, rules: RolloutRules) -> Answer | None:
    """The French answer and its guide sections, or ``None`` when information is missing."""
    if state.topic == "tic":
        departement = departement_by_code(state.departement or "")
        return tic_answer(departement, rules) if departement else None
    key = state.company or ""
    if key == "public":
        return public_answer(rules)
    if key.startswith("early:"):
        return early_answer(key.removeprefix("early:"), rules)
    if key == "figures":
        classification = state.classification(rules)
        return figures_answer(classification, rules) if classification.decided else None
    if key.startswith("category:"):
        ids = key.removeprefix("category:").split("+")
        categories = [c for c in rules.categories if c.id in ids]
        return category_answer(categories, rules) if categories else None
    if key == "calendar":
        return calendar_answer(rules)
    return None
