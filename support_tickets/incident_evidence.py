"""The evidence behind ``incident_min_similarity``: reports of one problem by different users
(written differently, as users do), and other requests of the same portal.

:func:`separation` scores every pair; ``python -m support_tickets.bench_incidents`` prints it
for the lexical similarity and, when it is built, the knowledge base's embedder.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from support_tickets.similarity import Similarity

# Each list: one problem, reported by several users.
SAME_PROBLEM: tuple[tuple[str, ...], ...] = (
    (
        "Le dépôt de ma facture échoue avec l'erreur 503 « service indisponible » depuis ce matin.",
        "Depuis ce matin, impossible de déposer une facture : le portail affiche erreur 503 "
        "service indisponible.",
        "Erreur 503 service indisponible au moment de déposer ma facture, depuis 9 h.",
        "Bonjour, quand je dépose une facture j'ai une erreur 503 (service indisponible). "
        "Merci de regarder.",
        "Dépôt de facture impossible ce matin, message « Erreur 503 : service temporairement "
        "indisponible ».",
        "Le portail renvoie une erreur 503 service indisponible dès que j'essaie de déposer ma "
        "facture.",
    ),
    (
        "Le bouton de transmission de mon mémoire reste grisé depuis ce matin.",
        "Impossible de transmettre mon mémoire : le bouton Transmettre est grisé.",
        "Depuis ce matin le bouton pour transmettre le mémoire est grisé, je ne peux rien envoyer.",
        "Bouton « Transmettre » grisé sur mon mémoire de frais de justice, impossible de "
        "l'envoyer.",
    ),
    (
        "Je ne reçois pas le code de connexion par SMS depuis hier, je ne peux plus me connecter.",
        "Le code de vérification SMS n'arrive pas, connexion impossible depuis hier.",
        "Plus de code SMS pour me connecter au portail depuis hier soir.",
        "Connexion impossible : le code envoyé par SMS ne m'est jamais parvenu depuis hier.",
    ),
)
# Different problems, several close to the ones above in words or topic.
OTHER_REQUESTS: tuple[str, ...] = (
    "Je n'arrive pas à me connecter à mon compte, mot de passe refusé.",
    "Quand sera versé le remboursement TICGN pour mon exploitation agricole ?",
    "Ma facture a été rejetée pour SIRET invalide, que faire ?",
    "Comment ajouter un collaborateur à mon compte fournisseur ?",
    "Où en est le paiement de mon mémoire MJ-2026-000123 ?",
    "Le PDF de ma facture est trop lourd, le dépôt est refusé.",
    "Je souhaite modifier l'adresse e-mail de mon compte.",
    "Le portail est très lent pour afficher la liste de mes factures.",
    "Mon mémoire a été rejeté, je ne comprends pas le motif.",
    "Erreur lors du dépôt de ma facture : format de fichier non accepté.",
)


@dataclass(frozen=True)
class Separation:
    """Cosines of pairs of one problem's reports, and of pairs of different problems."""

    same: list[float]
    different: list[float]

    def share_at_least(self, threshold: float) -> float:
        """Share of one problem's pairs that a threshold groups."""
        return sum(s >= threshold for s in self.same) / len(self.same)

    def wrong_at_least(self, threshold: float) -> int:
        """Pairs of different problems that a threshold would group."""
        return sum(d >= threshold for d in self.different)


def separation(similarity: Similarity) -> Separation:
    """Every pair of the evidence's texts, scored by ``similarity``."""
    texts = [text for problem in SAME_PROBLEM for text in problem] + list(OTHER_REQUESTS)
    labels = [k for k, problem in enumerate(SAME_PROBLEM) for _ in problem]
    labels += [-1 - k for k in range(len(OTHER_REQUESTS))]
    matrix = similarity.pairwise(texts)
    same: list[float] = []
    different: list[float] = []
    for i, j in itertools.combinations(range(len(texts)), 2):
        (same if labels[i] == labels[j] else different).append(round(float(matrix[i, j]), 3))
    return Separation(sorted(same), sorted(different))
