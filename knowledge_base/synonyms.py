"""A small domain lexicon for the lexical side: folded lemmas that mean the same thing here.

Two kinds of entries, written from the portal's vocabulary (guides, FAQ) and everyday
French, never from evaluation questions:

- :data:`EQUIVALENTS`: words used interchangeably (« gasoil » / « gazole », « mail » /
  « courriel »); every word of a group is replaced by the group's first word, in the
  indexed rows and in the query alike;
- :data:`RELATED`: one-way hints from a word users type to the word the content uses
  for the same question (« payant » → « gratuit », « dimanche » → « 24 »): the query
  term also matches the related words, at :data:`RELATED_WEIGHT` of their score.

All entries are folded lemmas (lower case, no accents), as produced by
:func:`knowledge_base.text.lemmas`.
"""

from __future__ import annotations

from collections.abc import Iterable

RELATED_WEIGHT = 0.7

EQUIVALENTS: tuple[tuple[str, ...], ...] = (
    ("gazole", "gasoil", "gazoil", "gas-oil"),
    ("courriel", "mail", "email", "mel", "e-mail", "emel"),
    ("identifiant", "login", "log", "username"),
    ("connecter", "loguer", "logger"),
    ("rib", "iban"),
    ("nir", "secu"),
    ("tablette", "ipad"),
    ("ordinateur", "ordi", "pc"),
    ("telephone", "smartphone", "portable", "mobile", "iphone", "android"),
    ("bug", "beug", "bogue", "plantage", "planter", "buguer", "beuguer"),
    ("paiement", "payer", "virement", "regler", "reglement", "remunerer", "remuneration"),
    ("siret", "siren"),
    ("demateriali", "dematerialise", "dematerialiser", "dematerialisation"),
    ("ticgn", "tic"),
    ("expert", "expertise"),
    ("interprete", "traducteur", "interpretariat", "traduction"),
    ("ferie", "feries"),
    ("weekend", "week"),
)

RELATED: dict[str, tuple[str, ...]] = {
    # Price of the portal: the content says « gratuit ».
    "payant": ("gratuit",),
    "tarif": ("gratuit",),
    "prix": ("gratuit",),
    "cout": ("gratuit",),
    "couter": ("gratuit",),
    "abonnement": ("gratuit",),
    # Opening hours: the content says « 24 h/24 », « 7 j/7 », « accessible ».
    "horaire": ("24", "accessible"),
    "heure": ("24", "accessible"),
    "ouvert": ("24", "accessible"),
    "ferme": ("24", "accessible"),
    "dimanche": ("24", "weekend"),
    "samedi": ("24", "weekend"),
    "nuit": ("24", "soir"),
    "ferie": ("24", "weekend"),
    "weekend": ("24",),
    # Devices.
    "telephone": ("appareil", "tablette"),
    "ordinateur": ("appareil",),
    "tablette": ("appareil",),
    # The TIC/TICGN refund is a tax on fuels used by farms.
    "gazole": ("tic",),
    "fioul": ("tic",),
    "carburant": ("tic", "gazole"),
    "tracteur": ("tic", "agricole"),
    "agriculteur": ("exploitant", "agricole"),
    "exploitation": ("agricole",),
    # Passwords and access.
    "bloque": ("verrouille", "bloquer"),
    # Invoices and justice fees.
    "facture": ("facturation",),
    "note": ("memoire",),
    "honoraire": ("memoire", "frais"),
    "tribunal": ("juridiction",),
    "greffe": ("juridiction",),
    "cour": ("juridiction",),
    "parquet": ("juridiction", "prescripteur"),
    # Help.
    "aide": ("support", "assistance"),
    "contacter": ("support",),
    "joindre": ("support", "contacter"),
    "statut": ("suivi", "etat"),
    "etat": ("statut", "suivi"),
}

_CANONICAL: dict[str, str] = {word: group[0] for group in EQUIVALENTS for word in group}


def canonical(term: str) -> str:
    """The group representative of ``term`` (``term`` itself when it has no equivalent)."""
    return _CANONICAL.get(term, term)


def canonical_terms(terms: Iterable[str]) -> list[str]:
    """:func:`canonical` of every term, order kept."""
    return [canonical(t) for t in terms]


def related(term: str) -> tuple[str, ...]:
    """The canonical related words of the canonical ``term`` (possibly none)."""
    out = []
    for word in RELATED.get(term, ()):
        word = canonical(word)
        if word != term and word not in out:
            out.append(word)
    return tuple(out)
