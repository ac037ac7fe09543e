"""The staff home page: where a logged-in person starts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from documents.models import GeneratedDocument
from portal.access import GENERATE_DOCUMENTS, staff_permission_required


@staff_permission_required()
def home(request: HttpRequest) -> HttpResponse:
    recent = []
    if request.user.has_perm(GENERATE_DOCUMENTS):
        recent = list(
            GeneratedDocument.objects.filter(created_by=request.user)
            .select_related("template", "template_version")
            .order_by("-created_at", "-pk")[:5]
        )
    return render(request, "staff/home.html", {"recent": recent})
