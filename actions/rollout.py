"""Rollout questions: which e-invoicing obligation date applies to the user, and whether a
TIC/TICGN refund can be filed on the portal from the head office's département.

Dialogue (``domain/rollout.yml``, ``nlu_data/rules/rollout.yml``): ``ask_rollout_date``
activates ``rollout_form``. Its validation action :class:`ValidateRolloutForm` reads each
message with :mod:`knowledge_base.rollout` and asks only for what is missing:

- e-invoicing: a category (PME, ETI…), a first-wave group (filiale…), a public body, or
  figures that decide the category; with only part of the figures it asks for the rest;
- TIC/TICGN: the département of the head office.

When nothing is missing, the form ends at once and :class:`ActionAnswerRollout` answers with
the date, the reason and a link to the guide section. The user leaves the form with
« annuler », « laisse tomber » or a refusal; another kind of request (question, support,
out of scope) makes the form reject the message so that the rules handle it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, latest_text, never_raise
from knowledge_base.content import Section, load_guides
from knowledge_base.french import french_date
from knowledge_base.rollout import (
    Category,
    Classification,
    Departement,
    Figures,
    Profile,
    Quantity,
    RolloutRules,
    analyse,
    classify,
    departement_by_code,
    find_departement,
    format_eur,
    format_number,
    get_rules,
    normalise,
    resolve_category,
)

logger = logging.getLogger(__name__)

FORM_NAME = "rollout_form"
REQUESTED_SLOT = "requested_slot"
SLOT_TOPIC = "rollout_topic"
SLOT_COMPANY = "rollout_company"
SLOT_EMPLOYEES = "rollout_employees"
SLOT_TURNOVER = "rollout_turnover"
SLOT_BALANCE = "rollout_balance_sheet"
SLOT_DEPARTEMENT = "rollout_departement"
SLOT_ATTEMPTS = "rollout_attempts"
SLOT_CANCELLED = "rollout_cancelled"
ROLLOUT_SLOTS = (
    SLOT_TOPIC,
    SLOT_COMPANY,
    SLOT_EMPLOYEES,
    SLOT_TURNOVER,
    SLOT_BALANCE,
    SLOT_DEPARTEMENT,
    SLOT_ATTEMPTS,
    SLOT_CANCELLED,
)
# Unrecognised answers tolerated before the form gives up (it never traps the user).
MAX_ATTEMPTS = 2
# Intents that mean « I want something else »: the form rejects the message, rules act.
SWITCH_INTENTS = frozenset(
    {
        "ask_question",
        "check_status",
        "ask_documentation",
        "ask_human",
        "out_of_scope",
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "feedback",
    }
)
CANCEL_INTENTS = frozenset({"deny", "cancel"})
# Matched on normalised text (folded, apostrophes and hyphens as spaces).
_CANCEL = re.compile(
    r"\b(?:annul\w*|laiss\w* tomber|laiss\w* beton|abandonn\w*|stop|arret\w*|"
    r"tant pis|pas grave|on s en fiche|je ne sais pas|sais pas|jsp|aucune idee|"
    r"je prefere pas|non merci|plus tard|une autre fois)\b"
)
CALENDAR_DOC = "facturation-electronique#calendrier"
# rollout_topic once the form gave up: the closing action then stays silent.
ABANDONED = "abandoned"
OUTSIDE_PILOT_DOC = "remboursement-tic-ticgn#siege-hors-zone-pilote"


def _nbsp(text: str) -> str:
    """French typography: non-breaking spaces inside « » and before ? ! : ;."""
    text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return re.sub(r" ([?!:;])", "\u00a0\\1", text)


CANCEL_TEXT = _nbsp(
    "Entendu, je laisse cette question de côté. Posez-moi une autre question quand vous le "
    "souhaitez."
)


GAVE_UP_TEXT = _nbsp(
    "Je n'arrive pas à déterminer votre situation à partir de ces réponses. Vous trouverez le "
    "calendrier complet et les critères dans le guide ; nos équipes peuvent aussi vous aider "
    "par le formulaire « support »."
)
HINTS = {
    slot: _nbsp(text)
    for slot, text in {
        SLOT_COMPANY: (
            "Je n'ai pas reconnu de catégorie ni de chiffres. Vous pouvez répondre par exemple "
            "« PME », « micro-entreprise », « commune » ou « 25 salariés et 3 millions d'euros de "
            "chiffre d'affaires » (ou « annuler » pour passer à autre chose)."
        ),
        SLOT_EMPLOYEES: (
            "Je n'ai pas reconnu d'effectif. Indiquez un nombre de personnes, par exemple "
            "« 12 salariés » (ou « annuler » pour passer à autre chose)."
        ),
        SLOT_TURNOVER: (
            "Je n'ai pas reconnu de montant. Indiquez par exemple « 3 millions d'euros de chiffre "
            "d'affaires » ou « bilan de 1,5 M€ » (ou « annuler » pour passer à autre chose)."
        ),
        SLOT_DEPARTEMENT: (
            "Je n'ai pas reconnu ce département. Indiquez son numéro (par exemple 80) ou son nom "
            "(par exemple Somme), ou « annuler » pour passer à autre chose."
        ),
    }.items()
}


# ---------------------------------------------------------------- conversation state


def encode_quantity(quantity: Quantity | None) -> str | None:
    """A figure as a slot value: « 80 », « <10 », « >50000000 »."""
    if quantity is None:
        return None
    prefix = {"exact": "", "less": "<", "more": ">"}[quantity.qualifier]
    return f"{prefix}{quantity.value:g}" if quantity.value < 1e15 else None


def decode_quantity(value: Any) -> Quantity | None:
    """The inverse of :func:`encode_quantity` (``None`` for anything unreadable)."""
    if value is None:
        return None
    text = str(value).strip()
    qualifier = {"<": "less", ">": "more"}.get(text[:1], "exact")
    try:
        number = float(text.lstrip("<>"))
    except ValueError:
        return None
    return Quantity(number, qualifier)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RolloutState:
    """What the form knows so far (mirrors the ``rollout_*`` slots)."""

    topic: str | None = None
    company: str | None = None
    figures: Figures = Figures()
    departement: str | None = None
    attempts: int = 0

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> RolloutState:
        return cls(
            topic=tracker.get_slot(SLOT_TOPIC),
            company=tracker.get_slot(SLOT_COMPANY),
            figures=Figures(
                decode_quantity(tracker.get_slot(SLOT_EMPLOYEES)),
                decode_quantity(tracker.get_slot(SLOT_TURNOVER)),
                decode_quantity(tracker.get_slot(SLOT_BALANCE)),
            ),
            departement=tracker.get_slot(SLOT_DEPARTEMENT),
            attempts=int(tracker.get_slot(SLOT_ATTEMPTS) or 0),
        )

    def slot_events(self) -> list[dict[str, Any]]:
        return [
            SlotSet(SLOT_TOPIC, self.topic),
            SlotSet(SLOT_COMPANY, self.company),
            SlotSet(SLOT_EMPLOYEES, encode_quantity(self.figures.employees)),
            SlotSet(SLOT_TURNOVER, encode_quantity(self.figures.turnover_eur)),
            SlotSet(SLOT_BALANCE, encode_quantity(self.figures.balance_sheet_eur)),
            SlotSet(SLOT_DEPARTEMENT, self.departement),
            SlotSet(SLOT_ATTEMPTS, float(self.attempts)),
        ]

    def classification(self, rules: RolloutRules) -> Classification:
        f = self.figures
        return classify(f.employees, f.turnover_eur, f.balance_sheet_eur, rules)

    def next_slot(self, rules: RolloutRules) -> str | None:
        """The slot to ask for next, ``None`` when the answer can be given."""
        if self.topic == "tic":
            return None if self.departement else SLOT_DEPARTEMENT
        if self.company:
            return None
        if self.figures.empty:
            return SLOT_COMPANY
        missing = self.classification(rules).missing
        if "employees" in missing:
            return SLOT_EMPLOYEES
        return SLOT_TURNOVER


def company_key(profile: Profile, figures: Figures, rules: RolloutRules) -> str | None:
    """What the e-invoicing answer is about, as stored in ``rollout_company``:
    ``public``, ``early:<id>``, ``figures``, ``category:<id>[+<id>…]``, ``calendar``."""
    early = {g.id for g in profile.early_groups}
    category_ids = [c.id for c in profile.categories]
    if profile.public == "self" and not category_ids and figures.empty:
        return "public"
    if "filiale_grande_entreprise" in early and (
        not category_ids or "grande_entreprise" in category_ids
    ):
        return "early:filiale_grande_entreprise"
    if "fournisseur_etat_dematerialise" in early:
        return "early:fournisseur_etat_dematerialise"
    if (
        not figures.empty
        and classify(
            figures.employees, figures.turnover_eur, figures.balance_sheet_eur, rules
        ).decided
    ):
        return "figures"
    if category_ids:
        return "category:" + "+".join(category_ids)
    if "volontaire" in early:
        return "early:volontaire"
    if profile.calendar and figures.empty:
        return "calendar"
    return None


def advance(
    state: RolloutState, profile: Profile, entities: dict[str, str], rules: RolloutRules
) -> RolloutState:
    """The state after one more message (``profile``) and its Rasa ``entities``."""
    topic = state.topic or profile.topic
    if profile.tic_words:
        topic = "tic"
    departement = state.departement
    found = profile.departement or find_departement(entities.get("departement", "") or "")
    if found is not None and topic == "tic":
        departement = found.code
    if not profile.categories and entities.get("company_category"):
        category = resolve_category(entities["company_category"], rules)
        # A public body is recognised from the text only: DIET sometimes tags a stray
        # « publique » in a supplier's question.
        if category is not None:
            profile = replace(profile, categories=(category,))
    figures = state.figures.merged(profile.figures)
    company = state.company or company_key(profile.with_figures(figures), figures, rules)
    return RolloutState(
        topic=topic,
        company=company,
        figures=figures,
        departement=departement,
        attempts=state.attempts,
    )


_BARE_NUMBER = re.compile(r"^\s*(?:environ|à peu près|a peu pres)?\s*(\d+(?:[ .\u00a0]\d{3})*)\s*$")


def _with_bare_number(profile: Profile, text: str, requested: Any) -> Profile:
    """Read a lone number as the figure the form just asked for (« 80 » → 80 salariés)."""
    match = _BARE_NUMBER.match(text)
    if match is None or requested not in {SLOT_EMPLOYEES, SLOT_TURNOVER}:
        return profile
    value = Quantity(float(re.sub(r"[ .\u00a0]", "", match.group(1))))
    if requested == SLOT_EMPLOYEES:
        return profile.with_figures(replace(profile.figures, employees=value))
    return profile.with_figures(replace(profile.figures, turnover_eur=value))


def _entities(tracker: Tracker) -> dict[str, str]:
    out: dict[str, str] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and value is not None and name not in out:
            out[str(name)] = str(value)
    return out


def _intent(tracker: Tracker) -> str:
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def wants_to_cancel(text: str) -> bool:
    """« annuler », « laisse tomber », « je ne sais pas »…"""
    return bool(_CANCEL.search(normalise(text)))


# ---------------------------------------------------------------- answers


@lru_cache(maxsize=1)
def _sections() -> dict[str, tuple[str, Section]]:
    return {s.key: (g.title, s) for g in load_guides() for s in g.sections}


def doc_link(doc: str) -> dict[str, str]:
    """``{"title", "url"}`` of a guide section given as ``<slug>#<anchor>``."""
    found = _sections().get(doc)
    if found is None:
        logger.warning("rollout.doc_missing doc=%s", doc)
        return {"title": "Documentation", "url": f"/docs/{doc}"}
    guide_title, section = found
    return {"title": f"{guide_title} — {section.title}", "url": section.url}


