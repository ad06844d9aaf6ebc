from django.urls import path

from policy import dossiers, views

app_name = "policy"

urlpatterns = [
    path("", views.PolicyIndexView.as_view(), name="index"),
    path("export.csv", views.ExportView.as_view(), {"export_format": "csv"}, name="export-csv"),
    path("export.json", views.ExportView.as_view(), {"export_format": "json"}, name="export-json"),
    path("feed/", views.PolicyChangesFeed(), name="feed"),
    path("feed/atom/", views.AtomPolicyChangesFeed(), name="feed-atom"),
    path("states/<str:code>/", views.StateView.as_view(), name="state"),
    path("states/<str:code>/dossier/", dossiers.StateDossierView.as_view(), name="state-dossier"),
    path(
        "states/<str:code>/dossier/pdf/",
        dossiers.StateDossierView.as_view(as_pdf=True),
        name="state-dossier-pdf",
    ),
    path("states/<str:code>/feed/", views.StateFeed(), name="state-feed"),
    path("states/<str:code>/feed/atom/", views.AtomStateFeed(), name="state-feed-atom"),
    path("entries/<slug:slug>/", views.EntryView.as_view(), name="entry"),
]
