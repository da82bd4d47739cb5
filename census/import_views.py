"""Census file import pages: template and XLSForm downloads, upload, progress, preview with
duplicate decisions, apply and cancel. The rules live in ``census.imports``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from audit.models import Action
from audit.services import audit_record
from people.identity import Identity, reveal

from . import imports
from .models import (
    CensusEntry,
    CensusRound,
    DuplicateReason,
    ImportBatch,
    ImportRow,
    ImportStatus,
    Resolution,
    RoundStatus,
    RowStatus,
)
from .xlsform import XLSX_CONTENT_TYPE, template_workbook, xlsform_workbook

scope_census_imports = policy.scope_census_imports
scope_census_import_rows = policy.scope_census_import_rows


def _get_batch(request, pk: int) -> ImportBatch:
    batch = policy.get_for_user(
        request.user,
        ImportBatch.objects.select_related("round__site", "created_by"),
        scope_census_imports,
        pk=pk,
    )
    if not policy.can_manage_census(request.user, batch.round.site):
        raise PermissionDenied
    return batch


def _round_url(census_round: CensusRound) -> str | None:
    # The round pages belong to the census pages; link back when they exist.
    try:
        return reverse("census:round_detail", kwargs={"pk": census_round.pk})
    except NoReverseMatch:
        return None


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Downloads -------------------------------------------------------------------------------------


@require(Perm.CENSUS_MANAGE)
@require_safe
def import_template(request):
    return _xlsx_response(template_workbook(), "templat-pendataan-pulih.xlsx")


@require(Perm.CENSUS_MANAGE)
@require_safe
def xlsform(request):
    return _xlsx_response(xlsform_workbook(), "xlsform-pendataan-pulih.xlsx")


# --- Upload --------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas pendataan"),
        help_text=gettext_lazy("XLSX dari templat, atau XLSX/CSV hasil ekspor KoboToolbox/ODK. Paling besar 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("Berkas terlalu besar (%(size)s MB); paling besar %(max)s MB. Bagi menjadi beberapa berkas.")
                % {"size": round(upload.size / 1024 / 1024, 1), "max": imports.MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Unggah berkas .xlsx atau .csv."))
        return upload


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require(Perm.CENSUS_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request, pk: int):
    census_round = policy.get_for_user(
        request.user, CensusRound.objects.select_related("site"), policy.scope_census_rounds, pk=pk
    )
    if not policy.can_manage_census(request.user, census_round.site):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.create_batch(
                actor=request.user,
                census_round=census_round,
                content=upload.read(),
                filename=upload.name,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            # A small file is checked at once; a large one continues on the progress page.
            batch = imports.parse_next_chunk(batch)
            return redirect("census:import_detail", pk=batch.pk)
    context = {
        "census_round": census_round,
        "round_url": _round_url(census_round),
        "form": form,
        "is_open": census_round.status == RoundStatus.OPEN,
        "batches": census_round.imports.select_related("created_by")[:10],
    }
    return render(request, "census/import_upload.html", context)


# --- Progress and preview -------------------------------------------------------------------------

_FILTERS = {
    "masalah": Q(status__in=[RowStatus.ERROR, RowStatus.WARNING]),
    "galat": Q(status=RowStatus.ERROR),
    "peringatan": Q(status=RowStatus.WARNING),
}
_HAS_CANDIDATE = Q(duplicate_of__isnull=False) | Q(duplicate_of_row__isnull=False)


def _identity_lines(identity: Identity) -> list[tuple[str, str]]:
    return [
        (_("Nama lengkap"), identity.full_name),
        (_("Nama alias"), ", ".join(identity.aliases)),
        (_("NIK"), identity.nik),
        (_("Tempat lahir"), identity.birth_place),
        (_("Tanggal lahir"), date_format(identity.birth_date, "j F Y") if identity.birth_date else ""),
        (_("Nomor HP"), identity.phone),
        (_("Alamat asal"), identity.origin_address),
    ]


def _duplicate_cards(request, batch: ImportBatch, rows: list[ImportRow]) -> list[dict]:
    """Each duplicate with both identities side by side, for users allowed to see identities.
    Revealing a registered person is audited per person; the file's rows once per page."""
    user = request.user
    can_see_rows = policy.has_perm(user, Perm.IDENTITY_VIEW) and policy.in_region_scope(
        user, batch.round.site.region_id
    )
    earlier = {}
    if can_see_rows:
        numbers = {row.duplicate_of_row for row in rows if row.duplicate_of_row and not row.duplicate_of_id}
        earlier = dict(batch.rows.filter(row_number__in=numbers).values_list("row_number", "data_ciphertext"))
    cards = []
    for row in rows:
        card = {"row": row, "pairs": None}
        if can_see_rows:
            mine = _identity_lines(imports.row_identity(imports.decrypt_row(row.data_ciphertext)))
            theirs = None
            if row.duplicate_of is not None:
                if policy.can_view_identity(user, row.duplicate_of):
                    theirs = _identity_lines(reveal(row.duplicate_of, user=user, request=request, purpose="view"))
            elif row.duplicate_of_row in earlier:
                theirs = _identity_lines(imports.row_identity(imports.decrypt_row(earlier[row.duplicate_of_row])))
            if theirs is not None:
                card["pairs"] = [(label, a, b) for (label, a), (_l, b) in zip(mine, theirs, strict=True)]
        cards.append(card)
    if can_see_rows and rows:
        audit_record(
            Action.VIEW_IDENTITY,
            request=request,
            obj=batch,
            detail={"purpose": "import_duplicates", "rows": [row.row_number for row in rows]},
        )
    return cards


