"""The public knowledge base on the portal: published public articles only, no login."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from closeloop.common.errors import NotFound
from closeloop.knowledge import services as kb

PAGE_SIZE = 30


def knowledge_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    articles = list(kb.article_search(q, public_only=True)[:PAGE_SIZE])
    return render(request, "portal/knowledge_list.html", {"articles": articles, "q": q})


def knowledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = kb.article_get(pk, public_only=True)
    except NotFound:
        raise Http404 from None
    return render(request, "portal/knowledge_detail.html", {"article": article})


# Included under /portal/knowledge/ by portal/urls.py; names live in the `portal` namespace.
urlpatterns = [
    path("", knowledge_list, name="knowledge"),
    path("<int:pk>/", knowledge_detail, name="knowledge-article"),
]
