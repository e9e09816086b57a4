import threading
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import close_old_connections
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from capsante.accounts import access

from .forms import UploadForm
from .models import ImportRecord
from .services import (
    NEVER_KEPT,
    TABLE_TITLES,
    confirm_dry_run,
    import_for_user,
    imports_for_user,
    kept_file,
    known_sources,
    purge_kept_files,
    run_uploaded_import,
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
            "breadcrumb": [("Imports de données", None)],
        },
    )


@login_required
def import_detail(request, pk: int):
    record = import_for_user(request.user, pk)
    return render(
        request,
        "imports/detail.html",
        {
            "title": f"Import n° {record.pk}",
            "record": record,
            "can_confirm": kept_file(record) is not None and record.user_id == request.user.pk,
            "send_again": record.dry_run and record.source in NEVER_KEPT,
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
    return JsonResponse(
        {
            "status": record.status,
            "status_label": record.get_status_display(),
            "finished": record.finished,
            "step": record.progress_step,
            "percent": record.progress_percent,
            "summary": record.summary(),
            "message": record.message,
        }
    )


def _run_in_background(record_id: int, path: Path) -> None:
    def work():
        close_old_connections()
        try:
            run_uploaded_import(record_id, path)
        finally:
            close_old_connections()

    threading.Thread(target=work, name=f"import-{record_id}", daemon=True).start()


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
        record = ImportRecord.objects.create(
            source=form.cleaned_data["source"],
            file_name=safe_name,
            user=request.user,
            dry_run=form.cleaned_data["dry_run"],
            options=options,
        )
        _run_in_background(record.pk, path)
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
    _run_in_background(confirmed.pk, path)
    messages.success(
        request,
        f"Import confirmé : le fichier vérifié par la simulation n° {record.pk} est importé.",
    )
    return redirect("imports:detail", pk=confirmed.pk)
