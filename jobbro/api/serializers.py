"""What the API shows of each record and what it takes to write one.

The output serializers only read. The input serializers check the shape of a request (types, lengths, choices, and
that every record named is one the service user reaches: an unknown id and one out of reach are refused alike); the
write itself is always the pages' own action (views.py), never serializer.save().
Free text a role may not read stays out: a contact's note needs READ_NOTES, the full birth date SEE_BIRTH_DATE.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jobbro.accounts import access
from jobbro.accounts.models import Programme, Site, User
from jobbro.accounts.policy import Capability, may
from jobbro.cases.models import (
    Contact,
    Enrolment,
    LegalBasis,
    Placement,
    PlacementEndReason,
    PlacementKind,
    Step,
    Timesheet,
)
from jobbro.companies.models import Company, CompanyContact, Opening, Requirement, Weekday
from jobbro.days import today
from jobbro.people import cpr
from jobbro.people.models import Citizen, TrafficLight

# The choice sets the schema names (settings.SPECTACULAR_SETTINGS ENUM_NAME_OVERRIDES): two models call theirs Kind.
CONTACT_KINDS = Contact.Kind.choices
COMPANY_KINDS = Company.Kind.choices


def _user(serializer):
    return serializer.context["request"].user


# --- Reading ------------------------------------------------------------------------------------------------------


class RecordSerializer(serializers.ModelSerializer):
    """A record as read: every field read-only, and the schema saying which may be empty or null (DRF leaves that out
    of read-only fields, and a blank choice or a null date must still match the published schema)."""

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if model_field.choices and model_field.blank:
            field_kwargs["allow_blank"] = True
        if model_field.null:
            field_kwargs["allow_null"] = True
        return field_class, field_kwargs

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        blank = kwargs.get("allow_blank")
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank:  # DRF drops it from read-only fields
            kwargs["allow_blank"] = True
        return kwargs

    def build_relational_field(self, field_name, relation_info):
        field_class, field_kwargs = super().build_relational_field(field_name, relation_info)
        if relation_info.model_field is not None and relation_info.model_field.null:
            field_kwargs["allow_null"] = True
        return field_class, field_kwargs


class CitizenSerializer(RecordSerializer):
    age = serializers.SerializerMethodField()
    birth_date = serializers.SerializerMethodField()
    target_groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    email = serializers.CharField(read_only=True, help_text="An e-mail address, or empty.")

    class Meta:
        model = Citizen
        fields = [
            "id",
            "first_name",
            "last_name",
            "sex",
            "age",
            "birth_date",
            "traffic_light",
            "phone",
            "email",
            "address",
            "postcode",
            "city",
            "origin_group",
            "benefit_type",
            "housing_area",
            "lives_in_vulnerable_housing_area",
            "has_social_free_card",
            "match_category",
            "target_groups",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_age(self, citizen):
        return cpr.age(citizen.birth_date, today())

    @extend_schema_field(serializers.DateField(allow_null=True, help_text="Only for roles that see birth dates."))
    def get_birth_date(self, citizen):
        return citizen.birth_date.isoformat() if may(_user(self), Capability.SEE_BIRTH_DATE) else None


class StepChangeSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices, read_only=True)
    changed_on = serializers.DateField(read_only=True)


class EnrolmentSerializer(RecordSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "citizen",
            "programme",
            "site",
            "job_broker",
            "caseworker",
            "mentor",
            "referred_on",
            "started_on",
            "ended_on",
            "current_step",
            "traffic_light_at_referral",
            "estimated_weekly_hours",
            "external_id",
            "steps",
        ]
        read_only_fields = fields

    @extend_schema_field(StepChangeSerializer(many=True))
    def get_steps(self, enrolment):
        changes = sorted(enrolment.step_changes.all(), key=lambda change: (change.changed_on, change.pk))
        return StepChangeSerializer(changes, many=True).data


class PlacementSerializer(RecordSerializer):
    citizen = serializers.IntegerField(source="enrolment.citizen_id", read_only=True)

    class Meta:
        model = Placement
        fields = [
            "id",
            "enrolment",
            "citizen",
            "company",
            "opening",
            "kind",
            "legal_basis",
            "starts_on",
            "planned_end_on",
            "ended_on",
            "purpose",
            "agreed_ordinary_hours",
            "agreed_internship_hours",
            "ordinary_hours_condition",
            "no_hours_reason",
            "buddy",
            "end_reason",
            "external_id",
        ]
        read_only_fields = fields


class TimesheetSerializer(RecordSerializer):
    citizen = serializers.IntegerField(source="placement.enrolment.citizen_id", read_only=True)
    iso_week = serializers.CharField(read_only=True)

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "placement",
            "citizen",
            "week_start",
            "iso_week",
            "ordinary_hours",
            "internship_hours",
            "subsidised_hours",
            "registered_at",
            "company_confirmed_at",
        ]
        read_only_fields = fields


class ContactSerializer(RecordSerializer):
    citizen = serializers.IntegerField(source="enrolment.citizen_id", read_only=True)
    note = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "enrolment", "citizen", "kind", "occurred_on", "company", "note", "external_id"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Only for roles that read case notes."))
    def get_note(self, contact):
        return contact.note if may(_user(self), Capability.READ_NOTES) else None


class CompanySerializer(RecordSerializer):
    class Meta:
        model = Company
        fields = ["id", "cvr", "name", "industry_code", "kind", "address", "postcode", "city"]
        read_only_fields = fields


class OpeningSerializer(RecordSerializer):
    days = serializers.ListField(child=serializers.ChoiceField(choices=Weekday.choices), read_only=True)
    requirements = serializers.ListField(child=serializers.ChoiceField(choices=Requirement.choices), read_only=True)

    class Meta:
        model = Opening
        fields = [
            "id",
            "company",
            "programme",
            "title",
            "tasks",
            "occupation_code",
            "weekly_hours",
            "days",
            "requirements",
            "danish_level_required",
            "buddy",
            "capacity",
            "status",
            "posted_on",
            "filled_on",
            "closed_on",
            "external_id",
        ]
        read_only_fields = fields


class ReportEntrySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()


class ReportCellSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["empty", "count", "measure", "share", "scored", "withheld", "text"],
        help_text="What the cell holds: a count, a measure (hours, days, a score), a share (part of whole), a figure "
        "scored against a success criterion (with a traffic light), a figure withheld to protect small groups.",
    )
    value = serializers.CharField(
        allow_null=True, help_text="The figure as a decimal string (a count, a measure, or a share's percent)."
    )
    part = serializers.IntegerField(allow_null=True, required=False)
    whole = serializers.IntegerField(allow_null=True, required=False)
    light = serializers.CharField(allow_null=True, required=False)
    text = serializers.CharField(help_text="The cell as the page shows it.")


class ReportRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    cells = ReportCellSerializer(many=True)


class ReportTableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    first_column_label = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = ReportRowSerializer(many=True)
    note = serializers.CharField()


class ReportScopeSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    sites = serializers.ListField(child=serializers.IntegerField())
    on = serializers.DateField()


class ReportSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    scope = ReportScopeSerializer()
    tables = ReportTableSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.CharField())


class RevealedCprSerializer(serializers.Serializer):
    citizen = serializers.IntegerField()
    cpr_number = serializers.CharField(help_text="Ten digits, as DDMMYY-NNNN.")


# --- Writing: the shape of a request; the pages' actions do the rest ------------------------------------------------


class ScopedField(serializers.PrimaryKeyRelatedField):
    """An id of a record the service user reaches; `reach(user)` gives the queryset. Unknown and out of reach alike
    are "does not exist"."""

    def __init__(self, reach, **kwargs):
        self.reach = reach
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.reach(self.context["request"].user)


def _staff(user):
    return User.objects.filter(is_active=True, memberships__programme__in=access.visible_programmes(user)).distinct()


def _programmes(user):
    return access.visible_programmes(user)


def _sites(user):
    return access.visible_sites(user)


def _enrolments(user):
    return access.scope_enrolments(Enrolment.objects.all(), user)


def _placements(user):
    return Placement.objects.filter(enrolment__in=_enrolments(user))


def _companies(user):
    return Company.objects.all() if may(user, Capability.SEE_COMPANIES) else Company.objects.none()


def _company_contacts(user):
    return CompanyContact.objects.filter(company__in=_companies(user))


def _openings(user):
    if not may(user, Capability.SEE_COMPANIES):
        return Opening.objects.none()
    return Opening.objects.filter(programme__in=access.visible_programmes(user))


HOURS = {"max_digits": 4, "decimal_places": 1}


class ReferSerializer(serializers.Serializer):
    programme = ScopedField(_programmes, queryset=Programme.objects.none())
    site = ScopedField(_sites, queryset=Site.objects.none())
    cpr_number = serializers.CharField(max_length=11, write_only=True, help_text=_("Ten digits, with or without -."))
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    referred_on = serializers.DateField()
    started_on = serializers.DateField(
        required=False, allow_null=True, help_text="The start form's date; the referral date when left out."
    )
    traffic_light = serializers.ChoiceField(choices=TrafficLight.choices)
    estimated_weekly_hours = serializers.DecimalField(**HOURS, required=False, allow_null=True)
    job_broker = ScopedField(_staff, queryset=User.objects.none(), required=False, allow_null=True)
    caseworker = ScopedField(_staff, queryset=User.objects.none(), required=False, allow_null=True)


class FindByCprSerializer(serializers.Serializer):
    cpr_number = serializers.CharField(max_length=11, write_only=True)


# The steps a case can be moved to; it ends with the end form (the enrolment page's own action), not by a step.
STEPS_TO_CHOOSE = [(step.value, step.label) for step in Step if step != Step.ENDED]


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=STEPS_TO_CHOOSE)
    on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ContactCreateSerializer(serializers.Serializer):
    enrolment = ScopedField(_enrolments, queryset=Enrolment.objects.none())
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    occurred_on = serializers.DateField()
    company = ScopedField(_companies, queryset=Company.objects.none(), required=False, allow_null=True)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class PlacementCreateSerializer(serializers.Serializer):
    enrolment = ScopedField(_enrolments, queryset=Enrolment.objects.none())
    company = ScopedField(_companies, queryset=Company.objects.none())
    kind = serializers.ChoiceField(choices=PlacementKind.choices)
    starts_on = serializers.DateField()
    planned_end_on = serializers.DateField(required=False, allow_null=True)
    opening = ScopedField(_openings, queryset=Opening.objects.none(), required=False, allow_null=True)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, required=False, allow_blank=True, default="")
    purpose = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    agreed_ordinary_hours = serializers.DecimalField(**HOURS, required=False, allow_null=True)
    agreed_internship_hours = serializers.DecimalField(**HOURS, required=False, allow_null=True)
    ordinary_hours_condition = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    no_hours_reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    buddy = ScopedField(_company_contacts, queryset=CompanyContact.objects.none(), required=False, allow_null=True)


class PlacementEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=PlacementEndReason.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    back_to_step_2 = serializers.BooleanField(required=False, default=True)


class HoursSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="Any day of the week; the week's Monday is kept.")
    ordinary_hours = serializers.DecimalField(**HOURS)
    internship_hours = serializers.DecimalField(**HOURS, required=False, default=0)
    subsidised_hours = serializers.DecimalField(**HOURS, required=False, allow_null=True, default=None)


class CompanyCreateSerializer(serializers.Serializer):
    cvr = serializers.CharField(max_length=10)
    name = serializers.CharField(max_length=200)
    industry_code = serializers.CharField(max_length=6, help_text="DB07")
    kind = serializers.ChoiceField(choices=Company.Kind.choices)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class OpeningCreateSerializer(serializers.Serializer):
    company = ScopedField(_companies, queryset=Company.objects.none())
    programme = ScopedField(_programmes, queryset=Programme.objects.none())
    title = serializers.CharField(max_length=200)
    tasks = serializers.CharField(max_length=4000)
    weekly_hours = serializers.DecimalField(**HOURS)
    posted_on = serializers.DateField()
    days = serializers.ListField(child=serializers.ChoiceField(choices=Weekday.choices), required=False, default=list)
    requirements = serializers.ListField(
        child=serializers.ChoiceField(choices=Requirement.choices), required=False, default=list
    )
    occupation_code = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    danish_level_required = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)
    buddy = ScopedField(_company_contacts, queryset=CompanyContact.objects.none(), required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1, max_value=32767, required=False, default=1)
    external_id = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
