from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Living review administration"
admin.site.site_title = "Living review admin"

urlpatterns = [
    path("health/", include("worker.health_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("baselines.login_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("curate/", include("baselines.curator_urls")),
    path("ops/", include("worker.urls")),
    path("p/", include("papers.urls")),
    path("m/", include("baselines.urls")),
    path("b/", include("benchmarks.urls")),
    path("", include("reviews.urls")),
]
