"""The routing policy of :func:`nlu_components.routing_rules.reroute`, row by row.

Expected values are written out by hand (``None`` = keep DIET's intent, ``ask_question``
= hand the message to the retrieval); the module's own patterns are never reused here.
"""

from __future__ import annotations

import pytest

from nlu_components.routing_rules import holds_reference, reroute
from tests.rasa.rasa_env import run_in_rasa_env

RETRIEVAL = "ask_question"


# --- check_status --------------------------------------------------------------------


def test_reroute_check_status_keeps_a_message_with_a_reference() -> None:
    assert reroute("check_status", "MJ-2026-004512", has_reference=True) is None
    # With a reference, even a « what does it mean » wording stays a status lookup.
    assert (
        reroute(
            "check_status",
            "que signifie le statut de ma facture FAC-2026-000123 ?",
            has_reference=True,
        )
        is None
    )


@pytest.mark.parametrize(
    ("text", "entity_values"),
    [
        ("où en est le mémoire MJ 2024 000123 ?", []),
        ("et celle-ci, elle est payée ?", ["fa2024-12"]),
        ("statut du dossier TICGN-2025-88 ?", ["TICGN-2025-88"]),
    ],
)
def test_holds_reference_finds_references_the_lookup_reads(
    text: str, entity_values: list[str]
) -> None:
    assert holds_reference(text, entity_values)


@pytest.mark.parametrize(
    ("text", "entity_values"),
    [
        # DIET tags such look-alikes as references: years, a span of years, a bare number.
        ("pourquoi la réforme est-elle repoussée à 2026-2027 ?", ["2026-2027"]),
        ("ma facture 45871 a été rejetée", ["45871"]),
        ("où en est ma facture ?", []),
    ],
)
def test_holds_reference_ignores_look_alikes(text: str, entity_values: list[str]) -> None:
    assert not holds_reference(text, entity_values)


def test_reroute_check_status_same_question_without_reference_goes_to_retrieval() -> None:
    text = "que signifie le statut de ma facture FAC-2026-000123 ?"
    assert reroute("check_status", text, has_reference=False) == RETRIEVAL


@pytest.mark.parametrize(
    "text",
    [
        "où en est mon mémoire ?",
        "Où en est mon mémoire ?",
        "mon mémoire a-t-il été payé ?",
        "je voudrais connaître le statut de ma demande de remboursement",
        "Où en sont mes factures déposées la semaine dernière ?",
        "ma facture",
    ],
)
def test_reroute_check_status_keeps_the_users_own_record(text: str) -> None:
    assert reroute("check_status", text) is None


@pytest.mark.parametrize(
    "text",
    [
        "ma facture est rejetée, que faire ?",
        "que signifie le statut mise en paiement ?",
        "qu'est-ce que le statut « suspendue » sur Chorus Pro ?",
        "combien de temps faut-il en général pour que mon mémoire soit payé ?",
        "ma facture est suspendue, est-ce normal ?",
        "comment corriger ma facture rejetée par le service ?",
        "peut-on suivre l'avancement de mon mémoire sur internet ?",
        "je peux suivre ma demande de remboursement depuis mon téléphone ?",
    ],
)
def test_reroute_check_status_general_questions_go_to_retrieval(text: str) -> None:
    assert reroute("check_status", text) == RETRIEVAL


def test_reroute_check_status_short_message_without_own_record_goes_to_retrieval() -> None:
    assert reroute("check_status", "statut rejeté ?") == RETRIEVAL


def test_reroute_check_status_short_own_record_with_general_cue_is_kept() -> None:
    # Fewer than five words and about « ma facture »: too short to be a general question.
    assert reroute("check_status", "ma facture, que faire ?") is None


# --- ask_rollout_date ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["30 salariés", "PME", "ETI", "une grande entreprise", "75"])
def test_reroute_ask_rollout_date_keeps_short_form_answers(text: str) -> None:
    assert reroute("ask_rollout_date", text) is None


