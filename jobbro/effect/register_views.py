"""The effect evaluation's set-up pages: a programme's trial design (administrators), its register data (imports of
Statistics Denmark's deliveries, project keys and the CPR linkage list) and the benefit-code mapping.

Who may open what is the page table in accounts/policy.py (PAGES): the trial design needs SET_TRIAL_DESIGN, the
register data and the mapping MANAGE_REGISTER_DATA (administrators and evaluators), the keys and the CPR list also
EXPORT_LINKAGE_LIST (administrators). A programme outside the user's memberships answers 404, like one that does
not exist. The register data is pseudonymous: these pages show no citizen's name or CPR number; the CPR list is a
download, posted, never a page or an address.
"""

import csv
import io
from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jobbro import filenames
from jobbro.accounts.models import Programme, Site
from jobbro.accounts.policy import Capability, may
from jobbro.days import today
from jobbro.effect import actions, panels, tasks
from jobbro.effect.models import BenefitMapping, LotteryDraw, ProjectKey, RegisterImport, TrialDesign
from jobbro.formtools import DesignSystemForm, add_action_errors, run_action
from jobbro.spreadsheets import safe_cell


def _need(request, capability):
    if not may(request.user, capability):
        raise Http404


def _register_programme(request, programme_pk):
    _need(request, Capability.MANAGE_REGISTER_DATA)
    return get_object_or_404(actions.register_programmes(request.user), pk=programme_pk)


def _design_programme(request, programme_pk):
    _need(request, Capability.SET_TRIAL_DESIGN)
    return get_object_or_404(Programme, pk=programme_pk)


# --- The programmes ---------------------------------------------------------------------------------------------


@login_required
def programmes(request):
    """The programmes whose evaluation the user sets up: links to each one's trial design and register data."""
    _need(request, Capability.MANAGE_REGISTER_DATA)
    listed = actions.register_programmes(request.user).order_by("name")
    designs = dict(TrialDesign.objects.filter(programme__in=listed).values_list("programme_id", "kind"))
    kinds = dict(TrialDesign.Kind.choices)
    rows = [
        {"programme": programme, "design": kinds[designs.get(programme.pk, TrialDesign.Kind.NONE)]}
        for programme in listed
    ]
    return render(request, "effect/programmes.html", {"rows": rows})


# --- The trial design -----------------------------------------------------------------------------------------


class TrialDesignForm(DesignSystemForm):
    kind = forms.ChoiceField(label=gettext_lazy("Trial design"), choices=TrialDesign.Kind.choices)
    programme_share = forms.DecimalField(
        label=gettext_lazy("Share drawn to the programme group"),
        min_value=0.01,
        max_value=0.99,
        decimal_places=2,
        localize=True,
        help_text=gettext_lazy("A lottery only. Written as 0,50 for half."),
    )
    block_size = forms.TypedChoiceField(
        label=gettext_lazy("Block size"),
        choices=[(2, "2"), (4, "4")],
        coerce=int,
        help_text=gettext_lazy("A lottery only: within each stratum the draws come in blocks of this size."),
    )


def _stratum_label(stratum, sites, groups):
    """'site=12;groups=frikort,under-30' as 'Aarhus Kommune · Socialt frikort, Unge under 30'."""
    parts = dict(part.split("=", 1) for part in stratum.split(";") if "=" in part)
    site = sites.get(parts.get("site", ""), parts.get("site", ""))
    codes = [code for code in parts.get("groups", "-").split(",") if code and code != "-"]
    return site, ", ".join(groups.get(code, code) for code in codes) or "–"


def _draw_table(design):
    """Draws per stratum and group: [{site, groups, programme, control}] and the totals."""
    if design is None:
        return [], {"programme": 0, "control": 0}
    counts = defaultdict(lambda: {"programme": 0, "control": 0})
    for stratum, arm, n in (
        LotteryDraw.objects.filter(design=design).values_list("stratum", "arm").annotate(n=Count("pk")).order_by()
    ):
        counts[stratum][arm] = n
    sites = {str(pk): name for pk, name in Site.objects.filter(programme=design.programme).values_list("pk", "name")}
    groups = dict(design.programme.target_groups.values_list("code", "name"))
    rows = []
    for stratum in sorted(counts):
        site, group_names = _stratum_label(stratum, sites, groups)
        rows.append({"site": site, "groups": group_names, **counts[stratum]})
    totals = {arm: sum(row[arm] for row in rows) for arm in ("programme", "control")}
    return rows, totals


