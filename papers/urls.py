from django.urls import path

from papers import views

app_name = "papers"

urlpatterns = [
    # Old-style ids contain a slash (hep-th/9901001), so the id is a path, not a slug.
    path("<path:arxiv_id>/", views.paper_detail, name="detail"),
]