def _preview_context(request, batch: ImportBatch) -> dict:
    rows = batch.rows.all()
    counts = rows.aggregate(
        total=Count("id"),
        ok=Count("id", filter=Q(status=RowStatus.OK)),
        warnings=Count("id", filter=Q(status=RowStatus.WARNING)),
        errors=Count("id", filter=Q(status=RowStatus.ERROR)),
        candidates=Count("id", filter=_HAS_CANDIDATE & ~Q(duplicate_reason=DuplicateReason.CASE_CODE)),
        pending=Count("id", filter=_HAS_CANDIDATE & Q(resolution=Resolution.PENDING)),
        recounted=Count("id", filter=Q(duplicate_reason=DuplicateReason.CASE_CODE)),
    )
    show = request.GET.get("tampil")
    if show not in (*_FILTERS, "duplikat"):
        show = "duplikat" if counts["pending"] and not counts["errors"] else "masalah"
    context = {"counts": counts, "show": show}
    if show == "duplikat":
        qs = (
            rows.filter(_HAS_CANDIDATE)
            .exclude(duplicate_reason=DuplicateReason.CASE_CODE)
            .select_related("duplicate_of")
            .order_by("row_number")
        )
        page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        context["cards"] = _duplicate_cards(request, batch, list(page.object_list))
    else:
        qs = rows.filter(_FILTERS[show]).only("row_number", "status", "issues").order_by("row_number")
        page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context["page_obj"] = page
    return context


def _apply_box_context(batch: ImportBatch) -> dict:
    return {
        "batch": batch,
        "blockers": imports.apply_blockers(batch),
        "pending": imports.pending_duplicates(batch).count(),
    }


@require(Perm.CENSUS_MANAGE)
@require_safe
def import_detail(request, pk: int):
    batch = _get_batch(request, pk)
    context = {"batch": batch, "census_round": batch.round, "round_url": _round_url(batch.round)}
    if batch.status == ImportStatus.READY:
        context |= _preview_context(request, batch) | _apply_box_context(batch)
    elif batch.status == ImportStatus.APPLIED:
        context["present"] = CensusEntry.objects.filter(round=batch.round).count()
    return render(request, "census/import_detail.html", context)


@require(Perm.CENSUS_MANAGE)
@require_POST
def import_progress(request, pk: int):
    """Check the next chunk of rows. HTMX polls this until the batch is ready; without
    JavaScript, each press of "Lanjutkan" reads one more chunk."""
    batch = imports.parse_next_chunk(_get_batch(request, pk))
    parsing = batch.status in (ImportStatus.UPLOADED, ImportStatus.PARSING)
    if request.htmx:
        if parsing:
            return render(request, "census/import_progress.html", {"batch": batch})
        response = HttpResponse()
        response["HX-Redirect"] = reverse("census:import_detail", kwargs={"pk": batch.pk})
        return response
    return redirect("census:import_detail", pk=batch.pk)


# --- Decisions, apply, cancel ---------------------------------------------------------------------


@require(Perm.CENSUS_MANAGE)
@require_POST
def import_resolve(request, pk: int):
    row = policy.get_for_user(
        request.user,
        ImportRow.objects.select_related("batch__round__site", "duplicate_of"),
        scope_census_import_rows,
        pk=pk,
    )
    batch = row.batch
    if not policy.can_manage_census(request.user, batch.round.site):
        raise PermissionDenied
    error = None
    try:
        imports.resolve_row(actor=request.user, row=row, resolution=request.POST.get("resolution", ""))
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        context = {"card": {"row": row, "pairs": None}, "error": error, "oob": True} | _apply_box_context(batch)
        return render(request, "census/import_duplicate.html", context)
    if error:
        messages.error(request, error)
    return redirect(reverse("census:import_detail", kwargs={"pk": batch.pk}) + "?tampil=duplikat")


@require(Perm.CENSUS_MANAGE)
@require_POST
def import_apply(request, pk: int):
    batch = _get_batch(request, pk)
    try:
        result = imports.apply_batch(actor=request.user, batch=batch, request=request)
    except ValidationError as exc:
        messages.error(request, _("Impor belum dapat diterapkan: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        messages.success(
            request,
            _(
                "Impor diterapkan: %(new)s orang baru didaftarkan, %(existing)s orang yang sudah terdaftar "
                "dihitung ulang; %(added)s orang ditambahkan ke putaran."
            )
            % {"new": result.new, "existing": result.existing, "added": result.added},
        )
    return redirect("census:import_detail", pk=batch.pk)


@require(Perm.CENSUS_MANAGE)
@require_POST
def import_cancel(request, pk: int):
    batch = _get_batch(request, pk)
    try:
        imports.cancel_batch(actor=request.user, batch=batch, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("census:import_detail", pk=batch.pk)
    messages.success(request, _("Impor dibatalkan; berkas dan datanya dihapus."))
    return redirect("census:import_upload", pk=batch.round_id)
