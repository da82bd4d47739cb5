from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("", views.site_list, name="list"),
    path("baru/", views.site_create, name="create"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/ubah/", views.site_edit, name="edit"),
    path("<int:pk>/status/", views.site_status_change, name="status_change"),
    path("<int:pk>/wisma/baru/", views.wisma_add, name="wisma_add"),
    path("wisma/<int:pk>/ubah/", views.wisma_edit, name="wisma_edit"),
    path("wisma/<int:pk>/pemilik/", views.wisma_owner, name="wisma_owner"),
]
