from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("baru/", views.organisation_create, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/ubah/", views.organisation_edit, name="edit"),
    path("<int:pk>/status/", views.organisation_set_active, name="set_active"),
    path("<int:pk>/akreditasi/", views.accreditation_add, name="accreditation_add"),
]
