"""The citizen's rights on pages: export (Eksportér alle oplysninger), legal hold, erasure on request with its
preview and receipt, and the administrators' retention periods, retention preview and list of receipts."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobbro import filenames, textlimits
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.days import today
from jobbro.formtools import DesignSystemForm, dress, run_action
from jobbro.people.access import access_citizen
from jobbro.people.models import Citizen
from jobbro.privacy import actions, erasure, export, export_tasks, receipts, retention
from jobbro.privacy.models import DataExport, ErasureReceipt, LegalHold, RecordKind
from jobbro.privacy.registry import Treatment


class ReasonForm(DesignSystemForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=textlimits.NOTE
    )


class LiftForm(DesignSystemForm):
    lift_reason = forms.CharField(
        label=gettext_lazy("Reason for lifting"), widget=forms.Textarea(attrs={"rows": 3}), max_length=textlimits.NOTE
    )


class ConfirmErasureForm(DesignSystemForm):
    confirmation = forms.CharField(
        label=gettext_lazy("Type SLET to confirm"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class ExportForm(DesignSystemForm):
    reveal_cpr = forms.BooleanField(label=gettext_lazy("Show the CPR number in clear (logged)"), required=False)


def _require(condition):
    if not condition:
        raise Http404


def _plan_rows(lines):
    """The preview's rows: kind, model, rows, what happens, grouped by kind in kind order."""
    labels = dict(RecordKind.choices)
    treatments = dict(Treatment.choices)
    return [
        {
            "kind": labels[line.kind],
            "name": line.entry.verbose_name,
            "rows": line.rows,
            "treatment": line.treatment,
            "treatment_label": treatments[line.treatment],
            "fields": [str(line.entry.model._meta.get_field(name).verbose_name) for name in line.entry.blanked_fields],
            "why": line.entry.why,
        }
        for line in lines
    ]


def _exports_context(user, citizen):
    """The user's own exports of the citizen (nobody else's: each is for the user who asked for it), newest first;
    runs whose worker is gone are marked failed first."""
    exports = list(DataExport.objects.filter(citizen=citizen, requested_by=user).defer("content")[:20])
    for data_export in exports:
        if export_tasks.fail_if_lost(data_export):
            data_export.refresh_from_db()
    now = timezone.now()
    ready = set(
        DataExport.objects.filter(pk__in=[e.pk for e in exports], content__isnull=False).values_list("pk", flat=True)
    )
    for data_export in exports:
        data_export.downloadable = data_export.pk in ready and data_export.expires_at > now
    return {
        "citizen": citizen,
        "exports": exports,
        "working": any(e.status in export_tasks.ACTIVE for e in exports),
        "days": settings.PRIVACY_EXPORT_DAYS,
    }


@login_required
@logs_citizen_read
def privacy_export(request, citizen_pk):
    """Ask for the export (prepared by the task worker); the page lists the user's exports of the citizen with their
    status, polled while one is being prepared, and a download link for each that is ready."""
    _require(may(request.user, Capability.EXPORT_CITIZEN_DATA))
    citizen = access_citizen(request.user, citizen_pk)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_export(
                acting_user=request.user, citizen=citizen, reveal_cpr=form.cleaned_data["reveal_cpr"]
            )
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("The export is being prepared. It can be downloaded here when it is ready."))
        return redirect("privacy_export", citizen_pk=citizen.pk)
    return render(
        request,
        "privacy/export.html",
        {
            "form": form,
            "may_reveal": may(request.user, Capability.REVEAL_CPR),
            **_exports_context(request.user, citizen),
        },
    )


@login_required
@logs_citizen_read
def privacy_export_runs(request, citizen_pk):
    """The polled list of the user's exports of the citizen (it stops polling when none is being prepared)."""
    _require(may(request.user, Capability.EXPORT_CITIZEN_DATA))
    citizen = access_citizen(request.user, citizen_pk)
    return render(request, "privacy/export.html#exports", _exports_context(request.user, citizen))


@login_required
@logs_citizen_read
def privacy_export_download(request, citizen_pk):
    """The ZIP of a ready export (?export=<number>, else the newest ready one), only for the user who asked for it:
    anyone else gets 404."""
    _require(may(request.user, Capability.EXPORT_CITIZEN_DATA))
    citizen = access_citizen(request.user, citizen_pk)
    number = request.GET.get("export", "")
    try:
        _data_export, content = actions.downloadable_export(
            acting_user=request.user, citizen=citizen, pk=int(number) if number.isdigit() else None
        )
    except PermissionDenied:
        raise Http404 from None
    return filenames.download(content, "application/zip", export.file_name(citizen))


