from django.urls import path

from people.urls import CaseCodeConverter  # noqa: F401  (registers the "case_code" converter)

from . import views

app_name = "matching"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("jalankan/", views.run, name="run"),
    path("pasangan/<int:pk>/", views.pair, name="pair"),
    path("pasangan/<int:pk>/putuskan/", views.decide, name="decide"),
    path("pasangan/<int:pk>/batalkan/", views.undo, name="undo"),
    path("dikenal-di-tempat-lain/<case_code:case_code>/", views.known_elsewhere, name="known_elsewhere"),
]
