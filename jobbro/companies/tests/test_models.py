"""Companies in the network: CVR and industry codes are validated, openings are kept within their rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from jobbro.companies.models import Company, NetworkAgreement, Opening, validate_cvr
from jobbro.conftest import make_company, make_cvr, make_opening

pytestmark = pytest.mark.django_db


def checksum_ok(number):
    return sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2, 1), number, strict=True)) % 11 == 0


@pytest.mark.parametrize("number", ["13585628", "10150817"])
def test_a_cvr_number_with_a_valid_check_digit_is_accepted(number):
    assert checksum_ok(number)
    validate_cvr(number)


@pytest.mark.parametrize("number", ["13585627", "1358562", "135856288", "ABCDEFGH", "03585628", ""])
def test_a_cvr_number_with_a_wrong_check_digit_length_or_characters_is_refused(number):
    with pytest.raises(ValidationError):
        validate_cvr(number)


def test_the_test_helpers_make_valid_distinct_cvr_numbers():
    numbers = [make_cvr() for _ in range(50)]
    assert len(set(numbers)) == 50
    for number in numbers:
        validate_cvr(number)


def test_a_company_is_validated_for_its_cvr_and_industry_code():
    company = Company(cvr="13585627", name="Forkert ApS", industry_code="999999", kind=Company.Kind.PRIVATE)
    with pytest.raises(ValidationError) as caught:
        company.full_clean()
    assert set(caught.value.message_dict) == {"cvr", "industry_code"}
    company.cvr, company.industry_code = make_cvr(), "561010"
    company.full_clean()
    assert company.industry_title == "Restauranter"


def test_the_cvr_number_is_unique(programme):
    company = make_company("Først")
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(cvr=company.cvr, name="Anden", industry_code="561010", kind=Company.Kind.PRIVATE)


def test_only_social_economic_enterprises_are_social_economic():
    kinds = {kind: make_company(f"Firma {kind}", kind).is_social_economic for kind in Company.Kind.values}
    assert kinds == {kind: kind == Company.Kind.SOCIAL_ECONOMIC for kind in Company.Kind.values}


def test_a_network_agreement_cannot_end_before_it_was_signed(company, programme):
    agreement = NetworkAgreement(
        company=company, programme=programme, signed_on=datetime.date(2025, 2, 1), ended_on=datetime.date(2025, 1, 31)
    )
    with pytest.raises(ValidationError) as caught:
        agreement.full_clean()
    assert "ended_on" in caught.value.message_dict


def test_open_means_neither_filled_nor_closed(company, programme):
    wanted = make_opening(company, programme, "Opvasker")
    make_opening(company, programme, "Besat", status=Opening.Status.FILLED)
    make_opening(company, programme, "Lukket", status=Opening.Status.CLOSED)
    assert list(Opening.objects.open()) == [wanted]


def test_days_and_requirements_read_as_labels_and_unknown_codes_pass_through(company, programme):
    opening = make_opening(
        company, programme, "Lager", days=("mon", "fri", "xyz"), requirements=["heavy_lifting", "juggling"]
    )
    with translation.override("en"):
        assert opening.day_labels() == ["Monday", "Friday", "xyz"]
        assert opening.requirement_labels() == ["Heavy lifting", "juggling"]


def test_the_database_keeps_opening_hours_between_0_and_60(company, programme):
    for hours in (61, -1):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_opening(company, programme, f"{hours} timer", weekly_hours=hours)
    assert make_opening(company, programme, "60 timer", weekly_hours=60).pk


def test_an_external_id_is_unique_within_a_programme_but_blank_ids_may_repeat(company, programme, other_programme):
    make_opening(company, programme, "A", external_id="SJ-1")
    make_opening(company, other_programme, "B", external_id="SJ-1")
    make_opening(company, programme, "C")
    make_opening(company, programme, "D")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_opening(company, programme, "E", external_id="SJ-1")
    assert Opening.objects.filter(programme=programme).count() == 3