def _all_companies(rules: RolloutRules) -> str:
    return (
        f"Depuis le {french_date(rules.all_companies_from)}, toutes les entreprises sont "
        "concernées, quelle que soit leur taille."
    )


def since_or_from(date: dt.date, today: dt.date | None = None) -> str:
    """« depuis le 1er septembre 2026 » for a date reached, « à partir du … » otherwise."""
    reached = date <= (today or dt.date.today())
    return f"{'depuis le' if reached else 'à partir du'} {french_date(date)}"


def b2b_phrase(category: Category, rules: RolloutRules, today: dt.date | None = None) -> str:
    """The company's dates under the B2B reform, beside its public-buyer date."""
    b2b = rules.b2b
    return (
        f"Entre entreprises (réforme de la facturation électronique), une {category.short_label} "
        f"doit pouvoir recevoir des factures électroniques {since_or_from(b2b.receive_from, today)}"
        f" et les émettre {since_or_from(b2b.issue_date(category.id), today)}, par {b2b.channel}."
    )


def b2b_calendar_lines(rules: RolloutRules, today: dt.date | None = None) -> str:
    b2b = rules.b2b
    by_date: dict[dt.date, list[str]] = {}
    for category in rules.categories:
        by_date.setdefault(b2b.issue_date(category.id), []).append(category.label_plural)
    lines = [
        f"- réception par toutes les entreprises : {since_or_from(b2b.receive_from, today)}",
        *(
            f"- émission par les {' et les '.join(labels)} : {since_or_from(date, today)}"
            for date, labels in sorted(by_date.items())
        ),
    ]
    return " ;\n".join(lines) + "."


