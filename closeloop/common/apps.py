from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "closeloop.common"
    label = "common"
