from django.urls import include, path

from pulih import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("akun/", include("accounts.urls")),
    path("wilayah/", include("regions.urls")),
    path("organisasi/", include("organisations.urls")),
    path("audit/", include("audit.urls")),
    path("lokalisasi/", include("sites.urls")),
    path("penerima/", include("people.urls")),
    path("pendataan/", include("census.urls")),
    path("program/", include("programmes.urls")),
    path("kegiatan/", include("activities.urls")),
    path("pemantauan/", include("monitoring.urls")),
    path("pengaduan/", include("grievances.urls")),
    path("kasus/", include("cases.urls")),
    path("pemulangan/", include("repatriation.urls")),
    path("pelatihan/", include("training.urls")),
    path("pencocokan/", include("matching.urls")),
    path("bantuan/", include("assistance.urls")),
    path("laporan/", include("reports.urls")),
]
