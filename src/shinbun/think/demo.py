"""The demo's Think!: two experts (expert@example.jp, made by the newsroom's demo loader,
and expert2@example.jp) with posts on several demo articles, one of them hidden by the
demo editor. Running it again keeps what is there: profiles are found by their account,
posts by their expert, article and text, and only a post made in this run is hidden."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from shinbun.members.models import User
from shinbun.newsroom.models import Article
from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post

DEMO_EDITOR = "editor@example.jp"
DEMO_EXPERTS = [
    # (email, name, title, affiliation, slug, profile)
    (
        "expert@example.jp",
        "専門家 一郎",
        "教授",
        "シンブン大学",
        "senmonka-ichiro",
        "専門はマクロ経済学と金融政策。物価と賃金の関係、中央銀行の政策運営を研究している。"
        "政府の審議会委員を務めた。",
    ),
    (
        "expert2@example.jp",
        "研究員 彩",
        "主任研究員",
        "みらい情報社会研究所",
        "kenkyuin-aya",
        "専門は情報社会論とAIガバナンス。自治体や医療の現場でのデジタル技術の導入を調査している。",
    ),
]
# (expert's e-mail, article slug, hours after publication, text)
DEMO_POSTS = [
    (
        "expert@example.jp",
        "economy-boj-rate-hike",
        2,
        "0.75%という水準そのものより、日銀が「賃上げの定着」を利上げの根拠に挙げた点に"
        "注目したい。\n来年の春闘で賃上げの勢いが鈍れば、追加利上げの道筋は描きにくくなる。"
        "住宅ローンの変動金利で借りている家計は、返済額の見直しが始まる時期を確認しておきたい。",
    ),
    (
        "expert@example.jp",
        "economy-real-wages-turn-positive",
        3,
        "実質賃金のプラス転換は明るい材料だが、ボーナス月の押し上げを除いた基調で見ると"
        "まだ力強さに欠ける。物価の伸びが落ち着く一方で、中小企業の賃上げが追いつくかどうかが"
        "今後の焦点になる。数か月単位で推移を見る必要がある。",
    ),
    (
        "expert@example.jp",
        "keizai-rate-hike-homework",
        5,
        "利上げの局面では、財政の利払い費が増えることを忘れてはならない。"
        "国債の平均残存期間が長いため影響は徐々に表れるが、10年後の予算の姿は大きく変わる。",
    ),
    (
        "expert2@example.jp",
        "technology-genai-adoption-survey",
        4,
        "大企業と中小企業の差は、ツールの価格よりも「何に使うか」を決める人材の差だと考える。"
        "業務の手順を書き出す作業ができている職場ほど、生成AIを定着させている。"
        "参考: https://example.jp/report/genai-2025",
    ),
    (
        "expert2@example.jp",
        "international-g7-ai-transparency",
        6,
        "「透明性」は合意しやすい言葉だが、中身は国ごとに違う。学習データの開示を求めるのか、"
        "AIが作った文章や画像であることの表示を求めるのか。\n"
        "日本企業にとっては、各国のルールの違いに合わせる手間が次の課題になる。",
    ),
    (
        "expert2@example.jp",
        "technology-ai-clinical-notes",
        8,
        "カルテの下書きをAIが作る仕組みは、医師の負担を確かに減らす。"
        "ただ、患者が診察室での会話の記録に同意しているかを、その都度わかりやすく確認する"
        "手順を欠かさないことが、信頼して使われる条件だろう。",
    ),
]
DEMO_HIDDEN = (
    "expert@example.jp",
    "keizai-rate-hike-homework",
    "記事中の数値との食い違いについて指摘があり、確認が済むまで非表示にしています。",
)


def _expert(email: str, password: str, name: str, title: str, affiliation: str):
    """The expert's account (made if missing) and whether it was made."""
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(
            email,
            password,
            display_name=name,
            is_expert=True,
            expert_title=title,
            expert_affiliation=affiliation,
        )
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user, created


@transaction.atomic
def load_think(password: str) -> int:
    """Load the demo's experts and posts; returns the number of accounts it created."""
    created_accounts = 0
    for email, name, title, affiliation, slug, profile in DEMO_EXPERTS:
        user, created = _expert(email, password, name, title, affiliation)
        created_accounts += created
        if not ExpertProfile.objects.filter(user=user).exists():
            services.appoint(ExpertProfile(user=user, slug=slug, profile=profile), by=None)
    articles = {
        a.external_id.removeprefix("demo:"): a
        for a in Article.objects.published().filter(
            external_id__in=[f"demo:{slug}" for _email, slug, _hours, _text in DEMO_POSTS]
        )
    }
    experts = {p.user.email: p.user for p in ExpertProfile.objects.select_related("user")}
    now = timezone.now()
    made = {}
    for email, slug, hours, text in DEMO_POSTS:
        article, user = articles.get(slug), experts.get(email)
        if article is None or user is None:
            continue
        if Post.objects.filter(expert__user=user, article=article, body=text).exists():
            continue
        at = min(article.published_at + timedelta(hours=hours), now)
        made[(email, slug)] = services.create_post(user, article, text, now=at)
    email, slug, reason = DEMO_HIDDEN
    editor = User.objects.filter(email=DEMO_EDITOR, is_staff=True).first()
    if (email, slug) in made and editor is not None:
        post = made[(email, slug)]
        at = min(post.created_at + timedelta(hours=1), now)
        services.hide_post(editor, post, reason, now=at)
    return created_accounts
