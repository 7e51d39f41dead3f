"""Imports in the browser, for coordinators and administrators: upload, dry run, then the real run.

Both runs go through imports.runner in a background thread (so a large file does not hold the request),
writing their progress to a small file next to the stored upload; the page polls it every second with
HTMX and reloads when the run is finished. Everyone else gets 404, like a page that does not exist.
"""

import hashlib
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jobbro.accounts import access
from jobbro.accounts.models import Role
from jobbro.imports import runner, schemas
from jobbro.imports.forms import ImportForm
from jobbro.imports.models import ImportRun

log = logging.getLogger(__name__)
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


def may_import(user):
    return user.is_authenticated and (user.role == Role.COORDINATOR or access.is_admin(user))


def _require(user):
    if not may_import(user):
        raise Http404


def storage_dir():
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_for(user):
    if access.is_admin(user):
        return ImportRun.objects.all()
    return ImportRun.objects.filter(Q(user=user) | Q(programme__in=access.visible_programmes(user)))


# --- Running in the background ---------------------------------------------------------------------


def progress_path(pk):
    return storage_dir() / f"run-{pk}.progress"


def write_progress(pk, done, total):
    path = progress_path(pk)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(f"{done} {total}")
    os.replace(temporary, path)


def read_progress(pk):
    try:
        done, total = progress_path(pk).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return 0, 0


def _work(pk, language, threaded):
    try:
        with translation.override(language):
            import_run = ImportRun.objects.get(pk=pk)
            data = (storage_dir() / import_run.stored_as).read_bytes()
            runner.execute(import_run, [(import_run.file_name, data)], kind=import_run.kind or None,
                           progress=lambda done, total: write_progress(pk, done, total))
    except Exception:
        log.exception("Import %s failed", pk)
    finally:
        progress_path(pk).unlink(missing_ok=True)
        if threaded:
            connections.close_all()


def start(import_run):
    """Run the import in a thread (settings.IMPORTS_IN_BACKGROUND, on by default) or right here."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if getattr(settings, "IMPORTS_IN_BACKGROUND", True):
        threading.Thread(target=_work, args=(import_run.pk, language, True), daemon=True, name=f"import-{import_run.pk}").start()
    else:
        _work(import_run.pk, language, False)


# --- Pages -------------------------------------------------------------------------------------------


@login_required
def import_list(request):
    _require(request.user)
    runs = runs_for(request.user).select_related("user", "programme")[:100]
    return render(request, "imports/list.html", {"runs": runs, "sheets": schemas.SHEETS})


@login_required
def import_new(request):
    _require(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        sha = digest.hexdigest()
        stored_as = f"{sha}{Path(upload.name).suffix.lower()}"
        target = storage_dir() / stored_as
        if not target.exists():
            with open(target, "wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
        import_run = ImportRun.objects.create(
            user=request.user, programme=form.cleaned_data["programme"], file_name=Path(upload.name).name[:255],
            file_sha256=sha, stored_as=stored_as, kind=form.cleaned_data["kind"], dry_run=True,
        )
        start(import_run)
        return redirect("import_detail", pk=import_run.pk)
    return render(request, "imports/new.html", {"form": form, "sheets": schemas.SHEETS})


def _run_or_404(request, pk):
    _require(request.user)
    return get_object_or_404(runs_for(request.user), pk=pk)


def _context(import_run):
    done, total = read_progress(import_run.pk)
    sheets = [{"kind": kind, "title": schemas.BY_KIND[kind].title, **numbers}
              for kind, numbers in import_run.counts.items() if kind in schemas.BY_KIND]
    history = {HISTORY_LABELS.get(k, k): v for k, v in import_run.counts.get("_history", {}).items() if v}
    later = ImportRun.objects.filter(file_sha256=import_run.file_sha256, dry_run=False, created_at__gte=import_run.created_at)
    return {
        "run": import_run, "done": done, "total": total or import_run.total_rows, "sheets": sheets, "history": history,
        "rejected": import_run.rejected[:1000], "more_rejected": max(0, len(import_run.rejected) - 1000),
        "totals": import_run.totals(), "notes": import_run.counts.get("_notes", []),
        "may_confirm": import_run.dry_run and import_run.status == ImportRun.Status.DONE and not later.exists(),
    }


@login_required
def import_detail(request, pk):
    import_run = _run_or_404(request, pk)
    return render(request, "imports/detail.html", _context(import_run))


@login_required
def import_progress(request, pk):
    """The polled part of the page; when the run is finished the page reloads to show the result."""
    import_run = _run_or_404(request, pk)
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
    if not _context(dry)["may_confirm"]:
        messages.error(request, _("Only a dry run without rejected rows can be imported."))
        return redirect("import_detail", pk=dry.pk)
    import_run = ImportRun.objects.create(
        user=request.user, programme=dry.programme, file_name=dry.file_name, file_sha256=dry.file_sha256,
        stored_as=dry.stored_as, kind=dry.kind, dry_run=False,
    )
    start(import_run)
    return redirect("import_detail", pk=import_run.pk)


@login_required
def import_template(request, kind):
    _require(request.user)
    sheet = schemas.BY_KIND.get(kind)
    if sheet is None:
        raise Http404
    response = HttpResponse(schemas.template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="jobbro-{kind}.xlsx"'
    return response
