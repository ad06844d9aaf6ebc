from django.urls import path

from wiki import exports, views

app_name = "wiki"

urlpatterns = [
    path("", views.LibraryView.as_view(), name="library"),
    path(
        "export.csv",
        exports.ResourceExportView.as_view(),
        {"export_format": "csv"},
        name="export-csv",
    ),
    path(
        "export.json",
        exports.ResourceExportView.as_view(),
        {"export_format": "json"},
        name="export-json",
    ),
    path("feed/", views.ResourceFeed(), name="feed"),
    path("feed/atom/", views.AtomResourceFeed(), name="feed-atom"),
    path("resources/<slug:slug>/", views.ResourceView.as_view(), name="resource"),
    path("guides/", views.PageListView.as_view(), name="pages"),
    path("guides/missing/", views.MissingPageView.as_view(), name="missing-page"),
    path("guides/<slug:slug>/", views.PageView.as_view(), name="page"),
    path("guides/<slug:slug>/history/", views.PageHistoryView.as_view(), name="page-history"),
    path("guides/<slug:slug>/compare/", views.PageDiffView.as_view(), name="page-diff"),
    path("topics/", views.TopicListView.as_view(), name="topics"),
    path("topics/<slug:slug>/", views.TopicView.as_view(), name="topic"),
]
