from knowledge_base.lexical import Bm25Index


def test_bm25_scores_normalised_and_ranked() -> None:
    index = Bm25Index([["mot", "passe", "oublier"], ["compte", "siret"], ["portail", "gratuit"]])
    raw, norm = index.scores(["mot", "passe"])
    assert raw.argmax() == 0 and 0.0 < norm[0] <= 1.0 and norm[1] == 0.0


def test_bm25_unknown_terms_lower_the_score() -> None:
    index = Bm25Index([["mot", "passe", "oublier"], ["compte", "siret"]])
    _, known = index.scores(["passe"])
    _, mixed = index.scores(["passe", "passeport", "meteo"])
    assert mixed[0] < known[0] / 2


def test_bm25_save_load_roundtrip(tmp_path) -> None:
    index = Bm25Index([["a1", "b2"], ["c3"]])
    index.save(tmp_path / "lex.json")
    again = Bm25Index.load(tmp_path / "lex.json")
    assert again.documents == index.documents
