from django.urls import path

from . import views

app_name = "repatriation"

urlpatterns = [
    path("", views.trip_list, name="trip_list"),
    path("perjalanan/baru/", views.trip_create, name="trip_create"),
    path("perjalanan/<int:pk>/", views.trip_detail, name="trip_detail"),
    path("perjalanan/<int:pk>/ubah/", views.trip_edit, name="trip_edit"),
    path("perjalanan/<int:pk>/manifes/", views.trip_manifest, name="trip_manifest"),
    path("perjalanan/<int:pk>/tambah-orang/", views.repatriation_add, name="add"),
    path("perjalanan/<int:pk>/serah-terima/<int:organisation_pk>/", views.handover, name="handover"),
    path("orang/<int:pk>/keluarkan/", views.repatriation_remove, name="remove"),
    path("serah-terima/<int:pk>/konfirmasi/", views.handover_acknowledge, name="handover_acknowledge"),
    path("kedatangan/", views.incoming, name="incoming"),
]
