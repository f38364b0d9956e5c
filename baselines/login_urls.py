"""The throttled login page, in front of Django's own account URLs."""

from django.urls import path

from baselines.login import ThrottledLoginView

urlpatterns = [path("login/", ThrottledLoginView.as_view(), name="login")]
