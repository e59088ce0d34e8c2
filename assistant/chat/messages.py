"""French texts the gateway itself sends (when Rasa cannot), in one place."""

from __future__ import annotations

from assistant.chat.schemas import BotMessage, Link

UNAVAILABLE_TEXT = (
    "L'assistant est momentanément indisponible. Veuillez réessayer dans quelques instants. "
    "Si votre demande est urgente, vous pouvez solliciter nos équipes par le formulaire "
    "« support »."
)
NO_REPLY_TEXT = (
    "Je n'ai pas de réponse à vous proposer. Pourriez-vous reformuler votre question ? "
    "Vous pouvez aussi solliciter nos équipes par le formulaire « support »."
)


def support_link(support_url: str) -> Link:
    return Link(title="Formulaire « support »", url=support_url)


def unavailable_message(support_url: str) -> BotMessage:
    return BotMessage(text=UNAVAILABLE_TEXT, links=[support_link(support_url)])


def no_reply_message(support_url: str) -> BotMessage:
    return BotMessage(text=NO_REPLY_TEXT, links=[support_link(support_url)])
