"""Staff pages of the knowledge base: search, read, write, review; intake suggestions.

Views are thin: reads and writes go through `closeloop.knowledge.services`.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from closeloop.common.errors import NotFound, ServiceError, ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.knowledge import services as kb
from closeloop.knowledge.models import Article, ArticleStatus

from .access import staff_required, staff_user
from .intake import category_choices

PAGE_SIZE = 50
SUGGESTIONS = 5


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=kb.TITLE_MAX)
    question = forms.CharField(
        label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(label=gettext_lazy("Answer"), widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        help_text=gettext_lazy("Separated by commas or spaces"),
    )
    public = forms.BooleanField(label=gettext_lazy("Show on the public portal"), required=False)
    note = forms.CharField(label=gettext_lazy("What changed"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *category_choices()]  # type: ignore[attr-defined]

    def article_input(self) -> kb.ArticleInput:
        cd = self.cleaned_data
        return kb.ArticleInput(
            title=cd["title"],
            question=cd["question"],
            answer=cd["answer"],
            category=cd["category"] or None,
            tags=cd["tags"],
            public=cd["public"],
        )

    def show(self, error: ValidationFailed) -> None:
        for field, problems in (error.details or {}).items():
            for problem in problems if isinstance(problems, list) else [problems]:
                self.add_error(field if field in self.fields else None, str(problem))
        if not self.errors:
            self.add_error(None, error.message)


def _user(request: HttpRequest) -> User:
    user = staff_user(request)
    assert user is not None  # staff_required let the request through
    return user


def _article(pk: int) -> Article:
    try:
        return kb.article_get(pk)
    except NotFound:
        raise Http404 from None


STATUS_CHOICES = [
    (ArticleStatus.PUBLISHED, ArticleStatus.PUBLISHED.label),
    (ArticleStatus.DRAFT, ArticleStatus.DRAFT.label),
    (ArticleStatus.RETIRED, ArticleStatus.RETIRED.label),
]


@staff_required()
def knowledge_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    q = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status") or ArticleStatus.PUBLISHED
    if status not in ArticleStatus.values:
        status = ArticleStatus.PUBLISHED
    category = request.GET.get("category", "")
    articles = list(kb.article_search(q, statuses=[status], category=category or None)[:PAGE_SIZE])
    return render(
        request,
        "workbench/knowledge_list.html",
        {
            "articles": articles,
            "q": q,
            "status": status,
            "statuses": STATUS_CHOICES,
            "category": category,
            "categories": category_choices(),
            "review_count": kb.article_review_queue().count(),
            "may_review": user.has_role(*kb.REVIEWER_ROLES),
        },
    )


@staff_required()
def knowledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    article = _article(pk)
    versions = list(article.versions.select_related("edited_by", "category").order_by("-number"))
    return render(
        request,
        "workbench/knowledge_detail.html",
        {
            "article": article,
            "versions": versions,
            "pending": versions[0] if article.latest_version > article.version else None,
            "may_publish": kb.article_may_review(user, article),
            "may_retire": user.has_role(*kb.REVIEWER_ROLES)
            and article.status != ArticleStatus.RETIRED,
            "may_edit": article.status != ArticleStatus.RETIRED,
        },
    )


@staff_required()
def knowledge_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = kb.article_create(user, form.article_input(), note=form.cleaned_data["note"])
        except ValidationFailed as error:
            form.show(error)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Draft saved; a reviewer publishes it."))
            return redirect("web:knowledge-article", pk=article.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "workbench/knowledge_form.html", {"form": form, "article": None}, status=status
    )


@staff_required()
def knowledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    article = _article(pk)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                kb.article_revise(
                    user, article.pk, form.article_input(), note=form.cleaned_data["note"]
                )
            except ValidationFailed as error:
                form.show(error)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("New version saved; a reviewer publishes it."))
                return redirect("web:knowledge-article", pk=article.pk)
        status = 400
    else:
        # Edit on top of the newest text, which may be a revision not yet published.
        latest = article.versions.select_related("category").get(number=article.latest_version)
        form = ArticleForm(
            initial={
                "title": latest.title,
                "question": latest.question,
                "answer": latest.answer,
                "category": latest.category.code if latest.category else "",
                "tags": latest.tags.replace(",", ", "),
                "public": latest.public,
            }
        )
        status = 200
    return render(
        request,
        "workbench/knowledge_form.html",
        {"form": form, "article": article},
        status=status,
    )


@require_POST
@staff_required(*kb.REVIEWER_ROLES)
def knowledge_publish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = kb.article_publish(_user(request), pk)
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Published version %(n)s.") % {"n": article.version})
    return redirect("web:knowledge-article", pk=pk)


@require_POST
@staff_required(*kb.REVIEWER_ROLES)
def knowledge_retire(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        kb.article_retire(_user(request), pk, reason=request.POST.get("reason", ""))
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Article retired."))
    return redirect("web:knowledge-article", pk=pk)


@staff_required()
def knowledge_review(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = [
        {"article": a, "may_publish": kb.article_may_review(user, a)}
        for a in kb.article_review_queue()[:PAGE_SIZE]
    ]
    return render(request, "workbench/knowledge_review.html", {"rows": rows})


@staff_required(Role.AGENT, Role.SUPERVISOR)
def knowledge_suggest(request: HttpRequest) -> HttpResponse:
    """Articles for the subject being typed at intake (an htmx fragment)."""
    subject = request.GET.get("subject", "")[:200]
    articles = kb.article_suggest(
        subject, category=request.GET.get("category") or None, limit=SUGGESTIONS
    )
    return render(
        request,
        "workbench/knowledge_suggest.html",
        {"articles": articles, "subject": subject.strip()},
    )


# Included under /knowledge/ by web/urls.py; names live in the `web` namespace.
urlpatterns = [
    path("", knowledge_list, name="knowledge"),
    path("new/", knowledge_new, name="knowledge-new"),
    path("review/", knowledge_review, name="knowledge-review"),
    path("suggest/", knowledge_suggest, name="knowledge-suggest"),
    path("<int:pk>/", knowledge_detail, name="knowledge-article"),
    path("<int:pk>/edit/", knowledge_edit, name="knowledge-edit"),
    path("<int:pk>/publish/", knowledge_publish, name="knowledge-publish"),
    path("<int:pk>/retire/", knowledge_retire, name="knowledge-retire"),
]
