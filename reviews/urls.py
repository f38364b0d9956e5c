from django.urls import path

from reviews import views
from reviews.feeds import ApprovedReceiptsFeed, ReviewPapersFeed

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("r/<slug:slug>/", views.review_detail, name="detail"),
    path("search/", views.search_view, name="search"),
    path("r/<slug:slug>/panels.json", views.review_panels_json, name="panels-json"),
    path("r/<slug:slug>/panels/<slug:panel>.json", views.review_panels_json, name="panel-json"),
    path("r/<slug:slug>/ledger/", views.ledger_view, name="ledger"),
    path("r/<slug:slug>/synthesis/", views.synthesis_view, name="synthesis"),
    path("r/<slug:slug>/synthesis/regenerate/", views.regenerate_synthesis, name="synthesis-regenerate"),
    path("r/<slug:slug>/synthesis/questions/", views.synthesis_questions, name="synthesis-questions"),
    path("r/<slug:slug>/synthesis/progress/<int:draft_id>/", views.synthesis_progress, name="synthesis-progress"),
    path("r/<slug:slug>/export/<str:name>", views.export_view, name="export"),
    path("r/<slug:slug>/feeds/papers.atom", ReviewPapersFeed(), name="feed-papers"),
    path("r/<slug:slug>/feeds/receipts.atom", ApprovedReceiptsFeed(), name="feed-receipts"),
    path("r/<slug:slug>/receipts/<slug:kind>/<slug:method_slug>/", views.review_receipts, name="receipts"),
]
