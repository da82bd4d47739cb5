from django.shortcuts import render

from access.policy import Perm, require


@require(Perm.REGIONS_VIEW)
def index(request):
    return render(request, "home.html")
