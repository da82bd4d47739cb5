from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("program/<int:programme_pk>/baru/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/ubah/", views.activity_edit, name="edit"),
    path("<int:pk>/lampiran/", views.attachment_add, name="attachment_add"),
    path("lampiran/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/tindak-lanjut/", views.action_add, name="action_add"),
    path("tindak-lanjut/", views.action_list, name="action_list"),
    path("tindak-lanjut/<int:pk>/", views.action_update, name="action_update"),
    path("kalender/", views.calendar_view, name="calendar"),
    path("kalender/feed/", views.calendar_feed_manage, name="calendar_feed_manage"),
    # Secret per-user address for calendar apps (no sign-in); only the token's hash is stored.
    path("kalender/ics/<str:token>.ics", views.ical_feed, name="ical_feed"),
]
