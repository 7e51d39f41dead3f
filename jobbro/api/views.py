"""The JSON API's operations (docs/api.md). Each reads through the who-may-what table and the scoped querysets the
pages use, and writes through the pages' own actions; every citizen shown is in the read-access log.

The service user an integration acts as (request.user) is the acting user: its role and memberships decide what an
operation reaches, the token's scopes (HasScope) which operations it may call at all.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.api import serializers as s
from jobbro.api import sync
from jobbro.api.language import requested_language
from jobbro.api.models import Scope
from jobbro.api.report_json import report_data
from jobbro.audit.log import log_read, log_reads
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, Enrolment, Placement, StepChange, Timesheet
from jobbro.companies import actions as company_actions
from jobbro.companies.models import Company, Opening
from jobbro.people import actions as people_actions
from jobbro.people import cpr
from jobbro.people.models import Citizen
from jobbro.reporting.forms import ScopeForm
from jobbro.reporting.registry import BY_SLUG, REPORTS

CHANGED_SINCE = OpenApiParameter(
    sync.PARAMETER,
    OpenApiTypes.DATETIME,
    description="Only records changed at or after this time (ISO 8601; without an offset: Danish local time).",
)


class ApiViewSet(viewsets.GenericViewSet):
    """What every operation shares: the answer's language, the capability a read needs, the read-access log."""

    scopes = {}
    read_capabilities = ()
    lookup_value_regex = "[0-9]+"
    metadata_class = None  # OPTIONS answers 405: the schema describes the operations
    # The change-log record type whose rows mark a record changed (None: the citizen's case, for citizens).
    change_type = None

    def initial(self, request, *args, **kwargs):
        language = requested_language(request.headers.get("Accept-Language"))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response

    def reach(self):
        """The records the service user reaches (all of them ordered by id); 404 without the capability."""
        user = self.request.user
        if not all(may(user, capability) for capability in self.read_capabilities):
            raise Http404
        return self.base_queryset(user).order_by("pk")

    def get_queryset(self):
        queryset = self.reach()
        if self.action == "list":
            since = sync.parse_changed_since(self.request)
            if since is not None:
                queryset = self.changed(queryset, since)
        return queryset

    def changed(self, queryset, since):
        return sync.changed_records(queryset, self.change_type, since)

    def view_name(self):
        return f"api {self.basename}-{self.action} (integration #{self.request.auth.pk})"

    def citizen_of(self, record):
        return None

    def log_citizens(self, records, status_code=200):
        pks = [pk for pk in (self.citizen_of(record) for record in records) if pk is not None]
        if pks:
            log_reads(user=self.request.user, citizen_pks=pks, view=self.view_name(), status_code=status_code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.log_citizens(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        self.log_citizens([record])
        return Response(self.get_serializer(record).data)

    def written(self, record, code=status.HTTP_200_OK):
        """The answer to a write: the record as it now reads (its citizen logged as read)."""
        record = self.base_queryset(self.request.user).get(pk=record.pk)
        self.log_citizens([record])
        return Response(self.get_serializer(record).data, status=code)


def _scopes(read, **writes):
    return {"list": read, "retrieve": read, **writes}


# --- Citizens -----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Citizens", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One citizen"),
)
class CitizenViewSet(ApiViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Citizen.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.CitizenSerializer
    scopes = _scopes(
        Scope.CITIZENS_READ, create=Scope.CITIZENS_WRITE, reveal_cpr=Scope.CPR_REVEAL, find_by_cpr=Scope.CPR_REVEAL
    )
    read_capabilities = (Capability.READ_CITIZEN,)

    def base_queryset(self, user):
        return Citizen.objects.visible_to(user).prefetch_related("target_groups")

    def changed(self, queryset, since):
        return sync.changed_citizens(queryset, since)

    def citizen_of(self, record):
        return record.pk

    def retrieve(self, request, *args, **kwargs):
        # A miss is logged too, as the citizen pages log it (audit.log.logs_citizen_read).
        try:
            record = self.get_object()
        except Http404:
            log_read(user=request.user, citizen_pk=self._pk(), view=self.view_name(), status_code=404)
            raise
        self.log_citizens([record])
        return Response(self.get_serializer(record).data)

    def _pk(self):
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None

    @extend_schema(
        summary="Refer a citizen (the referral page's action)",
        request=s.ReferSerializer,
        responses={201: s.EnrolmentSerializer},
    )
    def create(self, request):
        data = self._valid(s.ReferSerializer)
        started = {"started_on": data["started_on"]} if "started_on" in data else {}
        enrolment = case_actions.refer_citizen(
            acting_user=request.user,
            programme=data["programme"],
            site=data["site"],
            cpr_number=data["cpr_number"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            referred_on=data["referred_on"],
            traffic_light=data["traffic_light"],
            estimated_weekly_hours=data.get("estimated_weekly_hours"),
            job_broker=data.get("job_broker"),
            caseworker=data.get("caseworker"),
            **started,
        )
        record = _enrolments(request.user).get(pk=enrolment.pk)
        log_read(user=request.user, citizen_pk=enrolment.citizen_id, view=self.view_name(), status_code=201)
        return Response(s.EnrolmentSerializer(record, context=self.get_serializer_context()).data, status=201)

    @extend_schema(
        summary="Reveal the CPR number (logged as the citizen page's reveal)",
        request=None,
        responses={200: s.RevealedCprSerializer},
    )
    @action(detail=True, methods=["post"], url_path="reveal-cpr")
    def reveal_cpr(self, request, pk=None):
        try:
            citizen = self.get_object()
        except Http404:
            log_read(user=request.user, citizen_pk=self._pk(), view=self.view_name(), status_code=404)
            raise
        digits = people_actions.reveal_cpr(acting_user=request.user, citizen=citizen, view=self.view_name())
        return Response({"citizen": citizen.pk, "cpr_number": f"{digits[:6]}-{digits[6:]}"})

    @extend_schema(
        summary="Find a citizen by CPR number (the citizen list's search)",
        request=s.FindByCprSerializer,
        responses={200: s.CitizenSerializer},
    )
    @action(detail=False, methods=["post"], url_path="find-by-cpr")
    def find_by_cpr(self, request):
        if not may(request.user, Capability.REVEAL_CPR):
            raise Http404
        data = self._valid(s.FindByCprSerializer)
        try:
            digits = cpr.validate(data["cpr_number"])
        except DjangoValidationError:  # a malformed number finds no one
            raise Http404 from None
        citizen = self.reach().filter(cpr_hash=cpr.lookup_hash(digits)).first()
        if citizen is None:
            raise Http404
        self.log_citizens([citizen])
        return Response(self.get_serializer(citizen).data)

    def _valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- Enrolments and steps, contacts -------------------------------------------------------------------------------


def _enrolments(user):
    steps = Prefetch("step_changes", queryset=StepChange.objects.order_by("changed_on", "pk"))
    return access.scope_enrolments(Enrolment.objects.all(), user).prefetch_related(steps)


class WritingViewSet(ApiViewSet):
    def valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def target(self):
        """The record named in the address, fetched as a read of it is (404 when out of reach)."""
        return get_object_or_404(self.reach(), pk=self.kwargs["pk"])


@extend_schema_view(
    list=extend_schema(summary="Enrolments (cases) with their steps", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One enrolment"),
)
class EnrolmentViewSet(WritingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Enrolment.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.EnrolmentSerializer
    scopes = _scopes(Scope.CASES_READ, step=Scope.CASES_WRITE)
    read_capabilities = (Capability.READ_CITIZEN,)
    change_type = "enrolment"

    def base_queryset(self, user):
        return _enrolments(user)

    def citizen_of(self, record):
        return record.citizen_id

    @extend_schema(summary="Change the step (the case page's action)", request=s.StepSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        enrolment = self.target()
        data = self.valid(s.StepSerializer)
        case_actions.change_step(
            acting_user=request.user, enrolment=enrolment, step=data["step"], on=data["on"], note=data["note"]
        )
        return self.written(enrolment)


def _in_reach(model_path, user):
    return {f"{model_path}__in": access.scope_enrolments(Enrolment.objects.all(), user)}


@extend_schema_view(
    list=extend_schema(summary="Contacts with the citizen", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One contact"),
)
class ContactViewSet(WritingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Contact.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.ContactSerializer
    scopes = _scopes(Scope.CASES_READ, create=Scope.CASES_WRITE)
    read_capabilities = (Capability.READ_CITIZEN,)
    change_type = "contact"

    def base_queryset(self, user):
        return Contact.objects.filter(**_in_reach("enrolment", user)).select_related("enrolment")

    def citizen_of(self, record):
        return record.enrolment.citizen_id

    @extend_schema(
        summary="Register a contact (the contact page's action)",
        request=s.ContactCreateSerializer,
        responses={201: s.ContactSerializer},
    )
    def create(self, request):
        data = self.valid(s.ContactCreateSerializer)
        contact = case_actions.log_contact(
            acting_user=request.user,
            enrolment=data["enrolment"],
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            note=data["note"],
            company=data.get("company"),
        )
        return self.written(contact, status.HTTP_201_CREATED)


# --- Placements and hours -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Placements", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One placement"),
)
class PlacementViewSet(WritingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Placement.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.PlacementSerializer
    scopes = _scopes(
        Scope.PLACEMENTS_READ, create=Scope.PLACEMENTS_WRITE, end=Scope.PLACEMENTS_WRITE, hours=Scope.HOURS_WRITE
    )
    read_capabilities = (Capability.READ_CITIZEN,)
    change_type = "placement"

    def base_queryset(self, user):
        return Placement.objects.filter(**_in_reach("enrolment", user)).select_related("enrolment")

    def citizen_of(self, record):
        return record.enrolment.citizen_id

    @extend_schema(
        summary="Start a placement (the placement page's action)",
        request=s.PlacementCreateSerializer,
        responses={201: s.PlacementSerializer},
    )
    def create(self, request):
        data = self.valid(s.PlacementCreateSerializer)
        placement = case_actions.start_placement(acting_user=request.user, **data)
        return self.written(placement, status.HTTP_201_CREATED)

    @extend_schema(summary="End a placement (the placement page's action)", request=s.PlacementEndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        placement = self.target()
        data = self.valid(s.PlacementEndSerializer)
        case_actions.end_placement(
            acting_user=request.user,
            placement=placement,
            ended_on=data["ended_on"],
            reason=data["reason"],
            note=data["note"],
            back_to_step_2=data["back_to_step_2"],
        )
        return self.written(placement)

    @extend_schema(
        summary="Register a week's hours (the hours page's action)",
        request=s.HoursSerializer,
        responses={200: s.TimesheetSerializer},
    )
    @action(detail=True, methods=["post"])
    def hours(self, request, pk=None):
        placement = self.target()
        data = self.valid(s.HoursSerializer)
        sheet = case_actions.register_hours(acting_user=request.user, placement=placement, **data)
        sheet = Timesheet.objects.select_related("placement__enrolment").get(pk=sheet.pk)
        log_read(user=request.user, citizen_pk=placement.enrolment.citizen_id, view=self.view_name(), status_code=200)
        return Response(s.TimesheetSerializer(sheet, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="Weekly hours (timesheets)", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One week's hours"),
)
class TimesheetViewSet(ApiViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Timesheet.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.TimesheetSerializer
    scopes = _scopes(Scope.HOURS_READ)
    read_capabilities = (Capability.READ_CITIZEN,)
    change_type = "timesheet"

    def base_queryset(self, user):
        return Timesheet.objects.filter(**_in_reach("placement__enrolment", user)).select_related(
            "placement__enrolment"
        )

    def citizen_of(self, record):
        return record.placement.enrolment.citizen_id


# --- Companies and small jobs -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Companies", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One company"),
)
class CompanyViewSet(WritingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Company.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.CompanySerializer
    scopes = _scopes(Scope.COMPANIES_READ, create=Scope.COMPANIES_WRITE)
    read_capabilities = (Capability.SEE_COMPANIES,)
    change_type = "company"

    def base_queryset(self, user):
        return Company.objects.all()

    @extend_schema(
        summary="Create a company (the company page's action)",
        request=s.CompanyCreateSerializer,
        responses={201: s.CompanySerializer},
    )
    def create(self, request):
        data = self.valid(s.CompanyCreateSerializer)
        company = company_actions.create_company(acting_user=request.user, **data)
        return self.written(company, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Small jobs (openings) of the programmes' boards", parameters=[CHANGED_SINCE]),
    retrieve=extend_schema(summary="One small job"),
)
class OpeningViewSet(WritingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Opening.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.OpeningSerializer
    scopes = _scopes(Scope.COMPANIES_READ, create=Scope.COMPANIES_WRITE)
    read_capabilities = (Capability.SEE_COMPANIES,)
    change_type = "opening"

    def base_queryset(self, user):
        return Opening.objects.filter(programme__in=access.visible_programmes(user))

    @extend_schema(
        summary="Post a small job (the company page's action)",
        request=s.OpeningCreateSerializer,
        responses={201: s.OpeningSerializer},
    )
    def create(self, request):
        data = self.valid(s.OpeningCreateSerializer)
        opening = company_actions.add_opening(acting_user=request.user, **data)
        return self.written(opening, status.HTTP_201_CREATED)


# --- Reports ------------------------------------------------------------------------------------------------------

REPORT_SCOPE = [
    OpenApiParameter("programme", OpenApiTypes.INT, description="The programme; the first one you see if left out."),
    OpenApiParameter("site", OpenApiTypes.INT, description="One site of the programme; all you see if left out."),
    OpenApiParameter("on", OpenApiTypes.DATE, description="The as-of date; today if left out."),
]


class ReportViewSet(ApiViewSet):
    scopes = {"list": Scope.REPORTS_READ, "retrieve": Scope.REPORTS_READ}
    read_capabilities = (Capability.READ_ALL_REPORTS,)
    lookup_field = "slug"
    lookup_value_regex = "[a-z-]+"
    pagination_class = None

    def get_serializer_class(self):
        return s.ReportSerializer if self.action == "retrieve" else s.ReportEntrySerializer

    def _gate(self):
        if not may(self.request.user, Capability.READ_ALL_REPORTS):
            raise Http404

    @extend_schema(summary="The reports", responses={200: s.ReportEntrySerializer(many=True)})
    def list(self, request):
        self._gate()
        return Response([{"slug": e.slug, "title": str(e.title), "summary": str(e.summary)} for e in REPORTS])

    @extend_schema(
        summary="A report's figures (the same as the report page's)",
        parameters=REPORT_SCOPE,
        responses={200: s.ReportSerializer},
    )
    def retrieve(self, request, slug=None):
        self._gate()
        entry = BY_SLUG.get(slug)
        if entry is None:
            raise Http404
        form = ScopeForm(request.user, {key: request.query_params.get(key) for key in ("programme", "site", "on")})
        if not form.is_valid():
            raise exceptions.ValidationError({field: list(errors) for field, errors in form.errors.items()})
        return Response(report_data(entry, entry.build(form.scope())))