@pytest.mark.parametrize(
    "text",
    [
        "quand la facturation électronique devient-elle obligatoire pour une PME ?",
        "à partir de quelle date mon entreprise doit-elle émettre des factures électroniques ?",
        "quel est le calendrier de la réforme pour les entreprises de taille intermédiaire ?",
        "nous sommes une entreprise de 250 salariés et 40 millions d'euros",
        "notre entreprise a un chiffre d'affaires de quelques millions",
        "notre siège social se trouve dans le département du Rhône",
        "nous sommes installés en Gironde, le 33, pour information",
    ],
)
def test_reroute_ask_rollout_date_keeps_when_figures_or_place(text: str) -> None:
    assert reroute("ask_rollout_date", text) is None


@pytest.mark.parametrize(
    "text",
    [
        "comment un expert judiciaire dépose-t-il son mémoire de frais sur le portail ?",
        "quels formulaires un interprète traducteur doit-il remplir pour être payé ?",
        "un artisan plombier peut-il envoyer ses factures au format PDF sur Chorus Pro ?",
        # « Par quoi » asks which channel, not when, even with a year named.
        "à partir de 2027, mes factures devront passer par quoi ?",
        # « Quand même » is « all the same », not « when ».
        "notre contrat est ancien, devons-nous quand même facturer sur Chorus Pro ?",
    ],
)
def test_reroute_ask_rollout_date_long_trade_question_goes_to_retrieval(text: str) -> None:
    assert reroute("ask_rollout_date", text) == RETRIEVAL


# --- ask_human -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "quel est le numéro de téléphone du support ?",
        "quels sont les horaires d'ouverture de l'assistance ?",
        "quelle est l'adresse e-mail du support Chorus Pro ?",
        "comment contacter le support du portail ?",
    ],
)
def test_reroute_ask_human_how_to_reach_support_goes_to_retrieval(text: str) -> None:
    assert reroute("ask_human", text) == RETRIEVAL


@pytest.mark.parametrize(
    "text",
    [
        "je veux parler à un conseiller",
        "Je voudrais parler à quelqu'un",
        "passez-moi un conseiller",
        "un humain svp",
        "je veux parler à un conseiller, quel est son numéro ?",
    ],
)
def test_reroute_ask_human_keeps_a_handoff_request(text: str) -> None:
    assert reroute("ask_human", text) is None


# --- greetings, thanks, bot challenge, goodbye ---------------------------------------


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("greet", "Bonjour, je suis expert judiciaire, comment déposer mon mémoire ?"),
        ("greet", "Bonjour, comment créer mon compte sur Chorus Pro ?"),
        ("thanks", "merci, et pour le remboursement de la TIC sur le gazole ?"),
        ("goodbye", "au revoir, je reviendrai déposer ma facture sur le portail"),
        ("bot_challenge", "es-tu un robot capable de suivre mon paiement de facture ?"),
    ],
)
def test_reroute_smalltalk_long_portal_question_goes_to_retrieval(intent: str, text: str) -> None:
    assert reroute(intent, text) == RETRIEVAL


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("greet", "bonjour"),
        ("greet", "Bonjour !"),
        ("bot_challenge", "es-tu un robot ?"),
        ("thanks", "merci beaucoup"),
        ("goodbye", "au revoir et bonne journée"),
        # Short, even with a portal word.
        ("greet", "bonjour, Chorus Pro ?"),
        # Long, but no portal subject.
        ("greet", "bonjour, comment allez-vous aujourd'hui, cher ami ?"),
    ],
)
def test_reroute_smalltalk_is_kept(intent: str, text: str) -> None:
    assert reroute(intent, text) is None


# --- out_of_scope --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "est-ce que chorus pro fonctionne le dimanche ?",
        "Chorus Pro est-il disponible à l'étranger ?",
        "mon mémoire de frais de justice",
        "c'est quoi le SIRET ?",
        "la TICPE sur le gazole non routier",
    ],
)
def test_reroute_out_of_scope_naming_a_portal_subject_goes_to_retrieval(text: str) -> None:
    assert reroute("out_of_scope", text) == RETRIEVAL