def _trial_design_page(request, programme, form=None, *, seed=None, status=200):
    design = TrialDesign.objects.filter(programme=programme).first()
    fixed = design is not None and design.draws.exists()
    if form is None:
        initial = {"kind": TrialDesign.Kind.NONE, "programme_share": "0.50", "block_size": 4}
        if design is not None:
            initial = {"kind": design.kind, "programme_share": design.programme_share, "block_size": design.block_size}
        form = TrialDesignForm(initial=initial)
    if fixed:
        for field in form.fields.values():
            field.disabled = True
    rows, totals = _draw_table(design)
    response = render(
        request,
        "effect/trial_design.html",
        {
            "programme": programme,
            "design": design,
            "fixed": fixed,
            "form": form,
            "rows": rows,
            "totals": totals,
            "seed": seed,
        },
        status=status,
    )
    if seed is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def trial_design(request, programme_pk):
    programme = _design_programme(request, programme_pk)
    if request.method != "POST":
        return _trial_design_page(request, programme)
    form = TrialDesignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        design = run_action(
            form,
            actions.set_trial_design,
            acting_user=request.user,
            programme=programme,
            kind=data["kind"],
            programme_share=data["programme_share"],
            block_size=data["block_size"],
        )
        if design is not None:
            messages.success(request, _("The trial design is saved."))
            return redirect("effect_trial_design", programme_pk=programme.pk)
    return _trial_design_page(request, programme, form, status=400)


@login_required
@require_POST
@never_cache
def show_seed(request, programme_pk):
    """The seed, on the page that answers this post only (never in an address, the change log says who saw it)."""
    programme = _design_programme(request, programme_pk)
    design = TrialDesign.objects.filter(programme=programme).first()
    if design is None:
        messages.error(request, _("The programme has no trial design yet, so there is no seed."))
        return redirect("effect_trial_design", programme_pk=programme.pk)
    seed = actions.show_seed(acting_user=request.user, design=design)
    return _trial_design_page(request, programme, seed=seed)


# --- Register data -----------------------------------------------------------------------------------------


class RegisterFileForm(DesignSystemForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of file"), choices=RegisterImport.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File from Statistics Denmark"),
        help_text=gettext_lazy(
            "CSV (separated by ; or ,, UTF-8, with a header) or Parquet; project keys, no CPR numbers."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.parquet"}),
    )


def _panel_counts(programme):
    """The current generation of the programme's panels and the rows of each kind's file in it."""
    directory = actions.register_directory(programme)
    try:
        path = panels.generation_path(directory)
    except (OSError, ValueError):
        path = None
    if path is None:
        return None
    import pyarrow.parquet as pq

    kinds = []
    for kind, label in RegisterImport.Kind.choices:
        file = path / f"{kind}.parquet"
        kinds.append(
            {"kind": kind, "label": label, "rows": pq.ParquetFile(file).metadata.num_rows if file.exists() else None}
        )
    return {"generation": path.name, "kinds": kinds}


def _register_page(request, programme, form=None, *, status=200):
    imports = RegisterImport.objects.filter(programme=programme).select_related("created_by")[:50]
    design = TrialDesign.objects.filter(programme=programme).first()
    context = {
        "programme": programme,
        "design_label": (design.get_kind_display() if design else TrialDesign.Kind.NONE.label),
        "form": form or RegisterFileForm(),
        "imports": imports,
        "running": any(item.state in (RegisterImport.State.QUEUED, RegisterImport.State.RUNNING) for item in imports),
        "panels": _panel_counts(programme),
        "mapping": actions.current_mapping(),
        "max_mb": actions.UPLOAD_MAX_BYTES // (1024 * 1024),
    }
    if may(request.user, Capability.EXPORT_LINKAGE_LIST):
        context["citizens"] = actions.programme_citizens(programme).count()
        context["keys"] = ProjectKey.objects.filter(programme=programme).count()
    return render(request, "effect/register_data.html", context, status=status)


