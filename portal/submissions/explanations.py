"""Plain-French explanation of a submission's status: meaning, date, next step, guide link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.submissions.dates import as_utc, french_amount, french_date
from portal.submissions.models import Submission
from portal.submissions.states import (
    FEMININE_KINDS,
    KIND_LABELS,
    STATUS_LABELS,
    Kind,
    Status,
)

GUIDE_URL = "/docs/suivi-formulaires"
GUIDE_TITLE = "Guide « Suivre ses formulaires »"


@dataclass(frozen=True)
class StatusHelp:
    meaning: str
    next_step: str
    anchor: str


STATUS_HELP: dict[Status, StatusHelp] = {
    Status.TRANSMIS: StatusHelp(
        "votre envoi est enregistré et part vers le service compétent.",
        "Vous n'avez rien à faire : le statut passera à « reçu » quand le service l'aura "
        "pris en charge. Ne renvoyez pas de doublon.",
        "statut-transmis",
    ),
    Status.RECU: StatusHelp(
        "le service destinataire l'a pris en charge ; son examen n'a pas forcément commencé.",
        "Vous n'avez rien à faire : un agent va l'analyser, le statut passera alors à « en "
        "cours de traitement ».",
        "statut-recu",
    ),
    Status.EN_COURS: StatusHelp(
        "un agent vérifie en ce moment les informations, les montants et les pièces jointes.",
        "Aucune action n'est attendue de votre part. À l'issue du contrôle, il sera validé, "
        "suspendu (s'il manque un élément) ou rejeté.",
        "statut-en-cours",
    ),
    Status.VALIDE: StatusHelp(
        "le service l'a contrôlé et accepté ; le paiement n'est pas encore parti.",
        "Il est transmis au comptable public : prochaine étape, « mis en paiement ». "
        "Vérifiez seulement que vos coordonnées bancaires sont à jour.",
        "statut-valide",
    ),
    Status.SUSPENDU: StatusHelp(
        "le service a mis son traitement en pause, car il lui manque un élément.",
        "Apportez le complément demandé depuis le formulaire (pièce ou réponse au service) ; "
        "le traitement reprendra ensuite. Tant que vous ne répondez pas, il ne peut pas "
        "être payé.",
        "statut-suspendu",
    ),
    Status.REJETE: StatusHelp(
        "le service l'a refusé tel qu'il a été transmis ; il ne sera pas payé et ne peut "
        "plus être modifié.",
        "Corrigez ce que le motif signale, puis saisissez et transmettez un nouveau "
        "formulaire (il aura un nouveau numéro). Si le rejet vous semble une erreur, "
        "écrivez-nous par le formulaire « support » en citant la référence et le motif.",
        "apres-rejet",
    ),
    Status.MIS_EN_PAIEMENT: StatusHelp(
        "le comptable public a ordonné le virement sur le compte bancaire de votre compte.",
        "Vous n'avez rien à faire ; comptez le délai habituel d'un virement, puis le statut "
        "passera à « payé ».",
        "statut-mis-en-paiement",
    ),
    Status.PAYE: StatusHelp(
        "le virement a été exécuté : le traitement est terminé.",
        "Vérifiez le crédit sur votre relevé. Si vous ne le trouvez pas, contrôlez les "
        "coordonnées bancaires de votre compte, puis contactez le support.",
        "statut-paye",
    ),
}


def _kind(submission: Submission) -> Kind:
    return Kind(submission.kind)


def _agree(submission: Submission, word: str) -> str:
    """« transmis » / « transmise » according to the kind's gender (status labels too)."""
    if _kind(submission) not in FEMININE_KINDS:
        return word
    feminine = {
        "transmis": "transmise",
        "reçu": "reçue",
        "validé": "validée",
        "rejeté": "rejetée",
        "suspendu": "suspendue",
        "mis en paiement": "mise en paiement",
        "payé": "payée",
    }
    return feminine.get(word, word)


def status_link(status: Status) -> dict[str, str]:
    """The guide section about ``status`` (for a rejection: what to do next)."""
    return {
        "title": f"{GUIDE_TITLE} — statut « {STATUS_LABELS[status]} »",
        "url": f"{GUIDE_URL}#{STATUS_HELP[status].anchor}",
    }


def explain(submission: Submission, now: dt.datetime | None = None) -> str:
    """The full answer about one submission (several short paragraphs)."""
    now = now or dt.datetime.now(dt.UTC)
    status = Status(submission.status)
    help_ = STATUS_HELP[status]
    kind_label = KIND_LABELS[_kind(submission)]
    label = STATUS_LABELS[status]
    lines = [
        f"Votre {kind_label} {submission.reference}, {_agree(submission, 'transmis')} le "
        f"{french_date(as_utc(submission.transmitted_at))} pour "
        f"{french_amount(submission.amount)}, est au statut « {label} » depuis le "
        f"{french_date(as_utc(submission.status_at))} : {help_.meaning}",
    ]
    if status in (Status.REJETE, Status.SUSPENDU) and submission.status_reason:
        lines.append(f"Motif indiqué par le service : « {submission.status_reason} ».")
    next_step = help_.next_step[0].lower() + help_.next_step[1:]
    lines.append(f"Prochaine étape : {next_step}")
    viewable_until = as_utc(submission.viewable_until)
    if viewable_until > now:
        lines.append(
            f"Le formulaire et ses pièces restent consultables jusqu'au "
            f"{french_date(viewable_until)}."
        )
    else:
        lines.append(
            "Ses 10 ans de conservation sont écoulés : le formulaire n'est plus consultable "
            "sur le portail."
        )
    # One "\n" between paragraphs: Rasa's REST channel splits a text on blank lines.
    return "\n".join(lines)


def summary_line(submission: Submission) -> str:
    """One line of the « your latest submissions » list."""
    status = Status(submission.status)
    line = (
        f"• {submission.reference} ({KIND_LABELS[_kind(submission)]}, "
        f"{french_amount(submission.amount)}) : « {STATUS_LABELS[status]} » depuis le "
        f"{french_date(as_utc(submission.status_at))}"
    )
    if status in (Status.REJETE, Status.SUSPENDU) and submission.status_reason:
        line += f" — motif : {submission.status_reason}"
    return line
