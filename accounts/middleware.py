"""Keeps a user who still owes a second factor on the two-factor pages."""

from django.shortcuts import redirect
from django.urls import reverse

from access.policy import is_two_factor_satisfied


class TwoFactorRequiredMiddleware:
    # Pages a half-signed-in user may still reach.
    EXEMPT_URL_NAMES = {"accounts:login", "accounts:logout", "accounts:two_factor", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not is_two_factor_satisfied(user):
            match = getattr(request, "resolver_match", None)
            path = request.path_info
            static = path.startswith("/static/")
            exempt_paths = {reverse(name) for name in self.EXEMPT_URL_NAMES}
            if (
                not static
                and path not in exempt_paths
                and (match is None or match.view_name not in self.EXEMPT_URL_NAMES)
            ):
                return redirect("accounts:two_factor")
        return self.get_response(request)
