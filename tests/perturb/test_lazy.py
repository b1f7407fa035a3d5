from instructprobe.perturb.lazy import standalone_module
from instructprobe.perturb.text import NEGATION_CUES, stopwords


def test_a_missing_package_or_file_is_none():
    assert standalone_module("no_such_package_here", "x.py") is None
    assert standalone_module("sklearn", "no/such/file.py") is None


def test_the_stopword_list_is_scikit_learns_less_the_negation_cues():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert stopwords() == frozenset(ENGLISH_STOP_WORDS) - NEGATION_CUES
    assert "not" not in stopwords() and "the" in stopwords()


def test_reading_the_stopwords_does_not_import_scikit_learn(fresh_python):
    script = (
        "import sys\nfrom perturb.text import stopwords\n"
        "stopwords()\nprint('sklearn' in sys.modules)"
    )
    assert fresh_python(script) == "False"
