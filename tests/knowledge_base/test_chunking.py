from knowledge_base.chunking import extract, plain_text, sentences, windows


def test_plain_text_removes_markdown() -> None:
    text = plain_text("Le **portail** est [gratuit](/x).\n\n- premier point\n- second point")
    assert text == "Le portail est gratuit. premier point. second point."


def test_sentences_keep_abbreviations_whole() -> None:
    parts = sentences("Voir l'ordonnance n° 2014-697. Elle date de 2014. Fin.")
    assert parts == ["Voir l'ordonnance n° 2014-697.", "Elle date de 2014.", "Fin."]


def test_extract_is_short_and_starts_the_text() -> None:
    text = " ".join(f"Phrase numéro {i} qui décrit un point précis du portail." for i in range(20))
    short = extract(text)
    assert len(short) <= 400 and text.startswith(short.rstrip("…"))
    assert short.count(".") <= 3


def test_extract_shortens_a_long_first_sentence() -> None:
    long_sentence = "Mot " * 200 + "fin."
    short = extract(long_sentence)
    assert len(short) <= 400 and short.endswith("…")


def test_windows_overlap() -> None:
    text = "Un. Deux. Trois. Quatre. Cinq."
    assert windows(text, size=3, stride=2) == ["Un. Deux. Trois.", "Trois. Quatre. Cinq."]
