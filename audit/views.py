from django.shortcuts import render

from access.policy import Perm, require


@require(Perm.AUDIT_VIEW)
def index(request):
    return render(request, "home.html")
