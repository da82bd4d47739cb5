from django.urls import path

from . import views

app_name = "grievances"
urlpatterns = [
    path("", views.grievance_list, name="list"),
    path("baru/", views.grievance_create, name="create"),
    path("<int:pk>/", views.grievance_detail, name="detail"),
    path("<int:pk>/pengadu/", views.reveal_complainant, name="reveal_complainant"),
    path("<int:pk>/tanggapan/", views.grievance_respond, name="respond"),
    path("<int:pk>/penangan/", views.grievance_assign, name="assign"),
]