@login_required
@logs_citizen_read
def privacy_legal_hold(request, citizen_pk):
    """The holds' history for all who see the citizen (their reasons under the note rule); setting and lifting for
    who may."""
    citizen = access_citizen(request.user, citizen_pk)
    _require(request.method != "POST" or may(request.user, Capability.SET_LEGAL_HOLD))
    hold = actions.active_hold(citizen)
    set_form = ReasonForm(request.POST if request.method == "POST" and hold is None else None)
    lift_form = LiftForm(request.POST if request.method == "POST" and hold is not None else None)
    if request.method == "POST":
        form = lift_form if hold is not None else set_form
        if form.is_valid():
            if hold is not None:
                done = run_action(
                    form,
                    actions.lift_legal_hold,
                    acting_user=request.user,
                    citizen=citizen,
                    reason=form.cleaned_data["lift_reason"],
                )
            else:
                done = run_action(
                    form,
                    actions.set_legal_hold,
                    acting_user=request.user,
                    citizen=citizen,
                    reason=form.cleaned_data["reason"],
                )
            if done is not None:
                messages.success(request, _("The legal hold was lifted.") if hold else _("The legal hold was set."))
                return redirect("privacy_legal_hold", citizen_pk=citizen.pk)
    return render(
        request,
        "privacy/legal_hold.html",
        {
            "citizen": citizen,
            "hold": hold,
            "set_form": set_form,
            "lift_form": lift_form,
            "history": LegalHold.objects.filter(citizen=citizen).select_related("set_by", "lifted_by"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@logs_citizen_read
def privacy_erase(request, citizen_pk):
    _require(may(request.user, Capability.ERASE_CITIZEN_DATA))
    citizen = access_citizen(request.user, citizen_pk)
    form = ConfirmErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        receipt = run_action(
            form,
            actions.erase_on_request,
            acting_user=request.user,
            citizen=citizen,
            confirmation=form.cleaned_data["confirmation"],
        )
        if receipt is not None:
            messages.success(request, _("The citizen's data was erased."))
            return redirect("privacy_receipt", pk=receipt.pk)
    lines = [] if citizen.is_erased else erasure.plan(citizen.pk)
    return render(
        request,
        "privacy/erase.html",
        {
            "citizen": citizen,
            "form": form,
            "refusal": actions.refusal(citizen),
            "rows": _plan_rows(lines),
            "word": actions.CONFIRMATION_WORD,
            "receipts": ErasureReceipt.objects.filter(citizen=citizen),
        },
        status=400 if request.method == "POST" else 200,
    )


def _receipt_for(user, pk):
    """A receipt, for a user who may erase and sees its citizen (administrators see all); else 404."""
    _require(may(user, Capability.ERASE_CITIZEN_DATA))
    receipt = get_object_or_404(ErasureReceipt.objects.select_related("erased_by"), pk=pk)
    _require(Citizen.objects.filter(pk=receipt.citizen_id).each_visible_to(user).exists())
    return receipt


@login_required
def privacy_receipt(request, pk):
    receipt = _receipt_for(request.user, pk)
    return render(request, "privacy/receipt.html", {"receipt": receipt, **receipts.context(receipt)})


@login_required
def privacy_receipt_pdf(request, pk):
    receipt = _receipt_for(request.user, pk)
    return filenames.download(receipts.render_pdf(receipt), "application/pdf", receipts.file_name(receipt))


@login_required
def privacy_receipts(request):
    _require(may(request.user, Capability.MANAGE_RETENTION))
    rows = ErasureReceipt.objects.select_related("erased_by").order_by("-erased_at", "-pk")[:500]
    return render(request, "privacy/receipts.html", {"receipts": rows})


class PeriodsForm(DesignSystemForm):
    def __init__(self, *args, initial_months, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in RecordKind.choices:
            self.fields[kind] = forms.IntegerField(
                label=label, min_value=1, max_value=actions.MAX_MONTHS, initial=initial_months[kind]
            )
        dress(self.fields)


PREVIEW_CITIZENS = 100


@login_required
def privacy_retention(request):
    _require(may(request.user, Capability.MANAGE_RETENTION))
    current = retention.periods()
    form = PeriodsForm(request.POST if request.method == "POST" else None, initial_months=current)
    if request.method == "POST" and form.is_valid():
        changed = run_action(form, actions.set_retention_periods, acting_user=request.user, months=form.cleaned_data)
        if changed is not None:
            messages.success(request, _("The retention periods were saved."))
            return redirect("privacy_retention")
    on = today()
    schedule = retention.schedule(on, within_days=retention.SOON_DAYS)
    labels = dict(RecordKind.choices)
    per_kind = {kind: {"now": 0, "soon": 0} for kind in RecordKind.values}
    for due in schedule:
        if due.held:
            continue
        for kind, due_on in due.kinds.items():
            per_kind[kind]["now" if due_on <= on else "soon"] += 1
    shown = schedule[:PREVIEW_CITIZENS]
    names = {}
    if may(request.user, Capability.READ_CITIZEN):  # names only for roles that see named citizens, within scope
        visible = Citizen.objects.filter(pk__in=[due.citizen_pk for due in shown]).each_visible_to(request.user)
        names = {pk: f"{first} {last}" for pk, first, last in visible.values_list("pk", "first_name", "last_name")}
    citizens = [
        {
            "pk": due.citizen_pk,
            "name": names.get(due.citizen_pk, ""),
            "exit_on": due.exit_on,
            "held": due.held,
            "now": [labels[kind] for kind, due_on in due.kinds.items() if due_on <= on],
            "soon": [(labels[kind], due_on) for kind, due_on in due.kinds.items() if due_on > on],
            "complete": due.complete,
        }
        for due in shown
    ]
    return render(
        request,
        "privacy/retention.html",
        {
            "form": form,
            "kinds": [
                {
                    "label": labels[kind],
                    "months": current[kind],
                    "default": retention.DEFAULT_MONTHS[kind],
                    **per_kind[kind],
                }
                for kind in RecordKind.values
            ],
            "citizens": citizens,
            "more": max(0, len(schedule) - len(shown)),
            "soon_days": retention.SOON_DAYS,
            "applies": settings.RETENTION_APPLY,
        },
        status=400 if request.method == "POST" else 200,
    )
