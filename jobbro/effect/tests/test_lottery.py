"""The lottery's arithmetic: every arm is a function of (seed, stratum, n), and permuted blocks keep the arms of a
stratum balanced after any number of draws."""

from hypothesis import given
from hypothesis import strategies as st

from jobbro.effect import lottery

seeds = st.text(alphabet="0123456789abcdef", min_size=8, max_size=64)
strata = st.builds(
    lottery.stratum_of, st.integers(1, 10**6), st.lists(st.sampled_from(["under-30", "frikort", "flex"]), unique=True)
)


@given(seed=seeds, stratum=strata, n=st.integers(1, 500), block_size=st.sampled_from([2, 4]))
def test_the_arm_is_a_pure_function_of_seed_stratum_and_number(seed, stratum, n, block_size):
    first = lottery.arm(seed, stratum, n, share=0.5, block_size=block_size)
    again = lottery.arm(seed, stratum, n, share=0.5, block_size=block_size)
    assert first == again
    assert first[0] in (lottery.PROGRAMME, lottery.CONTROL)
    assert 0 <= first[1] < 1


@given(seed=seeds, stratum=strata, draws=st.integers(1, 200), block_size=st.sampled_from([2, 4]))
def test_within_a_stratum_the_arms_differ_by_at_most_half_a_block(seed, stratum, draws, block_size):
    programme = control = 0
    for n in range(1, draws + 1):
        arm, _ = lottery.arm(seed, stratum, n, share=0.5, block_size=block_size)
        programme += arm == lottery.PROGRAMME
        control += arm == lottery.CONTROL
        assert abs(programme - control) <= block_size // 2
        if n % block_size == 0:
            assert programme == control  # every whole block is exactly half and half


@given(seed=seeds, stratum=strata, blocks=st.integers(1, 30))
def test_a_share_of_three_quarters_puts_three_of_every_four_in_the_programme(seed, stratum, blocks):
    arms = [lottery.arm(seed, stratum, n, share=0.75, block_size=4)[0] for n in range(1, 4 * blocks + 1)]
    assert arms.count(lottery.PROGRAMME) == 3 * blocks


def test_the_order_within_blocks_varies_with_the_seed_and_the_stratum():
    """Not a fixed pattern: over many blocks both orders of a block of two occur, and other seeds give others."""
    stratum = lottery.stratum_of(1, ["under-30"])
    arms = [lottery.arm("a" * 64, stratum, n, share=0.5, block_size=2)[0] for n in range(1, 201)]
    firsts = {arms[i] for i in range(0, 200, 2)}
    assert firsts == {lottery.PROGRAMME, lottery.CONTROL}
    other_seed = [lottery.arm("b" * 64, stratum, n, share=0.5, block_size=2)[0] for n in range(1, 201)]
    other_stratum = [
        lottery.arm("a" * 64, lottery.stratum_of(2, ["under-30"]), n, share=0.5, block_size=2)[0] for n in range(1, 201)
    ]
    assert arms != other_seed
    assert arms != other_stratum


def test_a_stratum_names_its_site_and_sorted_target_groups():
    assert lottery.stratum_of(7, ["frikort", "under-30"]) == "site=7;groups=frikort,under-30"
    assert lottery.stratum_of(7, ["under-30", "frikort"]) == "site=7;groups=frikort,under-30"
    assert lottery.stratum_of(7, []) == "site=7;groups=-"


def test_the_recipe_in_docs_effect_md_gives_the_same_draws():
    """The user guide's code re-derives draws exactly as jobbro draws them."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).resolve().parents[3] / "docs" / "effect.md").read_text()
    recipe = {}
    exec(re.search(r"```python\n(.*?)```", text, re.S).group(1), recipe)  # noqa: S102 - our own documentation
    stratum = lottery.stratum_of(3, ["under-30"])
    for block_size in (2, 4):
        for n in range(1, 41):
            assert recipe["arm"]("ab" * 32, stratum, n, 0.5, block_size) == lottery.arm(
                "ab" * 32, stratum, n, share=0.5, block_size=block_size
            )