def _wave_phrase(category: Category) -> str:
    if category.count:
        return f" : c'est la vague des {format_number(category.count)} {category.label_plural}"
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
        names = ", ni une ".join(c.short_label for c in smaller)
        return (
            f"Au sens du {source}, une {category.short_label} n'est ni une {names} : en "
            f"pratique, elle occupe au moins {format_number(last.max_employees_exclusive)} "
            f"personnes, ou dépasse à la fois {format_eur(last.max_turnover_eur)} de chiffre "
            f"d'affaires et {format_eur(last.max_balance_sheet_eur)} de total de bilan."
        )
    return (
        f"Au sens du {source}, une {category.short_label} occupe moins de "
        f"{format_number(criteria.max_employees_exclusive)} personnes et a un chiffre "
        f"d'affaires d'au plus {format_eur(criteria.max_turnover_eur)} ou un total de bilan "
        f"d'au plus {format_eur(criteria.max_balance_sheet_eur)}."
    )


def _obligation(category: Category) -> str:
    return (
        f"l'obligation de transmettre les factures aux acheteurs publics sous forme "
        f"électronique s'applique depuis le {french_date(category.obligation_date)}"
    )


def category_answer(categories: list[Category], rules: RolloutRules) -> tuple[str, list[str]]:
    """Text and guide sections for categories the user named."""
    paragraphs = []
    for category in categories:
        paragraphs.append(
            f"Pour une {category.label}, {_obligation(category)}{_wave_phrase(category)}. "
            f"{b2b_phrase(category, rules)} {criteria_text(category, rules)}"
        )
    paragraphs.append(
        f"{_all_companies(rules)} En cas de doute sur votre catégorie, indiquez-moi votre "
        "effectif et votre chiffre d'affaires : je vérifierai."
    )
    return "\n\n".join(paragraphs), [*(c.doc for c in categories), rules.b2b.doc]


