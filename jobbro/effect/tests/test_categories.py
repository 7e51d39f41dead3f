"""The benefit-code categories and the shipped default mapping (jobbro/effect/categories.py)."""

from django.utils import translation

from jobbro.effect import categories


def test_the_categories_are_the_contracts_twelve():
    assert categories.CATEGORY_CODES == (
        "self_sufficient",
        "education",
        "ordinary_job_with_supplement",
        "unemployment_benefit",
        "cash_benefit",
        "activation",
        "sickness",
        "flex_job",
        "resource_course",
        "leave",
        "pension",
        "other",
    )


def test_self_sufficient_means_no_benefit_or_only_education():
    assert categories.SELF_SUFFICIENT == {"self_sufficient", "education"}
    assert categories.is_self_sufficient("education")
    assert categories.is_self_sufficient(categories.SELF_SUFFICIENT_WEEK)
    assert not any(categories.is_self_sufficient(c) for c in categories.CATEGORY_CODES[2:])


def test_the_default_mapping_is_well_formed_and_has_a_source():
    assert categories.mapping_errors(categories.DEFAULT_MAPPING) == []
    codes = categories.codes_of(categories.DEFAULT_MAPPING)
    assert {code: codes[code] for code in ("111", "121", "651", "652", "661", "783", "881", "890")} == {
        "111": "unemployment_benefit",
        "121": "self_sufficient",
        "651": "education",
        "652": "education",
        "661": "education",
        "783": "pension",
        "881": "self_sufficient",
        "890": "sickness",
    }
    # The published mapping's health-related codes are benefit weeks: never self-sufficient.
    assert {codes[code] for code in categories.PUBLISHED_HEALTH_CODES} == {"other"}
    assert codes[categories.EVERY_OTHER_CODE] == "other"  # the published rule: all other codes are a benefit
    assert len(codes) == len(categories.DEFAULT_MAPPING) == 8 + 26 + 1
    assert all(label.strip() for _code, _category, label in categories.DEFAULT_MAPPING)
    assert "DREAM" in categories.SOURCE and "2015" in categories.SOURCE
    assert "10.1186/s12889-023-15106-y" in categories.SOURCE


def test_the_category_labels_are_danish():
    with translation.override("da"):
        labels = {code: str(label) for code, label in categories.CATEGORIES}
    assert labels["self_sufficient"] == "Selvforsørget (ingen ydelse)"
    assert labels["education"] == "Uddannelse (SU)"
    assert labels["sickness"] == "Sygedagpenge"
    assert labels["resource_course"] == "Ressourceforløb eller jobafklaringsforløb"
    assert labels["pension"] == "Pension eller efterløn"


def test_a_bad_mapping_is_refused_with_danish_reasons():
    rows = [
        ("111", "unemployment_benefit", "Dagpenge"),
        ("111", "sickness", "Sygedagpenge"),
        ("8 9", "sickness", "Sygedagpenge"),
        ("999", "holiday", "Ferie"),
        ("998", "other", " "),
    ]
    with translation.override("da"):
        errors = categories.mapping_errors(rows)
    assert errors == [
        "Ydelseskoden 111 står der mere end én gang.",
        "Ydelseskoden '8 9' skal være 1 til 10 bogstaver eller cifre.",
        "Ydelseskoden 999 har en ukendt kategori 'holiday'.",
        "Ydelseskoden 998 har ingen tekst.",
    ]


def test_the_catch_all_code_may_not_be_self_sufficient():
    from django.utils import translation

    rows = [("111", "unemployment_benefit", "Dagpenge"), ("*", "self_sufficient", "Alt andet")]
    with translation.override("da"):
        assert categories.mapping_errors(rows) == [
            "Enhver anden kode (*) skal være en kategori på ydelse, ikke en selvforsørgende."
        ]
    assert categories.mapping_errors([("*", "other", "Alt andet")]) == []
