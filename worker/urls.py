from django.urls import path

from worker import views

app_name = "worker"

urlpatterns = [
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("reviews/<slug:slug>/ingest/", views.start_run, name="start"),
    path("reviews/<slug:slug>/dump.json", views.review_dump, name="dump"),
]
