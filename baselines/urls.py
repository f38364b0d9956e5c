from django.urls import path

from baselines import views

app_name = "baselines"

urlpatterns = [
    path("<slug:slug>/", views.method_detail, name="method"),
]
