from django.shortcuts import render

from access.policy import require_login


@require_login
def home(request):
    return render(request, "home.html")
