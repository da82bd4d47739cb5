from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("baru/", views.programme_create, name="create"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/ubah/", views.programme_edit, name="edit"),
    path("<int:pk>/tahapan/", views.stages_edit, name="stages_edit"),
    path("<int:pk>/tahap/baru/", views.phase_add, name="phase_add"),
    path("tahap/<int:pk>/ubah/", views.phase_edit, name="phase_edit"),
    path("<int:pk>/lokalisasi/<int:site_pk>/tahap/", views.site_phase, name="site_phase"),
]
