from knowledge_base.lexical import Bm25Index
from knowledge_base.synonyms import EQUIVALENTS, RELATED, RELATED_WEIGHT, canonical, related


def test_canonical_merges_equivalents() -> None:
    assert canonical("gasoil") == canonical("gazole") == "gazole"
    assert canonical("mail") == "courriel" and canonical("portail") == "portail"


def test_related_returns_canonical_hints() -> None:
    assert related("payant") == ("gratuit",)
    assert related("portail") == ()


def test_lexicon_entries_are_folded_and_unique() -> None:
    words = [w for group in EQUIVALENTS for w in group]
    assert len(words) == len(set(words))
    assert all(w == w.lower() and w.isascii() for w in [*words, *RELATED])


def test_bm25_equivalent_words_match() -> None:
    index = Bm25Index([["remboursement", "gazole"], ["compte", "siret"]])
    raw, norm = index.scores(["gasoil"])
    assert raw[0] > 0 and norm[0] == norm.max() and norm[1] == 0.0


def test_bm25_related_word_scores_less_than_itself() -> None:
    index = Bm25Index([["portail", "gratuit"], ["compte", "siret"], ["payant", "option"]])
    _, hinted = index.scores(["payant"])
    assert hinted[2] > hinted[0] > 0.0
    _, direct = index.scores(["gratuit"])
    assert abs(hinted[0] - RELATED_WEIGHT * direct[0]) < 1e-6


def test_bm25_normalised_score_never_exceeds_one() -> None:
    index = Bm25Index([["gratuit", "24", "accessible"], ["compte"]])
    _, norm = index.scores(["payant", "horaire", "gratuit"])
    assert 0.0 < norm[0] <= 1.0
