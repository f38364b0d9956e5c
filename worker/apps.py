from django.apps import AppConfig


class WorkerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "worker"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        # Register the tasks in every process (web included), so lower layers can enqueue them by
        # name (reviews.derived.RECOMPUTE_TASK) without importing the worker.
        from worker import tasks  # noqa: F401
