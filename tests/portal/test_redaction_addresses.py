"""Postal addresses typed in the chat (portal.conversations.addresses, through redact)."""

from __future__ import annotations

import pytest

from portal.conversations.redaction import ADDRESS, PHONE, PLACEHOLDERS, find_personal_data, redact


@pytest.mark.parametrize(
    "address",
    [
        "7 rue du Château 44000 Nantes",
        "7 rue du château 44000 nantes",
        "7, rue du Château, 44000 Nantes",
        "118 bis avenue de Paris 78000 Versailles",
        "2 ter, bd de la Liberté, 13001 Marseille",
        "33 av. des Champs 21000 Dijon",
        "4 impasse du Four",
        "15 allée des Chênes, 56000 Vannes",
        "6 place Saint-Michel 35000 Rennes",
        "BP 4512, 31000 Toulouse Cedex 6",
        "CS 30012 67000 Strasbourg CEDEX",
        "lieu-dit Le Moulin Neuf, 22300 Lannion",
        "ZI de la Plaine, 42000 Saint-Étienne",
        "Kervern 29510 Briec",
        "Bâtiment C, 9 chemin des Écoliers 74000 Annecy",
        "3 rue Pierre et Marie Curie 38000 Grenoble",
    ],
)
def test_redaction_replaces_postal_address(address: str) -> None:
    assert redact(f"mon adresse : {address}. Merci") == f"mon adresse : {ADDRESS}. Merci"


@pytest.mark.parametrize(
    "text",
    [
        "j'ai suivi 2 cours de formation sur Chorus Pro",
        "3 place de parking réservées au tribunal",
        "la route de Quimper est bloquée, je ne peux pas déposer",
        "facture de 15000 euros, montant 75000 Euros, 12500 Litres de GNR",
        "mon code postal est 75002, je suis dans le 72",
        "le tribunal judiciaire de Paris ne répond pas",
        "SIRET 88234567800016 Paris, SIREN 882 345 678",
        "mémoire MJ-2026-000123 du 06/12/2026 à Lyon",
        "rue ou avenue, ça change quelque chose pour l'adresse de facturation ?",
        "j'ai 3 factures en attente depuis 45 jours",
        "le lot 3 Parcelle B",
    ],
)
def test_redaction_keeps_address_lookalikes(text: str) -> None:
    assert redact(text) == text


def test_redaction_address_stops_at_the_sentence_after_it() -> None:
    text = "j'habite 4 rue des écoles et je voudrais savoir où en est ma facture"
    assert redact(text) == f"j'habite {ADDRESS} et je voudrais savoir où en est ma facture"


def test_redaction_address_ends_before_a_phone_number() -> None:
    text = "adresse 3 hameau de la Croix 80100 Abbeville tél 03 22 24 56 89"
    assert redact(text) == f"adresse {ADDRESS} tél {PHONE}"


def test_redaction_address_placeholder_is_listed() -> None:
    assert ADDRESS == "[adresse postale]" and ADDRESS in PLACEHOLDERS


def test_redaction_found_items_are_what_redact_replaces() -> None:
    text = "Mme Leroy, 12 rue de la Paix 75002 Paris, 06 12 34 56 78, leroy@free.fr"
    found = find_personal_data(text)
    assert [text[f.start : f.end] for f in found] == [
        "Mme Leroy, 12 rue de la Paix 75002 Paris",
        "06 12 34 56 78",
        "leroy@free.fr",
    ]
    assert redact(text) == f"{ADDRESS}, {PHONE}, [adresse électronique]"
