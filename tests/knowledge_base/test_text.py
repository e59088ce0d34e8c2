from knowledge_base.text import expand_abbreviations, fold, lemmas, simple_tokens, strip_elisions


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("Élément PRÊT à ÉMETTRE ç") == "element pret a emettre c"


def test_strip_elisions_removes_articles() -> None:
    assert strip_elisions("l’avoir et qu'il j'ai").split() == ["avoir", "et", "il", "ai"]


def test_expand_abbreviations_mdp() -> None:
    assert expand_abbreviations("MDP perdu") == "mot de passe perdu"


def test_lemmas_drop_stop_words_and_fold() -> None:
    tokens = lemmas("J'ai oublié mon mot de passe pour les mémoires")
    assert "oublier" in tokens and "memoire" in tokens
    assert "mon" not in tokens and "les" not in tokens


def test_simple_tokens_no_spacy() -> None:
    assert simple_tokens("L'État, 2017 !") == ["etat", "2017"]


def test_lemmas_keep_avoir_as_a_noun() -> None:
    assert "avoir" in lemmas("Puis-je envoyer un avoir par le portail ?")
    assert "avoir" in lemmas("les avoirs de la mairie")
    assert "avoir" not in lemmas("je dois avoir un compte")
