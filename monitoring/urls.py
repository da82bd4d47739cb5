from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("baru/", views.visit_create, name="create"),
    path("<int:pk>/ubah/", views.visit_edit, name="edit"),
    path("tren/", views.visit_trend, name="trend"),
]
