from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("baru/", views.course_create, name="course_create"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
    path("<int:pk>/ubah/", views.course_edit, name="course_edit"),
    path("<int:pk>/daftarkan/", views.enrol, name="enrol"),
    path("<int:pk>/kehadiran/", views.attendance, name="attendance"),
    path("peserta/<int:pk>/lulus/", views.complete, name="complete"),
    path("peserta/<int:pk>/berhenti/", views.drop, name="drop"),
    path("peserta/<int:pk>/batalkan/", views.withdraw, name="withdraw"),
]
