from django.shortcuts import render

from access.policy import require_login

from .home import today_for


@require_login
def home(request):
    return render(request, "home.html", {"today": today_for(request.user)})
