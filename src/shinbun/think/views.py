"""Think! pages: an expert's page (profile and posts), and the plain-form posting flow
for experts (write, correct, delete; POST-redirect-GET back to the article, outcomes as
messages). Views parse, authorise and call think.services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shinbun.core.pagecache import cache_anonymous_page
from shinbun.core.pagination import keyset_page_for
from shinbun.members import gates
from shinbun.members.entitlements import reader_for
from shinbun.newsroom.models import Article
from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post


@require_safe
@cache_anonymous_page
def expert(request, slug: str):
    """Profile and visible posts, newest first. Visitors see the profile and the count of
    posts, never their text. The page's own expert finds the controls to correct (within
    the edit window) and delete each post here."""
    profile = get_object_or_404(ExpertProfile.objects.select_related("user"), slug=slug)
    posts = services.expert_posts(profile)
    reader = reader_for(request.user)
    readable = gates.may_use(reader, "think")
    context = {
        "profile": profile,
        "count": posts.count(),
        "readable": readable,
        "own": request.user.is_authenticated and request.user.pk == profile.user_id,
        "now": timezone.now(),
    }
    if context["own"]:
        context["hidden"] = services.hidden_posts(profile)
    if readable:
        # core.pagination walks by (published_at, id): a post is published when written.
        dated = posts.annotate(published_at=F("created_at"))
        context["page"] = keyset_page_for(request, dated, settings.PAGE_SIZE)
    return render(request, "think/expert.html", context)


def _back(request, post_or_article) -> str:
    """Where a form's action returns to: the page it came from on this site (the expert's
    page), else the article's Think! section."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    article = getattr(post_or_article, "article", post_or_article)
    return article.get_absolute_url() + "#think"


def _form(request, template: str, context: dict, error: str, status: int = 400):
    """The form again with what the expert wrote, so nothing typed is lost."""
    return render(request, template, {**context, "error": error}, status=status)


@require_POST
def post_new(request, article_id: int):
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    if not request.user.is_authenticated:
        return redirect_to_login(article.get_absolute_url())
    body = request.POST.get("body", "")
    try:
        services.create_post(request.user, article, body)
    except services.ThinkError as exc:
        if exc.code == services.ThinkError.INVALID:
            context = {"article": article, "body": body}
            return _form(request, "think/post_new.html", context, str(exc))
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Think! に投稿しました。15分以内であれば、エキスパートのページから編集できます。"),
        )
    return redirect(_back(request, article))


def _own_post(request, post_id: int) -> Post:
    """The reader's own post, or a 404 (another expert's post is not theirs to see here)."""
    post = get_object_or_404(Post.objects.select_related("article", "expert__user"), pk=post_id)
    if post.expert.user_id != request.user.pk:
        raise Http404("not the reader's post")
    return post


@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request, post_id: int):
    """The author's page for one post: correct it within the edit window, or delete it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    post = _own_post(request, post_id)
    context = {"post": post, "now": timezone.now(), "body": post.body}
    if request.method != "POST":
        return render(request, "think/post_edit.html", context)
    body = request.POST.get("body", "")
    try:
        services.edit_post(request.user, post, body)
    except services.ThinkError as exc:
        status = 400 if exc.code == services.ThinkError.INVALID else 409
        return _form(request, "think/post_edit.html", {**context, "body": body}, str(exc), status)
    messages.success(request, _("投稿を編集しました。"))
    return redirect(_back(request, post))


@require_POST
def post_delete(request, post_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    post = Post.objects.select_related("article", "expert").filter(pk=post_id).first()
    if post is None:
        # Deleted already (a second click): done, as far as the author is concerned.
        profile = ExpertProfile.objects.filter(user_id=request.user.pk).first()
        if profile is None:
            raise Http404("no such post")
        messages.success(request, _("投稿を削除しました。"))
        return redirect(profile.get_absolute_url())
    try:
        services.delete_post(request.user, post)
    except services.ThinkError as exc:
        if exc.code == services.ThinkError.FORBIDDEN:
            raise Http404("not the reader's post") from None
        messages.error(request, str(exc))
    else:
        messages.success(request, _("投稿を削除しました。"))
    return redirect(_back(request, post))
