"""Priority suggestion from category, wording and waiting time."""

from __future__ import annotations

from support_tickets.priority import suggest_priority


def test_suggest_priority_base_by_category() -> None:
    assert suggest_priority("autre", "Une question sur le portail.")[0] == "basse"
    assert suggest_priority("factures", "Une question sur le dépôt.")[0] == "normale"
    assert suggest_priority("technique", "Une question sur l'affichage.")[0] == "haute"


def test_suggest_priority_raises_for_blocking_and_urgent_wording() -> None:
    priority, reasons = suggest_priority("compte", "Mon compte est bloqué, c'est URGENT !")
    assert priority == "urgente"
    assert any("blocage" in r for r in reasons) and any("urgence" in r for r in reasons)
    assert suggest_priority("compte", "Impossible de me connecter")[0] == "haute"


def test_suggest_priority_rises_with_waiting_time() -> None:
    calm = suggest_priority("autre", "Une question générale.", waited_business_hours=2)
    waited = suggest_priority("autre", "Une question générale.", waited_business_hours=20)
    assert calm[0] == "basse" and waited[0] == "normale"
    assert "sans réponse depuis 20 h ouvrées" in waited[1]


def test_suggest_priority_caps_at_urgent() -> None:
    text = "Erreur bloquante, urgent, date limite aujourd'hui"
    assert suggest_priority("technique", text, waited_business_hours=100)[0] == "urgente"
