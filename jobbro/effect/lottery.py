"""The lottery's arithmetic, pure: the arm of the n-th draw in a stratum is a function of (seed, stratum, n) only.

Anyone with the seed can re-derive every draw (docs/effect.md shows how). Draws come in permuted blocks per
stratum: block b holds the draws (b * size + 1) … (b + 1) * size; of its positions, the `share * size` with the
smallest keys go to the programme, the rest to the control group, so the arms within a stratum never drift apart
by more than half a block. A position's key is HMAC-SHA256(seed, "<stratum>|<block>|<position>") read as a number
in [0, 1) (the first 8 bytes, big-endian, divided by 2**64); the key of the draw's own position is stored with it.
"""

import hashlib
import hmac

PROGRAMME = "programme"
CONTROL = "control"
SCALE = 2**64


def key(seed, stratum, block, position):
    """The position's random number in [0, 1)."""
    message = f"{stratum}|{block}|{position}".encode()
    digest = hmac.new(seed.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / SCALE


def programme_slots(share, block_size):
    """How many positions of a block go to the programme."""
    return round(share * block_size)


def arm(seed, stratum, n, *, share, block_size):
    """(arm, random number) of the n-th draw (n = 1, 2, …) in the stratum."""
    if n < 1:
        raise ValueError("draws are numbered from 1")
    block, position = divmod(n - 1, block_size)
    keys = [key(seed, stratum, block, p) for p in range(block_size)]
    order = sorted(range(block_size), key=lambda p: (keys[p], p))
    rank = order.index(position)
    return (PROGRAMME if rank < programme_slots(share, block_size) else CONTROL), keys[position]


def stratum_of(site_pk, target_group_codes):
    """The stratum's key: the site and the citizen's target groups (sorted codes; "-" for none)."""
    groups = ",".join(sorted(target_group_codes)) or "-"
    return f"site={site_pk};groups={groups}"
