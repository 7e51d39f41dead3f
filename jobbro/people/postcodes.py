"""Danish postcodes and their towns, from a pinned copy of the public list (people/data/postcodes.tsv).

The referral page fills in the town as the postcode is typed, and the server fills it in when the town is left
empty, so a citizen's address always reads "8210 Aarhus V" the same way.
"""

import functools
from pathlib import Path

DATA = Path(__file__).with_name("data") / "postcodes.tsv"


@functools.cache
def towns():
    """{postcode: town} for every Danish postcode in the pinned list."""
    table = {}
    with DATA.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            postcode, town = line.rstrip("\n").split("\t")
            table[postcode] = town
    return table


def town_for(postcode):
    """The town of a Danish postcode ("8210" -> "Aarhus V"), or "" for a postcode not in the list."""
    return towns().get((postcode or "").strip(), "")
