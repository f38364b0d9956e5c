"""/health/, outside the ops namespace: load balancers call it by this fixed path."""

from django.urls import path

from worker.health import health

urlpatterns = [path("", health, name="health")]