@pytest.mark.parametrize(
    "text",
    [
        "comment déclarer mes impôts sur le revenu ?",
        "quelle est la météo à Brest demain ?",
        "donne-moi une recette de crêpes",
    ],
)
def test_reroute_out_of_scope_without_portal_subject_is_kept(text: str) -> None:
    assert reroute("out_of_scope", text) is None


# --- other cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        (None, "où en est mon mémoire ?"),
        ("", "ma facture est rejetée, que faire ?"),
        ("ask_question", "bonjour"),
        ("check_status", ""),
        ("ask_documentation", "comment déclarer mes impôts sur le revenu ?"),
        ("nlu_fallback", "quel est le numéro de téléphone du support ?"),
    ],
)
def test_reroute_other_intents_and_empty_input_are_left_alone(
    intent: str | None, text: str
) -> None:
    assert reroute(intent, text) is None


# --- ask_question → ask_rollout_date: the rollout rules' real trigger ---------------------


@pytest.mark.parametrize(
    "message",
    [
        "Je dirige une PME, à partir de quand dois-je émettre des factures électroniques ?",
        "Micro-entrepreneur : à partir de quand dois-je recevoir des factures électroniques ?",
        "On est 40 salariés, la facturation électronique est obligatoire quand pour nous ?",
        "Mon exploitation a son siège dans le Finistère, je peux demander le remboursement TIC ?",
    ],
)
def test_reroute_portal_question_with_rollout_trigger_goes_to_rollout(message: str) -> None:
    assert reroute("ask_question", message) == "ask_rollout_date"


@pytest.mark.parametrize(
    "message",
    [
        "comment déposer une facture pour une mairie",
        "quand la facture électronique devient-elle obligatoire ?",
        "quel délai pour le remboursement TIC dans la Somme ?",
        "Je dirige une PME, comment choisir ma plateforme agréée ?",
        "Je suis auto-entrepreneur, dois-je quand même passer à la facture électronique ?",
        "En 2026, je dois envoyer mes factures par quoi ?",
    ],
)
def test_reroute_portal_question_without_rollout_trigger_stays(message: str) -> None:
    assert reroute("ask_question", message) is None


# --- another administration's matter: out of scope -------------------------------------


@pytest.mark.parametrize(
    ("intent", "message"),
    [
        ("ask_rollout_date", "J'ai 23 ans, est-ce que je peux avoir le RSA ?"),
        ("ask_question", "comment je crée mon espace professionnel sur impots.gouv pour la TVA ?"),
        ("ask_question", "Je dois déclarer zéro à l'URSSAF si je n'ai rien encaissé ?"),
        ("ask_rollout_date", "à partir de quel montant faut-il répondre à un appel d'offres ?"),
    ],
)
def test_reroute_other_administration_is_out_of_scope(intent: str, message: str) -> None:
    assert reroute(intent, message) == "out_of_scope"


@pytest.mark.parametrize(
    "message",
    [
        "Je suis traducteur, mes cotisations URSSAF sur les mémoires ?",
        "Chorus Pro : les factures à la CAF passent par le portail ?",
    ],
)
def test_reroute_other_administration_with_portal_subject_stays(message: str) -> None:
    assert reroute("ask_question", message) != "out_of_scope"


def test_reroute_rollout_small_amount_is_not_company_figures() -> None:
    message = (
        "Je suis obligé de faire une facture à un particulier pour une prestation de 20 euros ?"
    )
    assert reroute("ask_rollout_date", message) == "ask_question"
    assert reroute("ask_rollout_date", "On a 2 millions de CA et 15 salariés") is None


