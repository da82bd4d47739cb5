from django.urls import include, path

from . import views

app_name = "census"

urlpatterns: list = [
    path("", views.round_list, name="round_list"),
    path("lokalisasi/<int:site_pk>/baru/", views.round_create, name="round_create"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/tambah/", views.round_add, name="round_add"),
    path("<int:pk>/hapus/", views.round_remove, name="round_remove"),
    path("<int:pk>/lanjutkan/", views.round_carry_over, name="round_carry_over"),
    path("<int:pk>/status/", views.round_status, name="round_status"),
    path("<int:pk>/ekspor/", views.round_export, name="round_export"),
    # The import pipeline (upload → preview → resolve → apply) lives in its own modules.
    path("", include("census.import_urls")),
]
