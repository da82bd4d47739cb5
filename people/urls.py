from django.urls import path, register_converter

from . import subject_views, views


class CaseCodeConverter:
    """ "5371-KD-0001": the pseudonymous code that stands for a person in every URL."""

    regex = r"[0-9]{4}-[A-Za-z0-9]{1,8}-[0-9]{1,6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseCodeConverter, "case_code")

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("daftar/", views.person_register, name="register"),
    path("cek-nik/", views.nik_check, name="nik_check"),
    path("peringatan/", views.alert_list, name="alert_list"),
    path("peringatan/<int:pk>/tindak-lanjut/", views.alert_acknowledge, name="alert_acknowledge"),
    path("<case_code:case_code>/", views.person_detail, name="detail"),
    path("<case_code:case_code>/identitas/", views.person_reveal, name="reveal"),
    path("<case_code:case_code>/identitas/ubah/", views.person_edit_identity, name="edit_identity"),
    path("<case_code:case_code>/ubah/", views.person_edit_attributes, name="edit_attributes"),
    path("<case_code:case_code>/persetujuan/", views.consent_add, name="consent_add"),
    path("<case_code:case_code>/persetujuan/tarik/", views.consent_withdraw, name="consent_withdraw"),
    # Data subject requests (UU PDP Pasal 32): see, correct, delete.
    path("permintaan-data/", subject_views.subject_requests, name="subject_requests"),
    path("permintaan-data/<int:pk>/", subject_views.subject_request, name="subject_request"),
    path("permintaan-data/<int:pk>/jawab/", subject_views.subject_request_answer, name="subject_request_answer"),
    path("<case_code:case_code>/permintaan-data/baru/", subject_views.subject_request_new, name="subject_request_new"),
    path("<case_code:case_code>/permintaan-data/ekspor/", subject_views.subject_export, name="subject_export"),
    path("<case_code:case_code>/permintaan-data/<int:pk>/hapus/", subject_views.subject_delete, name="subject_delete"),
]
