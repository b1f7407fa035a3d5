from instructprobe.perturb.text import NEGATION_CUES, stopwords


def test_the_stopword_list_is_the_glasgow_list_less_the_negation_cues():
    # 318 words as scikit-learn ships them; "no", "nor", "not", "never", "none", "nothing",
    # "nobody", "nowhere" and "cannot" among them are negation cues, which must be kept.
    assert len(stopwords() | (NEGATION_CUES & _listed())) == 318
    assert "not" not in stopwords() and "never" not in stopwords()
    assert {"the", "about", "yourselves", "amoungst"} <= stopwords()


def _listed() -> frozenset[str]:
    from importlib.resources import files

    text = (files("instructprobe.perturb") / "data" / "english_stopwords.txt").read_text()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def test_reading_the_stopwords_imports_no_heavy_library(fresh_python):
    script = (
        "import sys\nfrom instructprobe.perturb.text import stopwords\n"
        "stopwords()\nprint(sorted({'sklearn', 'nltk', 'torch'} & set(sys.modules)))"
    )
    assert fresh_python(script) == "[]"
