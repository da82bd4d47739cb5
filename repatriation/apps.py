from django.apps import AppConfig


class RepatriationConfig(AppConfig):
    name = "repatriation"
