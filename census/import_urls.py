"""Census file import: template, XLSForm, upload → progress → preview → decisions → apply."""

from django.urls import path

from . import import_views as views

urlpatterns: list = [
    path("impor/templat/", views.import_template, name="import_template"),
    path("impor/xlsform/", views.xlsform, name="xlsform"),
    path("putaran/<int:pk>/impor/", views.import_upload, name="import_upload"),
    path("impor/<int:pk>/", views.import_detail, name="import_detail"),
    path("impor/<int:pk>/kemajuan/", views.import_progress, name="import_progress"),
    path("impor/<int:pk>/terapkan/", views.import_apply, name="import_apply"),
    path("impor/<int:pk>/batalkan/", views.import_cancel, name="import_cancel"),
    path("impor/baris/<int:pk>/putuskan/", views.import_resolve, name="import_resolve"),
]
