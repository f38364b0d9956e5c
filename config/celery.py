"""The Celery app. Configuration comes from Django settings with the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# DjangoTask gives every task `delay_on_commit`, so workers never see uncommitted rows.
app = Celery("review", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


from config.logging import connect_task_logging  # noqa: E402  (needs the app configured first)

connect_task_logging()
