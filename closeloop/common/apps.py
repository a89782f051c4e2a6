from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "closeloop.common"
    label = "common"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 - registers `literal_in` on CharField
