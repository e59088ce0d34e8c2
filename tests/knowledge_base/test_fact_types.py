"""The fact a question asks for (duration, date, amount), and the decision's fact check."""

from __future__ import annotations

import logging

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import decide
from knowledge_base.documents import Unit
from knowledge_base.fact_types import asked_fact, states_fact
from knowledge_base.search import Hit

SETTINGS = KnowledgeBaseSettings(
    answer_min_score=0.6, answer_min_margin=0.1, clarify_min_score=0.3, dense_weight=0.5
)

NO_FACT = "Le comptable public met la facture en paiement une fois le service fait constaté."
WITH_DURATION = "Le délai global de paiement est de 30 jours à compter de la réception."
NO_DATE = "Toutes les entreprises assujetties à la TVA sont concernées par la réforme."
WITH_DATE = "Les grandes entreprises y sont soumises à partir du 1er septembre 2026."
NO_AMOUNT = "Connectez-vous au portail puis ouvrez l'espace « Factures émises »."
WITH_AMOUNT = "L'utilisation de Chorus Pro est gratuite pour les fournisseurs."


# --- asked_fact ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Combien de temps faut-il pour être payé ?",
        "Quel est le délai de paiement d'une facture ?",
        "Quels sont les délais de traitement d'un mémoire ?",
        "Sous combien de jours mon remboursement arrive-t-il ?",
        "En combien de temps mon compte est-il validé ?",
        "Quelle est la durée de conservation des factures ?",
    ],
)
def test_asked_fact_duration(question: str) -> None:
    assert asked_fact(question) == "duration"


@pytest.mark.parametrize(
    "question",
    [
        "À partir de quand la facturation électronique est-elle obligatoire ?",
        "Jusqu'à quand puis-je déposer ma demande ?",
        "Depuis quand Chorus Pro existe-t-il ?",
        "Quelle est la date limite de dépôt de la demande de remboursement ?",
        "Quand doit-on émettre des factures électroniques ?",
        "Quand est-ce que la réforme s'applique aux PME ?",
    ],
)
def test_asked_fact_date(question: str) -> None:
    assert asked_fact(question) == "date"


@pytest.mark.parametrize(
    "question",
    [
        "Combien ça coûte d'utiliser Chorus Pro ?",
        "Combien coûte une plateforme agréée ?",
        "Quel est le montant du remboursement de TICPE ?",
        "Quel est le taux de remboursement pour le gazole non routier ?",
        "Est-ce payant ?",
        "C'est payant, Chorus Pro ?",
        "Faut-il payer pour déposer une facture ?",
    ],
)
def test_asked_fact_amount(question: str) -> None:
    assert asked_fact(question) == "amount"


@pytest.mark.parametrize(
    "question",
    [
        "Comment déposer un mémoire de frais de justice ?",
        "Où en est mon mémoire ?",
        "J'ai oublié mon mot de passe",
        "Qu'est-ce qu'un code service ?",
        "",
    ],
)
def test_asked_fact_none_without_an_explicit_cue(question: str) -> None:
    assert asked_fact(question) is None


def test_asked_fact_duration_wins_over_amount() -> None:
    assert asked_fact("Combien de temps et combien ça coûte ?") == "duration"


# --- states_fact ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "fact"),
    [
        (WITH_DURATION, "duration"),
        ("Le remboursement intervient sous trente jours.", "duration"),
        ("Comptez deux semaines en moyenne.", "duration"),
        ("Le délai dépend du service destinataire.", "duration"),
        ("La mise à jour est immédiate.", "duration"),
        ("Le statut est mis à jour en temps réel.", "duration"),
        ("Vous pouvez le faire jusqu'à la fin de l'année.", "duration"),
        ("Vous pouvez la déposer avant le 31 décembre.", "duration"),
        (WITH_DATE, "date"),
        ("L'obligation s'applique dès le 1er septembre.", "date"),
        ("Les factures sont conservées depuis l'ouverture du compte.", "date"),
        ("Depuis 2020, toutes les factures publiques sont dématérialisées.", "date"),
        (WITH_AMOUNT, "amount"),
        ("Le taux est de 15,25 € par hectolitre.", "amount"),
        ("Le remboursement est de 3,86 euros par hectolitre.", "amount"),
        ("Le dépôt se fait sans frais.", "amount"),
    ],
)
def test_states_fact_true_when_the_answer_states_it(answer: str, fact: str) -> None:
    assert states_fact(answer, fact)


