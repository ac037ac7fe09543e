"""Staff pages of the PSA cache: records by object type and the sync status."""

from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("records/", views.RecordTypeIndexView.as_view(), name="record_types"),
    path("records/<slug:object_type>/", views.RecordListView.as_view(), name="record_list"),
    path("records/<slug:object_type>/<int:psa_id>/", views.RecordDetailView.as_view(), name="record_detail"),
    path("sync/", views.SyncStatusView.as_view(), name="sync_status"),
    path("sync/<int:connection_id>/run/", views.SyncNowView.as_view(), name="sync_now"),
    path("sync/runs/<int:pk>/progress/", views.SyncRunProgressView.as_view(), name="sync_run_progress"),
]
