from django import forms
from django.utils.translation import gettext_lazy as _

from access import policy
from organisations.models import Organisation
from regions.forms import RegionField
from regions.models import Level

from .models import User


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Kode verifikasi"),
        max_length=16,
        help_text=_("6 digit dari aplikasi autentikator, atau salah satu kode pemulihan."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Kata sandi lama"), strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(
        label=_("Kata sandi baru"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("Minimal 12 karakter, dengan tiga dari: huruf kecil, huruf besar, angka, simbol."),
    )
    new_password2 = forms.CharField(label=_("Ulangi kata sandi baru"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("Kedua kata sandi tidak sama."))
        return data


class UserForm(forms.ModelForm):
    """Create or edit a user. Choices are limited to what the acting administrator may grant."""

    region = RegionField(
        required=False,
        levels=(Level.PROVINCE, Level.REGENCY),
        label=_("Cakupan wilayah"),
        help_text=_("Provinsi atau kabupaten/kota. Kosongkan untuk cakupan nasional."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "organisation", "role", "region"]
        labels = {"first_name": _("Nama depan"), "last_name": _("Nama belakang"), "email": _("Email dinas")}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *policy.assignable_roles(actor)]
        orgs = Organisation.objects.filter(is_active=True).filter(policy.region_scope_q(actor, "region__code"))
        self.fields["organisation"].queryset = orgs.order_by("name")
        if self.instance.pk is None:
            self.fields["password1"] = forms.CharField(
                label=_("Kata sandi awal"),
                strip=False,
                widget=forms.PasswordInput,
                help_text=_("Minimal 12 karakter, dengan tiga dari: huruf kecil, huruf besar, angka, simbol."),
            )
            self.fields["password2"] = forms.CharField(
                label=_("Ulangi kata sandi"), strip=False, widget=forms.PasswordInput
            )
        else:
            self.fields["username"].disabled = True
            self.fields["new_password"] = forms.CharField(
                label=_("Setel ulang kata sandi"),
                strip=False,
                required=False,
                widget=forms.PasswordInput,
                help_text=_("Kosongkan bila tidak diubah."),
            )

    def clean(self):
        data = super().clean()
        if "password1" in self.fields and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Kedua kata sandi tidak sama."))
        return data

    def _post_clean(self):
        # Model validation happens in accounts.services; skip ModelForm's instance mutation.
        pass


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False)
    role = forms.ChoiceField(label=_("Peran"), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua")), ("1", _("Aktif")), ("0", _("Nonaktif"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Role

        self.fields["role"].choices = [("", _("Semua peran")), *Role.choices]