def test_reroute_request_for_a_person_goes_to_handoff() -> None:
    assert reroute("ask_question", "je voudrais parler à un conseiller") == "ask_human"
    # asking how to reach one is a question for the knowledge base
    assert reroute("ask_question", "je voudrais parler à un conseiller, quel numéro ?") is None


def test_reroute_own_company_or_online_tic_filing_goes_to_the_rollout_form() -> None:
    own = "À partir de quand mon entreprise doit-elle émettre des factures électroniques ?"
    assert reroute("ask_question", own) == "ask_rollout_date"
    tic = "Est-ce que je peux déposer ma demande de remboursement TICGN sur ce portail ?"
    assert reroute("ask_question", tic) == "ask_rollout_date"
    assert reroute("ask_question", "quel délai pour le remboursement TIC en ligne ?") is None


@pytest.mark.parametrize(
    "text",
    [
        "Quelles pièces joindre à ma demande de remboursement TIC sur Chorus Pro ?",
        "Quel espace activer sur Chorus Pro pour ma demande de remboursement TIC ?",
        "où voir l'avancement de mon dossier TICGN sur le portail",
    ],
)
def test_reroute_tic_question_naming_the_portal_without_asking_whether_one_can_file_is_kb(
    text: str,
) -> None:
    """Naming the portal in a TIC question is not asking whether one can file there."""
    assert reroute("ask_rollout_date", text) == "ask_question"
    assert reroute("ask_question", text) is None


def test_reroute_follow_up_naming_a_company_size_goes_to_the_rollout_form() -> None:
    assert reroute("ask_question", "et pour une ETI ?") == "ask_rollout_date"
    assert reroute("ask_question", "et pour une facture rejetée ?") is None


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("out_of_scope", "et il commence quand ?"),
        ("feedback", "et si le titulaire ne répond pas ?"),
        ("out_of_scope", "Et pour un traducteur, c'est pareil ?"),
        ("deny", "et si je suis pas d'accord ?"),
        ("ask_human", "et à la station-service du coin ?"),
    ],
)
def test_reroute_follow_up_question_goes_to_retrieval(intent: str, text: str) -> None:
    """A short « et … ? » only makes sense with the previous question, which the retrieval
    reads with it: it is neither off topic nor a comment on the answer."""
    assert reroute(intent, text) == "ask_question"


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("feedback", "mais ta réponse est fausse ?"),
        ("feedback", "et si je n'ai rien compris ?"),
        ("feedback", "ce n'est pas ma question"),
        ("out_of_scope", "et il commence quand"),
        ("out_of_scope", "et pour le RSA ?"),
        ("out_of_scope", "et sinon, tu connais une bonne recette de crêpes pour ce soir ?"),
        ("ask_human", "et je peux parler à quelqu'un ?"),
        ("ask_human", "et un conseiller ?"),
        ("deny", "non merci"),
    ],
)
def test_reroute_follow_up_comment_statement_or_other_administration_is_kept(
    intent: str, text: str
) -> None:
    """Kept: a comment on the answer, a message that asks nothing (no « ? »), another
    administration's matter, a message too long to be a follow-up, and one that names
    someone to reach."""
    assert reroute(intent, text) is None


# --- in Rasa's own Python ---------------------------------------------------------------

RASA_ENV_SCRIPT = """
import json
from nlu_components.routing_rules import holds_reference, reroute

text = "où en est le mémoire MJ 2024 000123 ?"
print(json.dumps({
    "reference": holds_reference(text, []),
    "look_alike": holds_reference("repoussée à 2026-2027 ?", ["2026-2027"]),
    "kept": reroute("check_status", text, holds_reference(text, [])),
}))
"""


def test_reroute_runs_in_rasa_python() -> None:
    # The guard runs in Rasa's Python 3.10: everything the rules import must load there
    # (a reference module importing the domain's 3.11 enums broke every Rasa parse).
    result = run_in_rasa_env(RASA_ENV_SCRIPT)
    assert result == {"reference": True, "look_alike": False, "kept": None}
