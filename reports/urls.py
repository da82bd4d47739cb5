from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("asal/", views.origins, name="origins"),
    path("bulanan/", views.monthly_report, name="monthly"),
    path("bulanan/simpan/", views.generate, name="generate"),
    path("arsip/", views.report_list, name="report_list"),
    path("arsip/<int:pk>/", views.report_detail, name="report_detail"),
    path("arsip/<int:pk>/unduh.<str:fmt>", views.report_file, name="report_file"),
    path("arsip/<int:pk>/tandatangani/", views.sign, name="sign"),
    path("arsip/<int:pk>/kirim/", views.send, name="send"),
]
