from django.urls import path

from . import views

app_name = "regions"
urlpatterns = []
urlpatterns = [path("", views.index, name="index")]
