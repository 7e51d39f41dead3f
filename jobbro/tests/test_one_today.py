"""Today has one definition, jobbro/days.py: no other module asks Django or the clock for the date itself."""

import re
from pathlib import Path

import jobbro

ROOT = Path(jobbro.__file__).parent
ASKS_FOR_THE_DATE = re.compile(r"timezone\.localdate\(\)|\bdate\.today\(\)")


def product_modules():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path.name == "conftest.py":
            continue
        yield path


def test_only_jobbro_days_asks_for_todays_date():
    askers = [str(p.relative_to(ROOT)) for p in product_modules() if ASKS_FOR_THE_DATE.search(p.read_text())]
    assert askers == ["days.py"]


def test_the_scan_finds_a_module_that_asks_for_the_date():
    assert ASKS_FOR_THE_DATE.search("on = on or timezone.localdate()")
    assert ASKS_FOR_THE_DATE.search("datetime.date.today()")
    assert not ASKS_FOR_THE_DATE.search("on = on or today()")