def figures_answer(classification: Classification, rules: RolloutRules) -> tuple[str, list[str]]:
    category = classification.category
    assert category is not None
    text = (
        f"{classification.reason} Votre obligation de facturation électronique envers les "
        f"acheteurs publics date donc du {french_date(category.obligation_date)}"
        f"{_wave_phrase(category)}."
    )
    if classification.caveat:
        text += f" {classification.caveat}"
    text += (
        f" {b2b_phrase(category, rules)} Pour ce calendrier, la catégorie s'apprécie sur le "
        f"{rules.b2b.category_period}.\n\n{_all_companies(rules)}"
    )
    return text, [category.doc, rules.measurement_doc, rules.b2b.doc]


def public_answer(rules: RolloutRules) -> tuple[str, list[str]]:
    public = rules.public
    state = (
        f" L'État les acceptait déjà depuis le {french_date(public.state_since)}."
        if public.state_since
        else ""
    )
    text = (
        f"Depuis le {french_date(public.acceptance_date)}, toute personne publique (État, "
        "collectivités territoriales, établissements publics) doit accepter les factures "
        f"électroniques de ses fournisseurs, quelle que soit leur taille.{state} Depuis le "
        f"{french_date(public.issuing_date)}, elle transmet aussi sous forme électronique, par "
        "Chorus Pro, les factures qu'elle adresse à d'autres entités publiques."
    )
    return text, [public.acceptance_doc, public.doc]


