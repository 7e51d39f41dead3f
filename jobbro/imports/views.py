"""Imports in the browser, for coordinators and administrators: upload, dry run, then the real run.

The upload is stored encrypted (imports/storage.py) and both runs are queued for a worker (imports/tasks.py),
which writes the run's progress and heartbeat to its row; the page polls it every second with HTMX while the run
is waiting or running, and reloads when it has finished. A run whose worker is gone is marked failed when its page
is viewed. Everyone else gets 404, like a page that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.filenames import file_name
from jobbro.imports import schemas, storage, tasks
from jobbro.imports.forms import ImportForm
from jobbro.imports.models import ImportRun

HISTORY_LABELS = {
    "network_agreements": gettext_lazy("network agreements"),
    "traffic_light_changes": gettext_lazy("traffic-light changes"),
    "step_changes": gettext_lazy("step changes"),
    "assignment_changes": gettext_lazy("changes of contact person"),
    "agreed_hours_changes": gettext_lazy("agreements on hours"),
    "current_steps_followed": gettext_lazy("current steps set from the history"),
    "traffic_lights_followed": gettext_lazy("current traffic lights set from the history"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(user):
    if not may(user, Capability.IMPORT):
        raise Http404


def runs_for(user):
    if access.sees_everything(user):
        return ImportRun.objects.all()
    return ImportRun.objects.filter(Q(user=user) | Q(programme__in=access.visible_programmes(user)))


# --- Pages -------------------------------------------------------------------------------------------


@login_required
def import_list(request):
    _require(request.user)
    runs = runs_for(request.user).select_related("user", "programme")[:100]
    return render(request, "imports/list.html", {"runs": runs, "sheets": schemas.sheets_for(request.user)})


@login_required
def import_new(request):
    _require(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():  # the file, the run and its task are there together, or none of them
            stored = storage.store(upload.name, upload.chunks())
            import_run = ImportRun.objects.create(
                user=request.user,
                programme=form.cleaned_data["programme"],
                file_name=stored.name,
                file_sha256=stored.sha256,
                kind=form.cleaned_data["kind"],
                dry_run=True,
            )
            import_run.uploads.add(stored)
            tasks.enqueue(import_run)
        return redirect("import_detail", pk=import_run.pk)
    return render(request, "imports/new.html", {"form": form, "sheets": schemas.sheets_for(request.user)})


def _run_or_404(request, pk):
    _require(request.user)
    return get_object_or_404(runs_for(request.user), pk=pk)


def _may_confirm(import_run):
    """A clean dry run may be imported while its file is kept and no real import of the file has run since
    (a failed one does not count: its dry run may be imported again)."""
    if not (import_run.dry_run and import_run.status == ImportRun.Status.DONE and import_run.uploads.exists()):
        return False
    later = ImportRun.objects.filter(
        file_sha256=import_run.file_sha256, dry_run=False, created_at__gte=import_run.created_at
    )
    return not later.exclude(status=ImportRun.Status.FAILED).exists()


def _context(import_run):
    sheets = [
        {"kind": kind, "title": schemas.BY_KIND[kind].title, **numbers}
        for kind, numbers in import_run.counts.items()
        if kind in schemas.BY_KIND
    ]
    history = {HISTORY_LABELS.get(k, k): v for k, v in import_run.counts.get("_history", {}).items() if v}
    return {
        "run": import_run,
        "done": import_run.rows_done,
        "total": import_run.total_rows,
        "sheets": sheets,
        "history": history,
        "rejected": import_run.rejected[:1000],
        "more_rejected": max(0, len(import_run.rejected) - 1000),
        "totals": import_run.totals(),
        "notes": import_run.counts.get("_notes", []),
        "may_confirm": _may_confirm(import_run),
        "file_kept": import_run.uploads.exists(),
    }


@login_required
def import_detail(request, pk):
    import_run = _run_or_404(request, pk)
    tasks.fail_if_lost(import_run)
    return render(request, "imports/detail.html", _context(import_run))


@login_required
def import_progress(request, pk):
    """The polled part of the page; when the run is finished the page reloads to show the result."""
    import_run = _run_or_404(request, pk)
    tasks.fail_if_lost(import_run)
    if import_run.is_finished:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/detail.html#progress", _context(import_run))


@login_required
@require_POST
def import_confirm(request, pk):
    """The real run, after a clean dry run of the same file."""
    dry = _run_or_404(request, pk)
    if not _may_confirm(dry):
        messages.error(request, _("Only a dry run without rejected rows can be imported."))
        return redirect("import_detail", pk=dry.pk)
    with transaction.atomic():
        import_run = ImportRun.objects.create(
            user=request.user,
            programme=dry.programme,
            file_name=dry.file_name,
            file_sha256=dry.file_sha256,
            kind=dry.kind,
            dry_run=False,
        )
        import_run.uploads.set(dry.uploads.all())
        tasks.enqueue(import_run)
    return redirect("import_detail", pk=import_run.pk)


@login_required
def import_template(request, kind):
    _require(request.user)
    sheet = schemas.BY_KIND.get(kind)
    if sheet is None:
        raise Http404
    response = HttpResponse(schemas.template_workbook(kind), content_type=XLSX)
    # The template is named after its sheet, which is Danish like its headers: jobbro-borgere.xlsx.
    response["Content-Disposition"] = f'attachment; filename="{file_name(f"jobbro {sheet.da}", "xlsx")}"'
    return response
