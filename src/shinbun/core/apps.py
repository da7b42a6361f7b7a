from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shinbun.core"
    verbose_name = "サイト"
