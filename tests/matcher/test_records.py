"""Ids and the small record helpers every write uses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matcher.store.records import _ID_ALPHABET, new_id


@given(prefix=st.sampled_from(["j", "o", "once:", ""]), n=st.integers(min_value=1, max_value=24))
def test_new_id_is_the_prefix_and_n_characters_of_the_alphabet(prefix: str, n: int) -> None:
    made = new_id(prefix, n)
    assert made.startswith(prefix)
    assert len(made) == len(prefix) + n
    assert set(made[len(prefix) :]) <= set(_ID_ALPHABET)


def test_new_ids_spread_over_the_alphabet_and_do_not_repeat() -> None:
    ids = [new_id("", 10) for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    # Every character at every position turns up (31 letters, 20,000 draws each).
    for position in range(10):
        assert {i[position] for i in ids} == set(_ID_ALPHABET)