@pytest.mark.parametrize(
    ("answer", "fact"),
    [
        (NO_FACT, "duration"),
        (NO_AMOUNT, "duration"),
        (NO_DATE, "date"),
        (NO_FACT, "date"),
        (NO_AMOUNT, "amount"),
        ("Le service instructeur vérifie la demande puis la transmet au comptable.", "amount"),
        ("", "duration"),
    ],
)
def test_states_fact_false_when_the_answer_lacks_it(answer: str, fact: str) -> None:
    assert not states_fact(answer, fact)


def test_states_fact_unknown_type_raises() -> None:
    with pytest.raises(KeyError):
        states_fact(WITH_DURATION, "poids")


# --- decide: the fact check ----------------------------------------------------------


def _hit(uid: str, fused: float, answer: str, side_rank: int = 0) -> Hit:
    unit = Unit(id=uid, kind="faq", title=uid, answer=answer, match_texts=(uid,), source=f"g#{uid}")
    return Hit(
        unit=unit,
        dense=fused,
        lexical=fused,
        fused=fused,
        rank=1,
        dense_rank=side_rank,
        lexical_rank=side_rank,
    )


DURATION_Q = "Combien de temps faut-il pour être payé ?"


def test_decide_fact_missing_with_nothing_close_abstains() -> None:
    hits = [_hit("paiement", 0.8, NO_FACT, side_rank=1), _hit("autre", 0.5, WITH_DURATION)]
    decision = decide(DURATION_Q, hits, SETTINGS)
    assert decision.action == "abstain"
    assert decision.candidates == ()
    assert decision.missing_fact == "duration"
    assert decision.to_record()["missing_fact"] == "duration"


def test_decide_same_hits_answer_when_no_fact_is_asked() -> None:
    hits = [_hit("paiement", 0.8, NO_FACT, side_rank=1), _hit("autre", 0.5, WITH_DURATION)]
    decision = decide("Comment être payé ?", hits, SETTINGS)
    assert decision.action == "answer" and decision.best is not None
    assert decision.best.unit.id == "paiement"
    assert decision.missing_fact is None


def test_decide_fact_missing_answers_the_one_close_entry_that_states_it() -> None:
    hits = [
        _hit("paiement", 0.8, NO_FACT, side_rank=1),
        _hit("delai", 0.7, WITH_DURATION),
        _hit("suivi", 0.68, NO_FACT),
        _hit("loin", 0.4, WITH_DURATION),
    ]
    decision = decide(DURATION_Q, hits, SETTINGS)
    assert decision.action == "answer"
    assert [h.unit.id for h in decision.candidates] == ["delai"]
    assert decision.missing_fact == "duration"


def test_decide_fact_missing_offers_the_close_entries_that_state_it() -> None:
    hits = [
        _hit("paiement", 0.8, NO_FACT, side_rank=1),
        _hit("delai", 0.7, WITH_DURATION),
        _hit("delai-etat", 0.69, WITH_DURATION),
        _hit("loin", 0.4, WITH_DURATION),
    ]
    decision = decide(DURATION_Q, hits, SETTINGS)
    assert decision.action == "clarify"
    assert [h.unit.id for h in decision.candidates] == ["delai", "delai-etat"]


def test_decide_fact_missing_offers_the_close_entries_when_none_states_it() -> None:
    hits = [
        _hit("paiement", 0.8, NO_FACT, side_rank=1),
        _hit("suivi", 0.7, NO_FACT),
        _hit("loin", 0.4, WITH_DURATION),
    ]
    decision = decide(DURATION_Q, hits, SETTINGS)
    assert decision.action == "clarify"
    assert [h.unit.id for h in decision.candidates] == ["paiement", "suivi"]


