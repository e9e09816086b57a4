from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from capsante.accounts import access
from capsante.jobs import services as jobs
from capsante.jobs.models import JobStatus

from . import tasks
from .forms import UploadForm
from .models import ImportRecord
from .services import (
    KEEP_CHECKED_HOURS,
    NEVER_KEPT,
    TABLE_TITLES,
    confirm_dry_run,
    import_for_user,
    imports_for_user,
    job_for_user,
    jobs_for_user,
    kept_file,
    known_sources,
    latest_job,
    purge_kept_files,
    save_upload,
)


@login_required
def import_list(request):
    records = imports_for_user(request.user).select_related("user")
    source = request.GET.get("source", "")
    if source:
        records = records.filter(source=source)
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/list.html",
        {
            "title": "Imports de données",
            "page": page,
            "sources": known_sources(),
            "source": source,
            "source_label": dict(known_sources()).get(source, ""),
            "can_upload": access.can_administer(request.user),
            "can_see_jobs": access.can_administer(request.user),
            "breadcrumb": [("Imports de données", None)],
        },
    )


@login_required
def import_detail(request, pk: int):
    record = import_for_user(request.user, pk)
    job = latest_job(record)
    return render(
        request,
        "imports/detail.html",
        {
            "title": f"Import n° {record.pk}",
            "record": record,
            "job": job,
            "can_retry": job is not None and _retryable(request.user, job),
            "can_see_jobs": access.can_administer(request.user),
            "can_confirm": kept_file(record) is not None and record.user_id == request.user.pk,
            "send_again": record.dry_run and record.source in NEVER_KEPT,
            "keep_hours": KEEP_CHECKED_HOURS,
            "tables": [
                (TABLE_TITLES.get(name, name), counts)
                for name, counts in (record.tables or {}).items()
            ],
            "breadcrumb": [
                ("Imports de données", reverse("imports:list")),
                (f"Import n° {record.pk}", None),
            ],
        },
    )


@login_required
def import_status(request, pk: int):
    record = import_for_user(request.user, pk)
    job = latest_job(record)
    return JsonResponse(
        {
            "job": job.pk if job else None,
            "job_status": job.status if job else None,
            "status": record.status,
            "status_label": record.get_status_display(),
            "finished": record.finished,
            "step": record.progress_step,
            "percent": record.progress_percent,
            "summary": record.summary(),
            "message": record.message,
        }
    )


@login_required
def upload(request):
    access.require(
        access.can_administer(request.user),
        "Seuls les administrateurs régionaux déposent des fichiers.",
    )
    purge_kept_files()
    initial = {"source": request.GET.get("source", "")}
    form = UploadForm(
        request.POST or None, request.FILES or None, sources=known_sources(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        safe_name = Path(upload.name).name
        path = save_upload(upload)
        options = {
            k: form.cleaned_data[k]
            for k in (
                "finess_et",
                "period",
                "survey",
                "mapping",
                "full_extract",
                "confirm_removals",
            )
            if form.cleaned_data.get(k)
        }
        try:
            # The record and its job together: recovery never meets a queued import without
            # its job. The worker runs it; the page follows its progress.
            with transaction.atomic():
                record = ImportRecord.objects.create(
                    source=form.cleaned_data["source"],
                    file_name=safe_name,
                    user=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    options=options,
                )
                tasks.enqueue_upload(record, path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return redirect("imports:detail", pk=record.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "title": "Déposer un fichier",
            "form": form,
            "breadcrumb": [
                ("Imports de données", reverse("imports:list")),
                ("Déposer un fichier", None),
            ],
        },
    )


def _retryable(user, job) -> bool:
    return (
        job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED)
        and access.can_administer(user)
        and not job.retries.exists()
    )


@login_required
def job_list(request):
    """Travaux en cours: what runs, waits or failed in the background, for admins."""
    access.require(
        access.can_administer(request.user),
        "Seuls les administrateurs suivent les travaux en arrière-plan.",
    )
    visible = jobs_for_user(request.user).select_related("user", "retry_of")
    state = request.GET.get("etat", "")
    filters = {
        "actifs": {"status__in": (JobStatus.QUEUED, JobStatus.RUNNING)},
        "echecs": {"status__in": (JobStatus.FAILED, JobStatus.INTERRUPTED)},
    }
    if state in filters:
        visible = visible.filter(**filters[state])
    page = Paginator(visible, 50).get_page(request.GET.get("page"))
    retried = set(
        jobs_for_user(request.user)
        .filter(retry_of__in=[j.pk for j in page])
        .values_list("retry_of", flat=True)
    )
    rows = [
        {
            "job": j,
            "kind": jobs.kind_label(j.kind),
            "record": j.subject.partition(":")[2] if j.subject.startswith("import:") else "",
            "retryable": j.status in (JobStatus.FAILED, JobStatus.INTERRUPTED)
            and j.pk not in retried,
        }
        for j in page
    ]
    return render(
        request,
        "imports/jobs.html",
        {
            "title": "Travaux en cours",
            "page": page,
            "rows": rows,
            "state": state,
            "active": any(j.status in (JobStatus.QUEUED, JobStatus.RUNNING) for j in page),
            "breadcrumb": [
                ("Imports de données", reverse("imports:list")),
                ("Travaux en cours", None),
            ],
        },
    )


@login_required
@require_POST
def job_retry(request, pk: int):
    job = job_for_user(request.user, pk)
    access.require(
        access.can_administer(request.user), "Seuls les administrateurs relancent un travail."
    )
    try:
        with transaction.atomic():
            again = jobs.retry(job, request.user)
    except jobs.CannotRetry as refusal:
        messages.error(request, str(refusal))
        back = _record_url(job) if request.POST.get("retour") == "import" else ""
        return redirect(back or "imports:jobs")
    messages.success(request, f"Travail relancé : {again.label} (travail n° {again.pk}).")
    if again.subject.startswith("import:") and again.kind == "import":
        return redirect("imports:detail", pk=int(again.subject.partition(":")[2]))
    return redirect("imports:jobs")


def _record_url(job) -> str:
    kind, _, pk = job.subject.partition(":")
    return reverse("imports:detail", args=[int(pk)]) if kind == "import" and pk.isdigit() else ""


@login_required
@require_POST
def confirm(request, pk: int):
    """Import, for real, the file a dry run checked: no need to send it again."""
    record = import_for_user(request.user, pk)
    try:
        confirmed, path = confirm_dry_run(request.user, record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("imports:detail", pk=record.pk)
    with transaction.atomic():
        tasks.enqueue_upload(confirmed, path)
    messages.success(
        request,
        f"Import confirmé : le fichier vérifié par la simulation n° {record.pk} est importé.",
    )
    return redirect("imports:detail", pk=confirmed.pk)