@login_required
def register_data(request, programme_pk):
    programme = _register_programme(request, programme_pk)
    if request.method != "POST":
        return _register_page(request, programme)
    form = RegisterFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            made = actions.queue_register_import(
                acting_user=request.user,
                programme=programme,
                kind=form.cleaned_data["kind"],
                source=upload,
                file_name=upload.name,
                max_bytes=actions.UPLOAD_MAX_BYTES,
            )
            tasks.queue_on_commit(made)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(
                request,
                _("The file %(file)s is queued for import; the list below shows when it is done.")
                % {"file": made.file_name},
            )
            return redirect("effect_register_data", programme_pk=programme.pk)
    return _register_page(request, programme, form, status=400)


@login_required
@require_POST
def issue_keys(request, programme_pk):
    programme = _register_programme(request, programme_pk)
    _need(request, Capability.EXPORT_LINKAGE_LIST)
    issued, total = actions.issue_project_keys(acting_user=request.user, programme=programme)
    messages.success(
        request,
        _("%(issued)s new project keys issued; %(total)s citizens in the programme have one.")
        % {"issued": issued, "total": total},
    )
    return redirect("effect_register_data", programme_pk=programme.pk)


@login_required
@require_POST
@never_cache
def linkage_list(request, programme_pk):
    """The CPR linkage list as a CSV download (`cpr;project_key`, UTF-8), made in memory, never stored on disk. The
    action logs it: a change-log entry and a CPR-revealed row in the access log per citizen."""
    programme = _register_programme(request, programme_pk)
    _need(request, Capability.EXPORT_LINKAGE_LIST)
    rows = actions.linkage_list(acting_user=request.user, programme=programme)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["cpr", "project_key"])
    for cpr_number, key in rows:
        writer.writerow([safe_cell(cpr_number), safe_cell(key)])
    name = filenames.file_name(f"{_('CPR key list')} {programme.name}", "csv", on=today())
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The benefit-code mapping ----------------------------------------------------------------------------------


class MappingForm(DesignSystemForm):
    source = forms.CharField(
        label=gettext_lazy("Source"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy(
            "Where the codes and their meaning come from, e.g. the DREAM documentation's version and date."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("Codes (CSV)"),
        help_text=gettext_lazy(
            "One line per code: code;category;label, UTF-8, the header line code;category;label optional."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt"}),
    )


MAPPING_MAX_BYTES = 1024 * 1024


def _category_labels():
    from jobbro.effect import categories

    return categories.LABELS


@login_required
def mapping(request):
    _need(request, Capability.MANAGE_REGISTER_DATA)
    form = MappingForm()
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAPPING_MAX_BYTES:
                form.add_error("file", _("The file is bigger than 1 MB; a mapping has at most a few thousand codes."))
            else:
                try:
                    rows = actions.parse_mapping_csv(upload.read())
                except ValidationError as error:
                    add_action_errors(form, error)
                else:
                    made = run_action(
                        form,
                        actions.create_benefit_mapping,
                        acting_user=request.user,
                        rows=rows,
                        source=form.cleaned_data["source"],
                    )
                    if made is not None:
                        messages.success(
                            request, _("Version %(version)s of the mapping is saved.") % {"version": made.version}
                        )
                        return redirect("effect_mapping")
        status = 400
    current = actions.ensure_benefit_mapping()
    labels = _category_labels()
    codes = [
        {
            "code": code.code,
            "category": code.category,
            "category_label": labels.get(code.category, ""),
            "label": code.label,
        }
        for code in current.codes.order_by("code")
    ]
    return render(
        request,
        "effect/mapping.html",
        {
            "form": form,
            "current": current,
            "codes": codes,
            "versions": BenefitMapping.objects.annotate(n=Count("codes")).select_related("created_by"),
            "categories": [code for code, _label in _category_labels().items()],
        },
        status=status,
    )