def early_answer(group_id: str, rules: RolloutRules) -> tuple[str, list[str]]:
    group = rules.early_group(group_id)
    first = next((c for c in rules.categories if c.criteria is None), None)
    date = french_date(group.obligation_date)
    if group_id == "volontaire":
        return (
            f"Toute entreprise pouvait passer volontairement à la facture électronique dès le "
            f"{date}, sans attendre sa propre date. Cela ne change pas la date d'obligation, "
            f"qui dépend de la catégorie de l'entreprise :\n{calendar_lines(rules)}",
            [group.doc],
        )
    count = (
        f", comme les {format_number(first.count)} {first.label_plural}"
        if first is not None and first.count
        else ""
    )
    return (
        f"Une {group.label} relève de la première vague : l'obligation de transmettre ses "
        f"factures aux acheteurs publics sous forme électronique s'applique depuis le "
        f"{date}{count}.\n\n{_all_companies(rules)}",
        [group.doc],
    )


def calendar_lines(rules: RolloutRules) -> str:
    lines = [f"- {french_date(w.date)} : {w.label}" for w in rules.waves]
    return " ;\n".join(lines) + "."


def calendar_answer(rules: RolloutRules) -> tuple[str, list[str]]:
    return (
        "La facture électronique vers les acheteurs publics s'est généralisée par vagues :\n"
        f"{calendar_lines(rules)}\n\n{_all_companies(rules)}\n\n"
        "Entre entreprises, la réforme de la facturation électronique suit un second "
        f"calendrier :\n{b2b_calendar_lines(rules)}",
        [CALENDAR_DOC, rules.b2b.doc],
    )


def fuels_today(rules: RolloutRules) -> str:
    """The agricultural fuel regime in force, whatever the département."""
    fuels = rules.fuels
    return (
        f"Depuis la campagne {fuels.online_everywhere_campaign}, la demande en ligne est ouverte "
        f"dans tous les départements, et elle est obligatoire depuis la campagne "
        f"{fuels.online_compulsory_campaign} : elle se dépose sur {fuels.refund_portal} et est "
        f"instruite par {fuels.refund_service}. Depuis le "
        f"{french_date(fuels.gnr_reduced_rate_invoiced_from)}, le gazole non routier (GNR) "
        f"agricole est facturé directement au tarif réduit ({fuels.gnr_agricultural_rate}) sur "
        "présentation d'une attestation à votre distributeur ; le remboursement après coup "
        f"reste ouvert pour {fuels.refunded_products}."
    )


def tic_answer(departement: Departement, rules: RolloutRules) -> tuple[str, list[str]]:
    pilot = rules.pilot
    where = f"le département {departement.code} ({departement.name})"
    count = len(pilot.departements)
    if rules.is_pilot(departement):
        history = (
            f"Oui : votre siège social se trouve dans {where}, l'un des {count} départements "
            f"expérimentateurs de {pilot.portal}, où la demande de remboursement TIC/TICGN en "
            "ligne a été ouverte en premier. Vous êtes donc concerné."
        )
        docs = [pilot.doc]
    else:
        history = (
            f"Lors de l'expérimentation de {pilot.portal}, seuls les demandeurs dont le siège se "
            f"trouvait dans l'un des {count} départements pilotes pouvaient déposer en ligne, et "
            f"{where} n'en faisait pas partie. Cette restriction n'existe plus."
        )
        docs = [OUTSIDE_PILOT_DOC, pilot.doc]
    return f"{history}\n\n{fuels_today(rules)}", [rules.fuels.doc, *docs]


