from django.urls import path, register_converter

from blog import dossiers, exports, feeds, pdf, views

app_name = "blog"


class TwoDigits:
    regex = "[0-9]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):02}"


class Year:
    regex = "[0-9]{4}"
    to_python = int

    def to_url(self, value):
        return str(value)


register_converter(TwoDigits, "dd")
register_converter(Year, "yyyy")
DATE = "<yyyy:year>/<dd:month>/<dd:day>"

urlpatterns = [
    path("", views.PostListView.as_view(), name="list"),
    path(
        "export.csv", exports.PostExportView.as_view(), {"export_format": "csv"}, name="export-csv"
    ),
    path(
        "export.json",
        exports.PostExportView.as_view(),
        {"export_format": "json"},
        name="export-json",
    ),
    path("feed/", feeds.PostFeed(), name="feed"),
    path("feed/atom/", feeds.AtomPostFeed(), name="feed-atom"),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("section/<slug:slug>/feed/", feeds.SectionFeed(), name="section-feed"),
    path("section/<slug:slug>/feed/atom/", feeds.AtomSectionFeed(), name="section-feed-atom"),
    # The tag pages themselves (across the site) are routed in competencyworks/urls.py.
    path("tag/<uslug:slug>/feed/", feeds.TagFeed(), name="tag-feed"),
    path("tag/<uslug:slug>/feed/atom/", feeds.AtomTagFeed(), name="tag-feed-atom"),
    path("author/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("author/<slug:slug>/feed/", feeds.AuthorFeed(), name="author-feed"),
    path("author/<slug:slug>/feed/atom/", feeds.AtomAuthorFeed(), name="author-feed-atom"),
    path("series/", views.SeriesIndexView.as_view(), name="series-index"),
    path("series/<slug:slug>/", views.SeriesView.as_view(), name="series"),
    path(
        "series/<slug:slug>/dossier/",
        dossiers.SeriesDossierView.as_view(),
        name="series-dossier",
    ),
    path(
        "series/<slug:slug>/dossier/pdf/",
        dossiers.SeriesDossierView.as_view(as_pdf=True),
        name="series-dossier-pdf",
    ),
    path("series/<slug:slug>/feed/", feeds.SeriesFeed(), name="series-feed"),
    path("series/<slug:slug>/feed/atom/", feeds.AtomSeriesFeed(), name="series-feed-atom"),
    path("<yyyy:year>/", views.PostYearArchiveView.as_view(), name="year"),
    path("<yyyy:year>/<dd:month>/", views.PostMonthArchiveView.as_view(), name="month"),
    path(f"{DATE}/<slug:slug>/", views.PostDetailView.as_view(), name="post"),
    path(f"{DATE}/<slug:slug>/print/", views.PostPrintView.as_view(), name="post-print"),
    path(f"{DATE}/<slug:slug>/pdf/", pdf.PostPdfView.as_view(), name="post-pdf"),
]
