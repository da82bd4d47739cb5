from django.urls import include, path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("semua/", views.case_list, name="list"),
    # A person's case code (e.g. 5371-KD-0001) stands for the person in the URL, never a name.
    path("buka/<str:case_code>/", views.case_open, name="open"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/ubah/", views.case_edit, name="edit"),
    path("<int:pk>/alihkan-petugas/", views.case_reassign, name="reassign"),
    path("<int:pk>/asesmen/baru/", views.assessment_add, name="assessment_add"),
    path("asesmen/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("<int:pk>/rencana/", views.plan_set, name="plan_set"),
    path("layanan/<int:pk>/", views.service_update, name="service_update"),
    path("<int:pk>/bimbingan-lanjut/jadwal/", views.followups_schedule, name="followups_schedule"),
    path("bimbingan-lanjut/<int:pk>/", views.followup_record, name="followup_record"),
    path("bimbingan-lanjut/terlambat/", views.followups_overdue, name="followups_overdue"),
    # Referrals and transfers (cases/referral_urls.py), same namespace.
    path("", include("cases.referral_urls")),
]
