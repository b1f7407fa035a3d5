from instructprobe.perturb import derive_seed, rng_for


def test_streams_depend_only_on_seed_and_keys():
    assert derive_seed(0, "op", "q1") == derive_seed(0, "op", "q1")
    assert derive_seed(0, "op", "q1") != derive_seed(1, "op", "q1")
    assert derive_seed(0, "op", "q1") != derive_seed(0, "op", "q2")
    assert rng_for(3, "x").random() == rng_for(3, "x").random()


def test_keys_are_not_concatenation_ambiguous():
    assert derive_seed(0, "ab", "c") != derive_seed(0, "a", "bc")
