from django.urls import path

from baselines import curator_views as views

app_name = "curate"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("history/", views.history_view, name="history"),
    path("methods/merge/", views.merge_view, name="merge"),
    path("<slug:kind>/bulk-approve/", views.bulk_approve_view, name="bulk-approve"),
    path("<slug:kind>/<int:receipt_id>/pdf.png", views.pdf_page_view, name="pdf-page"),
    path("<slug:kind>/<int:receipt_id>/<slug:action>/", views.decide_view, name="decide"),
]
