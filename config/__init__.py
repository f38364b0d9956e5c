# Loading the Celery app with Django makes @shared_task bind to it and `delay_on_commit` work.
from config.celery import app as celery_app

__all__ = ["celery_app"]
