from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = []
urlpatterns = [path("", views.index, name="list")]
