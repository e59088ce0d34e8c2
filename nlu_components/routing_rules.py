"""When a narrow intent's real trigger is missing, a portal question goes to the retrieval.

DIET learns intents from examples; a long portal question that happens to name a status,
a company size or a greeting is then often classified as ``check_status``,
``ask_rollout_date`` or ``greet``, and never reaches the knowledge base. Each narrow
intent below keeps the message only when the message carries that intent's real trigger;
otherwise the message is re-labelled ``ask_question`` (the retrieval action answers,
clarifies or abstains). The table is the whole policy:

========================  ==================================================================
intent                    kept when the message…
========================  ==================================================================
``check_status``          holds a submission reference in a form the lookup reads
                          (« MJ-2024-000123 », « fa2024-12 »), or asks about the user's own
                          record (« où en est mon… », « mon mémoire a-t-il été payé ? »)
                          without asking what a status means, what to do, how long it
                          usually takes, or whether one can follow it online
``ask_rollout_date``      asks *when* about invoicing, gives company figures, names a TIC
                          applicant's département, or is a short form answer (fewer than
                          ``SHORT_ANSWER_WORDS`` words)
``ask_human``             asks to be put in touch, not *how* to reach support (phone,
                          hours, address)
greetings, thanks,        is short (fewer than ``SMALLTALK_MAX_WORDS`` words) or names no
bot challenge, goodbye    portal subject: « Bonjour, je suis expert judiciaire, comment
                          déposer mon mémoire ? » is a question
``out_of_scope``          names no portal subject (a question naming Chorus Pro, a
                          mémoire, the TIC… is the retrieval's to answer or abstain on)
``out_of_scope``,         is not a follow-up question: « et il commence quand ? », « et si
``feedback``, ``deny``,   le titulaire ne répond pas ? » (:func:`follow_up_question`) only
``ask_human``             make sense with the previous question, which the retrieval
                          reads with them
========================  ==================================================================

A portal question or a rollout question about another administration's matter (RSA,
income tax, URSSAF, public tenders…) that names none of the portal's subjects is
``out_of_scope``.

The other way, a portal question (``ask_question``) that asks to be put in touch with a
person (« je voudrais parler à un conseiller ») goes to ``ask_human``, and one that carries
the rollout rules' real trigger goes to ``ask_rollout_date``, whose answer computes the dates from
``knowledge_base/rollout.yml``: *when* an obligation applies to a named company category,
to given figures or to the user's own company (the form asks its category), about
invoicing; or whether a TIC/TICGN applicant can file online (the form asks the
département). A question that also asks how, what or how long
(« quel délai… », « comment… ») stays with the retrieval.

Pure Python on purpose: the Rasa component (:mod:`nlu_components.routing_guard`) wraps
it, and the main test suite checks it without Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge_base.follow_up_wording import is_follow_up
from knowledge_base.text import fold_words as fold
from portal.submissions.references import find_references, normalise_reference

RETRIEVAL_INTENT = "ask_question"
# A form answer such as « 30 salariés » or « PME » is short; a question is longer.
SHORT_ANSWER_WORDS = 5
# « Bonjour, ça va ? » stays a greeting; six words or more naming a portal subject is a
# question that starts with a greeting.
SMALLTALK_MAX_WORDS = 6
SMALLTALK_INTENTS = frozenset({"greet", "goodbye", "thanks", "bot_challenge"})


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


# What only this portal is about: a message naming one of these is a portal matter, even
# when DIET found it out of scope.
PORTAL_SUBJECT = _words(
    r"chorus\w*|factur\w*|memoires? de frais|frais de justice|siret|ticgn|tic|ticpe|gnr"
    r"|dematic|code service|engagement juridique|plateformes? agreees?|pdp|ppf|e reporting"
    r"|factur x|ubl|cii|portail pro|sollicitations?"
)
# Broader: also the portal's everyday words, enough to tell a question that opens with a
# greeting from small talk.
PORTAL_WORDS = _words(
    r"chorus\w*|factur\w*|memoires?|siret|siren|tic|ticgn|ticpe|gnr|gazole|fioul|carburants?"
    r"|remboursements?|formulaires?|portail|depots?|deposer|deposee?s?|paiements?|payee?s?"
    r"|structures?|code service|engagement juridique|bon de commande|plateformes?|pdp|ppf"
    r"|e reporting|ubl|cii|edi|api|avoirs?|mandat\w*|sous traitan\w*|co traitan\w*|experts?"
    r"|interpretes?|traducteurs?|frais de justice|dematic|compte|identifiant|mot de passe"
    r"|gestionnaire|rattachement|sollicitations?|rejet\w*|suspendu\w*|tva|statut"
)
# The user's own record: a possessive before a record noun, or a tracking phrase.
OWN_RECORD = _words(
    r"(?:mon|ma|mes|notre|nos)(?: \w+)? (?:formulaires?|factures?|memoires?|demandes?"
    r"|dossiers?|remboursements?|paiements?|tickets?|envois?|depots?|virements?)"
    r"|ou en est|ou en sont|ou ca en est|il en est ou|suivi de (?:mon|ma|mes)"
    r"|statut de (?:mon|ma|mes)|avancement de (?:mon|ma|mes)"
)
# Asking what something means, what to do, or a usual delay: a general question even when
# it names « ma facture ».
GENERAL_QUESTION = _words(
    r"que signifie|ca veut dire|veut dire|signifie|c est quoi|qu est ce que?|que faire"
    r"|quoi faire|comment (?:faire|fait on|dois je|puis je|je peux|on peut|corriger|modifier"
    r"|contester|renvoyer|redeposer|annuler|savoir)|combien de temps|quel delai|quels delais"
    r"|delai moyen|delai de paiement|en general|normalement|habituellement|d habitude"
    r"|est ce normal|c est normal|que se passe t il|qui (?:doit|peut)"
    # Which channel or tool (« je dois passer par quoi ? »), and whether or how one can follow
    # a record online: questions about the portal, not a request for the user's own record.
    r"|par quoi|avec quoi|(?:je peux|puis je|peut on|on peut|possible de|comment) suivre"
)
# Asking *when*: a date, a calendar, a start. « Obligé » or « concerné » alone ask whether,
# which the knowledge base answers; « quand même » (« je dois quand même l'utiliser ? »)
# means « all the same », not « when ».
WHEN_CUE = _words(
    r"quand(?! meme\b| bien meme\b)|date|dates|calendrier|echeances?|a partir de|depuis|des le"
    r"|avant le|en 20\d\d|20\d\d"
)
# Company figures named without a usable number (« un chiffre d'affaires de quelques
# millions »): the form asks for the number.
FIGURES_CUE = _words(r"chiffre d affaires|\bca\b|total de bilan|bilan|effectifs?|salaries")
CONTACT_HOWTO = _words(
    r"numero|telephone|tel|horaires?|heures?|ouvert\w*|adresse|mail|e mail|courriel"
    r"|coordonnees|par quel moyen|quel moyen|comment (?:contacter|joindre|ecrire|avoir)"
    r"|comment (?:on|je peux|puis je) (?:contacter|joindre)"
)
HANDOFF_REQUEST = _words(
    r"(?:je veux|je voudrais|j aimerais|je souhaite|puis je|passez moi|mettez moi)"
    r"(?: \w+){0,3} (?:parler|discuter|echanger|en relation|un conseiller|un humain|un agent)"
)


# « Can I file it on the portal? »: the TIC form's question (where the head office is). Naming
# the portal is not enough: « quelles pièces joindre à ma demande TIC sur Chorus Pro ? » asks
# the knowledge base; the question must ask whether one *can* file there.
ONLINE_FILING = _words(r"(?:ce|le|sur le) portail|en ligne|chorus\w*|dematic|internet")
CAN_FILE = _words(
    r"je peux|puis je|peut on|on peut|pouvons nous|peux je|est il possible|possible de"
    r"|ai je le droit|avons nous le droit|suis je (?:eligible|concerne)|sommes nous concernes?"
)
# The user's own company: the rollout form asks its category or figures.
OWN_COMPANY = _words(
    r"mon entreprise|ma societe|ma boite|notre entreprise|notre societe|ma structure"
    r"|pour (?:mon|ma|notre) (?:entreprise|societe|boite|structure)"
    r"|dois je|devons nous|suis je|sommes nous|je dois|nous devons"
)
ASK_HUMAN_INTENT = "ask_human"
INVOICING = _words(r"factur\w*|chorus\w*|dematerialis\w*|e invoicing|reforme")
ROLLOUT_INTENT = "ask_rollout_date"


def rollout_trigger(text: str, folded: str) -> bool:
    """The rollout rules can answer ``text`` outright (see the module docstring)."""
    # The rules' own vocabulary (categories, départements, TIC words) is data (rollout.yml,
    # rollout/departements.yml, rollout/cues.yml);
    # imported here so that Rasa loads it only when a portal question is checked.
    from knowledge_base.rollout import (
        extract_figures,
        find_categories,
        find_departement,
        mentions_tic,
    )

    if GENERAL_QUESTION.search(folded):
        return False
    online = ONLINE_FILING.search(folded) and CAN_FILE.search(folded)
    if mentions_tic(text) and (find_departement(text) is not None or online):
        return True
    if folded.startswith("et ") and find_categories(text):
        return True  # « et pour une ETI ? » after a date: the same question, another size
    if not (WHEN_CUE.search(folded) and INVOICING.search(folded)):
        return False
    if OWN_COMPANY.search(folded):
        return True
    return bool(find_categories(text)) or not extract_figures(text).empty


def rollout_form_matter(text: str, folded: str) -> bool:
    """What the rollout form can work with: company figures or their labels, a head-office
    département, a company category or *when* about invoicing (the form asks the rest)."""
    from knowledge_base.rollout import (
        MIN_BARE_AMOUNT_EUR,
        extract_figures,
        find_categories,
        find_departement,
    )

    figures = extract_figures(text)
    amounts = [q.value for q in (figures.turnover_eur, figures.balance_sheet_eur) if q]
    if figures.employees is not None or any(a >= MIN_BARE_AMOUNT_EUR for a in amounts):
        return True
    if FIGURES_CUE.search(folded):
        return True
    if find_departement(text) is not None:
        return True
    # *When* without figures: the form's matter unless the question asks how, what or how
    # long as well (the retrieval's, as in :func:`rollout_trigger`).
    return bool(
        WHEN_CUE.search(folded)
        and (INVOICING.search(folded) or OWN_COMPANY.search(folded) or find_categories(text))
        and not GENERAL_QUESTION.search(folded)
    )


# Another administration's matter (social benefits, income tax, public tenders…): out of
# scope unless the message also names one of the portal's own subjects.
OTHER_ADMINISTRATION = _words(
    r"rsa|caf|allocations? familiales|pole emploi|france travail|chomage|retraites?|cfe"
    r"|cotisation fonciere|impots? sur le revenu|declaration (?:de|d) (?:revenus|impots?)"
    r"|avis d imposition|taxe fonciere|taxe d habitation|urssaf|carte grise|permis de conduire"
    r"|passeport|carte d identite|appels? d offres?|offres? pour un marche|ald"
    r"|indemnites journalieres|securite sociale|mutuelle|prelevement a la source"
    r"|espace (?:particulier|professionnel)"
)
# Portal subjects that share words with other administrations (the mémoires' social
# contributions are the URSSAF's, and the knowledge base answers them).
OWN_MATTERS = _words(
    r"memoires?|experts? judiciaires?|interpretes?|traducteurs?|cosp|collaborateurs? occasionnels?"
    r"|frais de justice"
)
OUT_OF_SCOPE_INTENT = "out_of_scope"


def other_administration(folded: str) -> bool:
    return bool(
        OTHER_ADMINISTRATION.search(folded)
        and not PORTAL_SUBJECT.search(folded)
        and not OWN_MATTERS.search(folded)
    )


def holds_reference(text: str, entity_values: Iterable[object] = ()) -> bool:
    """``text`` holds a submission reference the status lookup can use: one written in a
    known form, or an entity value that normalises to one. DIET also tags look-alikes as
    references (« 2026-2027 » in a question about the reform's calendar), which are not."""
    return bool(find_references(text)) or any(normalise_reference(str(v)) for v in entity_values)


# The intents that a follow-up question leaves for the retrieval. A short « et … ? » is
# read by DIET on its few words: on the development dialogues (eval/real_questions/
# dev_dialogues.jsonl, 2026-12-07), « et il commence quand ? » went to out_of_scope, « et
# si le titulaire ne répond pas ? » to feedback, « et si je suis pas d'accord ? » to deny,
# and « et à la station-service du coin ? » to ask_human.
FOLLOW_UP_REROUTED = frozenset({"out_of_scope", "feedback", "deny", "ask_human"})
# A follow-up that names someone to reach (« et un conseiller ? », « et par téléphone ? »)
# stays where DIET put it: the handoff, or the retrieval's contact entries.
ASKS_FOR_SOMEONE = _words(
    r"parler|discuter|conseiller|humain|agent|quelqu un|telephone|appeler|contacter|joindre"
    r"|support|assistance|operateur"
)
# Words of a comment on the assistant's answer (« mais ta réponse est fausse ? »): such a
# message is feedback, whatever its opening.
ABOUT_THE_ANSWER = _words(
    r"reponses?|ma question|compris|comprends|faux|fausse|utile|inutile|n importe quoi"
)


def follow_up_question(text: str, folded: str) -> bool:
    """A follow-up (:func:`knowledge_base.follow_up_wording.is_follow_up`) that asks
    something (« ? »), says nothing of the answer it follows and names no one to reach."""
    return (
        is_follow_up(text)
        and text.rstrip().endswith("?")
        and not ABOUT_THE_ANSWER.search(folded)
        and not ASKS_FOR_SOMEONE.search(folded)
    )


def _word_count(folded: str) -> int:
    return len(re.findall(r"\w+", folded))


def reroute(intent: str | None, text: str, has_reference: bool = False) -> str | None:
    """The intent to use instead of ``intent`` for ``text``, or ``None`` to keep it. A
    message sent to the retrieval from another intent gets the retrieval's own rules too
    (a dated company question goes on to the rollout form)."""
    new = _reroute(intent, text, has_reference)
    if new == RETRIEVAL_INTENT:
        new = _reroute(RETRIEVAL_INTENT, text, has_reference) or RETRIEVAL_INTENT
    return None if new == intent else new


def _reroute(intent: str | None, text: str, has_reference: bool) -> str | None:
    if not intent or not text:
        return None
    folded = fold(text)
    words = _word_count(folded)
    if (
        intent in FOLLOW_UP_REROUTED
        and follow_up_question(text, folded)
        and not other_administration(folded)
    ):
        return RETRIEVAL_INTENT
    if intent == RETRIEVAL_INTENT and not other_administration(folded):
        if HANDOFF_REQUEST.search(folded) and not CONTACT_HOWTO.search(folded):
            return ASK_HUMAN_INTENT
        return ROLLOUT_INTENT if rollout_trigger(text, folded) else None
    if intent == "check_status":
        if has_reference:
            return None
        own = bool(OWN_RECORD.search(folded))
        if own and not GENERAL_QUESTION.search(folded):
            return None
        return RETRIEVAL_INTENT if words >= SHORT_ANSWER_WORDS or not own else None
    if intent in {RETRIEVAL_INTENT, ROLLOUT_INTENT} and other_administration(folded):
        return OUT_OF_SCOPE_INTENT
    if intent == ROLLOUT_INTENT:
        if words < SHORT_ANSWER_WORDS or rollout_form_matter(text, folded):
            return None
        return RETRIEVAL_INTENT
    if intent == "ask_human":
        if HANDOFF_REQUEST.search(folded) or not CONTACT_HOWTO.search(folded):
            return None
        return RETRIEVAL_INTENT
    if intent in SMALLTALK_INTENTS:
        if words >= SMALLTALK_MAX_WORDS and PORTAL_WORDS.search(folded):
            return RETRIEVAL_INTENT
        return None
    if intent == "out_of_scope":
        return RETRIEVAL_INTENT if PORTAL_SUBJECT.search(folded) else None
    return None
