from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from access import policy
from access.policy import Perm, require, require_login
from audit.models import Action
from audit.services import audit_record
from pulih.forms import add_service_errors

from . import lockout, services
from . import two_factor as otp
from .forms import LoginForm, PasswordChangeForm, TokenForm, UserFilterForm, UserForm
from .models import User


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def login_view(request):
    if request.user.is_authenticated and policy.is_two_factor_satisfied(request.user):
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        account = User.objects.filter(username__iexact=username).first()
        if account is not None and lockout.is_locked(account):
            audit_record(Action.LOGIN_FAILED, request=request, actor=account, obj=account, detail={"reason": "locked"})
            form.add_error(
                None,
                _(
                    "Akun dikunci sementara karena terlalu banyak percobaan gagal. "
                    "Coba lagi nanti atau hubungi administrator."
                ),
            )
        else:
            user = authenticate(
                request, username=account.username if account else username, password=form.cleaned_data["password"]
            )
            if user is None:
                audit_record(
                    Action.LOGIN_FAILED,
                    request=request,
                    actor=account,
                    username=username,
                    obj=account,
                    detail={"reason": "bad_credentials"},
                )
                if account is not None and lockout.register_failed_login(account, request=request):
                    form.add_error(None, _("Akun dikunci sementara karena terlalu banyak percobaan gagal."))
                else:
                    form.add_error(None, _("Nama pengguna atau kata sandi salah."))
            else:
                lockout.register_successful_login(user)
                login(request, user)
                audit_record(Action.LOGIN, request=request, actor=user, obj=user)
                if policy.requires_two_factor(user):
                    request.session["pulih_next"] = _safe_next(request) or ""
                    return redirect("accounts:two_factor")
                return redirect(_safe_next(request) or "home")
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request) or ""})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit_record(Action.LOGOUT, request=request, obj=request.user)
    logout(request)
    return redirect("accounts:login")


def two_factor(request):
    """Second step of sign-in: enrol an authenticator the first time, verify a code after that."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if policy.is_two_factor_satisfied(user):
        return redirect("home")
    device = otp.confirmed_totp_device(user)
    form = TokenForm(request.POST or None)
    if device is None:
        enrolment = otp.totp_enrolment_device(user)
        if request.method == "POST" and form.is_valid():
            if otp.totp_confirm(enrolment, form.cleaned_data["token"]):
                otp_login(request, enrolment)
                audit_record(Action.TWO_FACTOR_ENROLLED, request=request, obj=user)
                codes = otp.recovery_codes_issue(user)
                audit_record(Action.RECOVERY_CODES_ISSUED, request=request, obj=user)
                return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True})
            audit_record(Action.TWO_FACTOR_FAILED, request=request, obj=user, detail={"stage": "enrolment"})
            form.add_error("token", _("Kode tidak cocok. Pastikan jam ponsel tepat, lalu masukkan kode terbaru."))
        return render(
            request,
            "accounts/two_factor_enrol.html",
            {
                "form": form,
                "qr_svg": otp.totp_qr_svg(enrolment),
                "manual_key": otp.totp_manual_key(enrolment),
            },
        )
    if request.method == "POST" and form.is_valid():
        matched = otp.second_factor_match(user, form.cleaned_data["token"])
        if matched is not None:
            otp_login(request, matched)
            audit_record(
                Action.TWO_FACTOR_VERIFIED,
                request=request,
                obj=user,
                detail={"device": "recovery_code" if matched.__class__.__name__ == "StaticDevice" else "totp"},
            )
            target = request.session.pop("pulih_next", "") or "home"
            return redirect(target)
        audit_record(Action.TWO_FACTOR_FAILED, request=request, obj=user, detail={"stage": "verify"})
        form.add_error("token", _("Kode salah atau sudah dipakai."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@require_login
def recovery_codes(request):
    if not policy.requires_two_factor(request.user):
        return redirect("accounts:profile")
    if request.method == "POST":
        codes = otp.recovery_codes_issue(request.user)
        audit_record(Action.RECOVERY_CODES_ISSUED, request=request, obj=request.user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})
    return redirect("accounts:profile")


@require_login
def profile(request):
    return render(
        request,
        "accounts/profile.html",
        {
            "two_factor_required": policy.requires_two_factor(request.user),
            "recovery_remaining": otp.recovery_codes_remaining(request.user),
        },
    )


@require_login
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Kata sandi telah diubah."))
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@require(Perm.USERS_MANAGE)
def user_list(request):
    filters = UserFilterForm(request.GET or None)
    qs = policy.scope_users(request.user, User.objects.select_related("organisation", "region"))
    if filters.is_valid():
        q = filters.cleaned_data.get("q")
        if q:
            qs = qs.filter(
                Q(username__icontains=q)
                | Q(first_name__icontains=q)
                | Q(last_name__icontains=q)
                | Q(organisation__name__icontains=q)
            )
        if filters.cleaned_data.get("role"):
            qs = qs.filter(role=filters.cleaned_data["role"])
        if filters.cleaned_data.get("active") in ("0", "1"):
            qs = qs.filter(is_active=filters.cleaned_data["active"] == "1")
    page = Paginator(qs.order_by("username"), 25).get_page(request.GET.get("page"))
    template = "accounts/_user_rows.html" if request.htmx else "accounts/user_list.html"
    return render(request, template, {"page_obj": page, "filters": filters})


@require(Perm.USERS_MANAGE)
def user_create(request):
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                request=request,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                organisation=data["organisation"],
                region=data.get("region"),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pengguna %(name)s dibuat.") % {"name": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@require(Perm.USERS_MANAGE)
def user_edit(request, pk: int):
    target = policy.get_for_user(request.user, User.objects.select_related("organisation"), policy.scope_users, pk=pk)
    form = UserForm(request.POST or None, instance=target, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=target,
                request=request,
                new_password=data.get("new_password", ""),
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                role=data["role"],
                region=data.get("region"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": False, "target": target})


@require(Perm.USERS_MANAGE)
@require_POST
def user_set_active(request, pk: int):
    target = policy.get_for_user(request.user, User.objects.all(), policy.scope_users, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=target, active=active, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Akun diaktifkan.") if active else _("Akun dinonaktifkan."))
    return redirect("accounts:user_edit", pk=target.pk)


@require(Perm.USERS_MANAGE)
@require_POST
def user_unlock(request, pk: int):
    target = policy.get_for_user(request.user, User.objects.all(), policy.scope_users, pk=pk)
    services.user_unlock(actor=request.user, user=target, request=request)
    messages.success(request, _("Kunci akun dibuka."))
    return redirect("accounts:user_edit", pk=target.pk)
