"""The demo's paid member follows a few series, columns, keywords and words and has
saved articles and a figure, so My News and the saved lists have something to show."""

from shinbun.members.entitlements import reader_for
from shinbun.members.models import User
from shinbun.mynews import services
from shinbun.mynews.models import Follow, SavedArticle, SavedFigure, Visit
from shinbun.newsroom.models import Article, Figure

DEMO_FOLLOWS = [
    ("series", "ai-at-work"),
    ("series", "wage-data"),
    ("column", "keizai-rashinban"),
    ("keyword", "semiconductor"),
    ("keyword", "weak-yen"),
    ("word", "生成AI"),
    ("word", "賃上げ"),
]
DEMO_FIGURE = "real-wages"


def load_mynews(email: str) -> int:
    """Follows and saved items for the member; nothing if they ever used My News (running
    the demo again keeps what the member changed). Returns how many rows were made."""
    user = User.objects.filter(email=email).first()
    if user is None or any(
        model.objects.filter(user=user).exists()
        for model in (Follow, SavedArticle, SavedFigure, Visit)
    ):
        return 0
    reader = reader_for(user)
    made = 0
    for kind, target in DEMO_FOLLOWS:
        try:
            services.follow(user, reader, kind, target)
            made += 1
        except services.ActionError:  # the demo content lacks it
            continue
    for article in Article.objects.published().filter(access="paid")[:3]:
        services.save_article(user, reader, article.pk)
        made += 1
    figure = Figure.objects.filter(key=DEMO_FIGURE).first()
    if figure is not None:
        article = Article.objects.published().filter(
            body_source__contains=f"[[figure:{figure.key}]]"
        )
        services.save_figure(user, reader, figure.pk, getattr(article.first(), "pk", None))
        made += 1
    return made