def test_decide_fact_stated_answers_as_usual() -> None:
    hits = [_hit("delai", 0.8, WITH_DURATION, side_rank=1), _hit("autre", 0.5, NO_FACT)]
    decision = decide(DURATION_Q, hits, SETTINGS)
    assert decision.action == "answer" and decision.best is not None
    assert decision.best.unit.id == "delai"
    assert decision.missing_fact is None
    assert decision.to_record()["missing_fact"] is None


def test_decide_fact_stated_still_clarifies_a_close_runner_up() -> None:
    hits = [_hit("delai", 0.7, WITH_DURATION), _hit("autre", 0.68, WITH_DURATION)]
    decision = decide(DURATION_Q, hits, SETTINGS)
    assert decision.action == "clarify"
    assert [h.unit.id for h in decision.candidates] == ["delai", "autre"]


def test_decide_fact_missing_single_candidate_abstains_instead_of_answering() -> None:
    # Between the clarify and answer scores with nothing else to offer: usually answered.
    assert decide("Comment être payé ?", [_hit("p", 0.5, NO_FACT)], SETTINGS).action == "answer"
    decision = decide(DURATION_Q, [_hit("p", 0.5, NO_FACT)], SETTINGS)
    assert decision.action == "abstain" and decision.missing_fact == "duration"


def test_decide_fact_missing_below_clarify_score_abstains() -> None:
    decision = decide(DURATION_Q, [_hit("p", 0.2, NO_FACT), _hit("q", 0.15, NO_FACT)], SETTINGS)
    assert decision.action == "abstain"


def test_decide_date_question_against_answer_without_date() -> None:
    question = "À partir de quand la facturation électronique est-elle obligatoire ?"
    missing = [_hit("reforme", 0.8, NO_DATE, side_rank=1), _hit("calendrier", 0.72, WITH_DATE)]
    decision = decide(question, missing, SETTINGS)
    # the close entry that states a date answers, not the best one that states none
    assert decision.action == "answer" and decision.missing_fact == "date"
    assert [h.unit.id for h in decision.candidates] == ["calendrier"]
    stated = [_hit("calendrier", 0.8, WITH_DATE, side_rank=1), _hit("reforme", 0.5, NO_DATE)]
    assert decide(question, stated, SETTINGS).action == "answer"


def test_decide_amount_question() -> None:
    question = "Est-ce payant de déposer une facture sur Chorus Pro ?"
    stated = [_hit("gratuite", 0.8, WITH_AMOUNT, side_rank=1), _hit("depot", 0.5, NO_AMOUNT)]
    answer = decide(question, stated, SETTINGS)
    assert answer.action == "answer" and answer.missing_fact is None
    missing = [_hit("depot", 0.8, NO_AMOUNT, side_rank=1), _hit("gratuite", 0.5, WITH_AMOUNT)]
    abstain = decide(question, missing, SETTINGS)
    assert abstain.action == "abstain" and abstain.missing_fact == "amount"


def test_decide_fact_missing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    hits = [_hit("paiement", 0.8, NO_FACT, side_rank=1), _hit("autre", 0.5, WITH_DURATION)]
    with caplog.at_level(logging.INFO, logger="knowledge_base.decision"):
        decide(DURATION_Q, hits, SETTINGS)
    assert "fact_asked=duration" in caplog.text and "fact_missing=True" in caplog.text


def test_decide_fact_check_without_hits_abstains() -> None:
    decision = decide(DURATION_Q, [], SETTINGS)
    assert decision.action == "abstain" and decision.missing_fact is None


def test_states_fact_deadline_answers_a_until_when_question() -> None:
    question = "Jusqu'à quand puis-je déposer ma demande de remboursement ?"
    fact = asked_fact(question)
    assert fact == "date"
    assert states_fact("Vous pouvez la déposer jusqu'au 31 décembre de la troisième année.", fact)
    assert not states_fact("Déposez votre demande sur Chorus Pro.", fact)
