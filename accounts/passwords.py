"""Password rules beyond Django's built-in validators."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """At least three of: lower case, upper case, digit, symbol."""

    def validate(self, password: str, user=None) -> None:
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < 3:
            raise ValidationError(
                _("Kata sandi harus memuat minimal tiga dari: huruf kecil, huruf besar, angka, simbol."),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Gunakan minimal tiga dari: huruf kecil, huruf besar, angka, simbol.")
