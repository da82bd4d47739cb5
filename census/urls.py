from django.urls import include, path

app_name = "census"

urlpatterns: list = [
    # The import pipeline (upload → preview → resolve → apply) lives in its own modules.
    path("", include("census.import_urls")),
]
