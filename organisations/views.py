from django.shortcuts import render

from access.policy import Perm, require


@require(Perm.ORGANISATIONS_VIEW)
def index(request):
    return render(request, "home.html")