def answer_for(state: RolloutState, rules: RolloutRules) -> tuple[str, list[str]] | None:
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


def reset_events() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in ROLLOUT_SLOTS]


# ---------------------------------------------------------------- actions


class ValidateRolloutForm(FormValidationAction):
    """Fill ``rollout_form`` from each message; ask only for what is missing."""

    def __init__(self, rules: RolloutRules | None = None) -> None:
        self._rules = rules

    @property
    def rules(self) -> RolloutRules:
        return self._rules or get_rules()

    def name(self) -> str:
        return "validate_rollout_form"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        intent = _intent(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        fresh = requested is None
        state = RolloutState() if fresh else RolloutState.from_tracker(tracker)
        profile = _with_bare_number(analyse(text, self.rules), text, requested)
        updated = advance(state, profile, _entities(tracker), self.rules)
        unchanged = updated == state
        if not fresh and (wants_to_cancel(text) or (unchanged and intent in CANCEL_INTENTS)):
            logger.info("rollout.cancelled sender=%s", tracker.sender_id)
            return [SlotSet(SLOT_CANCELLED, True), SlotSet(REQUESTED_SLOT, None)]
        if not fresh and unchanged:
            if intent in SWITCH_INTENTS:
                logger.info("rollout.rejected sender=%s intent=%s", tracker.sender_id, intent)
                return []
            attempts = state.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                logger.info("rollout.gave_up sender=%s", tracker.sender_id)
                dispatcher.utter_message(
                    text=GAVE_UP_TEXT,
                    json_message={"links": [doc_link(CALENDAR_DOC), SUPPORT_LINK]},
                )
                return [
                    *reset_events(),
                    SlotSet(SLOT_TOPIC, ABANDONED),
                    SlotSet(REQUESTED_SLOT, None),
                ]
            dispatcher.utter_message(text=HINTS.get(str(requested), HINTS[SLOT_COMPANY]))
            return [SlotSet(SLOT_ATTEMPTS, float(attempts)), SlotSet(REQUESTED_SLOT, requested)]
        next_slot = updated.next_slot(self.rules)
        logger.info(
            "rollout.validated sender=%s topic=%s company=%s next=%s",
            tracker.sender_id,
            updated.topic,
            updated.company,
            next_slot,
        )
        return [*updated.slot_events(), SlotSet(REQUESTED_SLOT, next_slot)]


class ActionAnswerRollout(Action):
    """Answer the rollout question from the form's slots (or from the latest message)."""

    def __init__(self, rules: RolloutRules | None = None) -> None:
        self._rules = rules

    @property
    def rules(self) -> RolloutRules:
        return self._rules or get_rules()

    def name(self) -> str:
        return "action_answer_rollout"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rules = self.rules
        if tracker.get_slot(SLOT_CANCELLED):
            dispatcher.utter_message(text=CANCEL_TEXT)
            return reset_events()
        state = RolloutState.from_tracker(tracker)
        if state.topic == ABANDONED:
            return reset_events()
        if state.topic is None:
            state = advance(state, analyse(latest_text(tracker), rules), _entities(tracker), rules)
        result = answer_for(state, rules)
        if result is None:
            logger.info("rollout.incomplete sender=%s state=%s", tracker.sender_id, state)
            result = calendar_answer(rules)
        text, docs = result
        links = [doc_link(doc) for doc in dict.fromkeys(docs) if doc]
        logger.info(
            "rollout.answered sender=%s topic=%s company=%s departement=%s",
            tracker.sender_id,
            state.topic,
            state.company,
            state.departement,
        )
        # A decision record like the retrieval's: the turn log (and the evaluation) then
        # knows that a rule answered, with which inputs.
        record = {
            "decision": "answer",
            "source": "rollout_rules",
            "topic": state.topic,
            "company": state.company,
            "departement": state.departement,
        }
        dispatcher.utter_message(text=_nbsp(text), json_message={"links": links, "kb": record})
        return reset_events()
