from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("subscribe/", views.SubscribeView.as_view(), name="subscribe"),
    path("confirm/<str:value>/", views.ConfirmView.as_view(), name="confirm"),
    path("unsubscribe/<str:value>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
