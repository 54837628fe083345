from django.apps import AppConfig


class RekomstatTablesConfig(AppConfig):
    name = "rekomstat_tables"
    default_auto_field = "django.db.models.AutoField"
