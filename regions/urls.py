from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.index, name="index"),
    # Before <code>/: "cari" is not a region code, but keep the fixed path first anyway.
    path("cari/", views.search, name="search"),
    path("<str:code>/", views.detail, name="detail"),
]
