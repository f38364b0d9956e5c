from django.urls import path

from benchmarks import views

app_name = "benchmarks"

urlpatterns = [
    path("<slug:slug>/", views.benchmark_detail, name="detail"),
    path("<slug:slug>/leaderboard.json", views.leaderboard_json, name="leaderboard-json"),
    path("<slug:slug>/leaderboard.csv", views.leaderboard_csv, name="leaderboard-csv"),
]
