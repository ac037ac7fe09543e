"""Staff pages of the documents app: the generator, history, batches and the variable reference."""

from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("new/", views.TemplateChooseView.as_view(), name="template_choose"),
    path("new/<slug:slug>/", views.RecordPickView.as_view(), name="record_pick"),
    path("new/<slug:slug>/generate/", views.GenerateView.as_view(), name="generate"),
    path("history/", views.DocumentHistoryView.as_view(), name="history"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("<int:pk>/download/", views.DocumentDownloadView.as_view(), name="document_download"),
    path("<int:pk>/inline/", views.DocumentInlineView.as_view(), name="document_inline"),
    path("<int:pk>/regenerate/", views.DocumentRegenerateView.as_view(), name="document_regenerate"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("batches/<int:pk>/progress/", views.BatchProgressView.as_view(), name="batch_progress"),
    path("batches/<int:pk>/download/", views.BatchDownloadView.as_view(), name="batch_download"),
    path("variables/", views.VariableIndexView.as_view(), name="variable_index"),
    path("variables/<slug:object_type>/", views.VariableReferenceView.as_view(), name="variable_reference"),
]
