"""The search endpoints behind the searchable fields (jobbro/pickers.py): a short list of matches for what was typed.

Each answers only from what the user may see, as the forms' own querysets do: companies to those who may see
companies, staff only of the user's own programmes (all for those who see everything). A user who may not use the
endpoint gets 404, as for any page; an empty or missing text gets an empty list.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Value, When
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.forms import UserPickerField
from jobbro.accounts.models import Membership, User
from jobbro.accounts.policy import Capability, may, roles_with
from jobbro.companies.models import Company, NetworkAgreement
from jobbro.pickers import MATCHES_SHOWN, CompanyPickerField, StaffPickerField, search

# What ?role= may ask for: the staff who can hold that place on a case.
STAFF_ROLES = {
    "job_broker": Capability.ACT_AS_JOB_BROKER,
    "caseworker": Capability.ACT_AS_CASEWORKER,
    "colleague": Capability.READ_CITIZEN,  # staff who may be present at a contact about a citizen
}


def _text(request):
    return request.GET.get("q", "").strip()[: textlimits.SEARCH]


def _answer(rows, field):
    rows = list(rows[: MATCHES_SHOWN + 1])
    return JsonResponse(
        {
            "results": [
                {"id": row.pk, "text": field.text_from_instance(row), "label": field.label_from_instance(row)}
                for row in rows[:MATCHES_SHOWN]
            ],
            "more": len(rows) > MATCHES_SHOWN,
        }
    )


@require_GET
@login_required
def pick_companies(request):
    """Companies by name, CVR number or city; with ?programme=<id> (one the user sees), its network first."""
    if not may(request.user, Capability.SEE_COMPANIES):
        raise Http404
    text = _text(request)
    if not text:
        return JsonResponse({"results": [], "more": False})
    companies = Company.objects.all()
    programme = access.visible_programmes(request.user).filter(pk=_int(request.GET.get("programme"))).first()
    order = ["name", "pk"]
    if programme is not None:
        network = NetworkAgreement.objects.filter(company=OuterRef("pk"), programme=programme)
        companies = companies.annotate(in_network=Exists(network))
        order = ["-in_network", *order]
    return _answer(search(companies, CompanyPickerField.search_fields, text).order_by(*order), _COMPANY)


@require_GET
@login_required
def pick_staff(request):
    """Staff of the user's programmes who can be a case's job broker or caseworker, or be present at a contact
    (?role=), active unless ?all=1."""
    if not may(request.user, Capability.READ_CITIZEN):
        raise Http404
    role = STAFF_ROLES.get(request.GET.get("role", ""))
    text = _text(request)
    if not text or role is None:
        return JsonResponse({"results": [], "more": False})
    programmes = access.visible_programmes(request.user)
    staff = User.objects.filter(role__in=roles_with(role), memberships__programme__in=programmes)
    if request.GET.get("all") != "1":
        staff = staff.filter(is_active=True)
    rows = (
        User.objects.filter(pk__in=staff.values("pk"))
        .annotate(me=Case(When(pk=request.user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(programme__in=programmes).select_related("programme"),
                to_attr="shown_memberships",
            )
        )
        .order_by("me", "first_name", "last_name", "pk")
    )
    labels = _STAFF_OF_PROGRAMMES if programmes.count() > 1 else _STAFF
    return _answer(search(rows, StaffPickerField.search_fields, text), labels)


@require_GET
@login_required
def pick_users(request):
    """Every active staff user, by name or user name, for an administrator giving staff a programme."""
    if not may(request.user, Capability.ADMINISTER):
        raise Http404
    text = _text(request)
    if not text:
        return JsonResponse({"results": [], "more": False})
    users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "pk")
    return _answer(search(users, UserPickerField.search_fields, text), _USER)


class _StaffLabels(StaffPickerField):
    """Name · role, and the programmes when the asking user works in more than one (else they are all the same)."""

    with_programmes = False

    def label_from_instance(self, user):
        label = f"{self.text_from_instance(user)} · {user.get_role_display()}"
        programmes = sorted({m.programme.name for m in getattr(user, "shown_memberships", [])})
        return f"{label} ({', '.join(programmes)})" if self.with_programmes and programmes else label


class _StaffLabelsWithProgrammes(_StaffLabels):
    with_programmes = True


_COMPANY = CompanyPickerField(Company.objects.none(), search_url="pick_companies")
_STAFF = _StaffLabels(User.objects.none(), search_url="pick_staff")
_STAFF_OF_PROGRAMMES = _StaffLabelsWithProgrammes(User.objects.none(), search_url="pick_staff")
_USER = UserPickerField(User.objects.none(), search_url="pick_users")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
