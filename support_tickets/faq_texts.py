"""French texts of the FAQ drafts (statuses, history, validation and workflow messages)."""

from __future__ import annotations

STATUS_DRAFT = "brouillon"
STATUS_IN_REVIEW = "a_relire"
STATUS_SENT_BACK = "a_reprendre"
STATUS_PUBLISHED = "publie"
DRAFT_STATUS_LABELS: dict[str, str] = {
    STATUS_DRAFT: "Brouillon",
    STATUS_IN_REVIEW: "À relire",
    STATUS_SENT_BACK: "À reprendre",
    STATUS_PUBLISHED: "Publiée",
}
EVENT_LABELS: dict[str, str] = {
    "cree": "Brouillon créé",
    "modifie": "Brouillon modifié",
    "soumis": "Soumis à la relecture",
    "renvoye": "Renvoyé à son auteur",
    "publie": "Publié dans la base de connaissances",
}
NOTICES: dict[str, str] = {
    "cree": "Le brouillon a été enregistré.",
    "modifie": "Les modifications ont été enregistrées.",
    "soumis": "Le brouillon a été soumis à la relecture d'un superviseur.",
    "renvoye": "Le brouillon a été renvoyé à son auteur avec votre commentaire.",
    "publie": (
        "L'entrée est publiée : l'index de l'assistant est mis à jour en arrière-plan et "
        "elle répond dans le chat d'ici une minute."
    ),
}

QUESTION_REQUIRED = "La question est obligatoire."
QUESTION_TOO_SHORT = "La question doit compter au moins {min} caractères."
QUESTION_TOO_LONG = "La question ne doit pas dépasser {max} caractères."
ANSWER_REQUIRED = "La réponse est obligatoire."
ANSWER_TOO_SHORT = "La réponse doit compter au moins {min} caractères."
ANSWER_TOO_LONG = "La réponse ne doit pas dépasser {max} caractères."
SECTION_REQUIRED = "Choisissez la section du guide que l'entrée cite."
SECTION_UNKNOWN = "La section « {section} » n'existe dans aucun guide."
SOURCE_REQUIRED = "Indiquez au moins une source : l'adresse (https://…) d'une page publique."
SOURCE_INVALID = "« {source} » n'est pas une adresse web valide (https://…)."
TOO_MANY_SOURCES = "Indiquez au plus {max} sources."
WORDING_TOO_LONG = "Une formulation ne doit pas dépasser {max} caractères."
TOO_MANY_WORDINGS = "Indiquez au plus {max} formulations d'usagers."
INVALID_CHARACTER = "Le texte contient un caractère invalide (NUL) : retirez-le."
COMMENT_REQUIRED = "Expliquez à l'auteur ce qu'il doit reprendre (commentaire obligatoire)."
COMMENT_TOO_LONG = "Le commentaire ne doit pas dépasser {max} caractères."
NOT_EDITABLE = "Ce brouillon est {status} : il ne peut plus être modifié."
NOT_SUBMITTABLE = "Seul un brouillon ou un brouillon à reprendre peut être soumis à la relecture."
NOT_IN_REVIEW = "Ce brouillon n'est pas à relire : il ne peut être ni publié ni renvoyé."
SUPERVISORS_ONLY = "La relecture et la publication sont réservées aux superviseurs."
DRAFT_NOT_FOUND = "Aucun brouillon ne porte ce numéro."
TICKET_NOT_FOUND = "Aucun ticket ne porte ce numéro : le brouillon ne peut pas en partir."
PUBLISH_FAILED = (
    "La publication a échoué ({reason}) : l'entrée reste à relire, réessayez ou prévenez "
    "l'équipe technique."
)
