from django.urls import path

from benchmarks import views

app_name = "benchmarks"

urlpatterns = [
    path("<slug:slug>/", views.benchmark_detail, name="detail"),
]
