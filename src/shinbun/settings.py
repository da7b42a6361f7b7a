"""The one settings module. Every knob comes from the environment (see docs/OPERATIONS.md)."""

import os
import re
import tempfile
from datetime import timedelta
from email.utils import formataddr
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from shinbun.env import ConfigError, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SHINBUN_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("SHINBUN_TESTING", False)
DEMO = env_bool("SHINBUN_DEMO", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING or DEMO):
        raise ConfigError("SECRET_KEY must be set (or run `shinbun demo`)")
    SECRET_KEY = "insecure-demo-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The publication.
SITE_NAME = env_str("SHINBUN_SITE_NAME", "シンブン電子版")
# Absolute base of canonical URLs, e.g. https://www.example.jp (no trailing slash).
# Empty means "the host of the request".
BASE_URL = env_str("SHINBUN_BASE_URL", "").rstrip("/")
PAGE_SIZE = env_int("SHINBUN_PAGE_SIZE", 20, minimum=1)
# How long an anonymous page may be served from the page cache and by a CDN.
PAGE_CACHE_SECONDS = env_int("SHINBUN_PAGE_CACHE_SECONDS", 60, minimum=0)
# How long a shared cache in front (a CDN, nginx) may serve an anonymous page before it
# asks again with the ETag: a publish or correction purges only this site's own cache.
SHARED_CACHE_SECONDS = env_int("SHINBUN_SHARED_CACHE_SECONDS", 2, minimum=0)
PUBLISHER_NAME = env_str("SHINBUN_PUBLISHER_NAME", "シンブン株式会社")
# Membership: paid articles a free member may read in full per calendar month (Japan time).
METER_LIMIT = env_int("SHINBUN_METER_LIMIT", 10, minimum=0)
# ふりがな: the words that get a reading when the reader turns it on. "joyo": words with
# a kanji outside the 常用漢字; "grade1".."grade6": outside what that school grade has
# learnt; "all": every kanji word; "off": none. Changing it needs `shinbun manage
# refresh_furigana`.
FURIGANA_LEVEL = env_str("SHINBUN_FURIGANA", "joyo")
if FURIGANA_LEVEL not in ("off", "joyo", "all", *(f"grade{n}" for n in range(1, 7))):
    raise ConfigError("SHINBUN_FURIGANA must be off, joyo, grade1 ... grade6 or all")
# Days a past-due subscription keeps access after its period ended, while payment is retried.
PAST_DUE_GRACE_DAYS = env_int("SHINBUN_PAST_DUE_GRACE_DAYS", 7, minimum=0)
# Payments: "manual" (demo and tests: takes effect at once) or "stripe".
PAYMENT_PROVIDER = env_str("SHINBUN_PAYMENT_PROVIDER", "manual")
if PAYMENT_PROVIDER not in ("manual", "stripe"):
    raise ConfigError("SHINBUN_PAYMENT_PROVIDER must be 'manual' or 'stripe'")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Another address for Stripe's API (a local stripe-mock, or the tests' fake); empty = Stripe.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
if PAYMENT_PROVIDER == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ConfigError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are needed for Stripe")
# Reference views for bench/pages.py (/_bench/...); never enable in production.
BENCH_ENDPOINTS = env_bool("SHINBUN_BENCH_ENDPOINTS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "anymail",
    "axes",
    "shinbun.core",
    "shinbun.members",
    "shinbun.newsroom",
    "shinbun.search",
    "shinbun.think",
    "shinbun.mynews",
    "shinbun.newsletter",
    "shinbun.sitepages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "shinbun.core.permissions_policy.PermissionsPolicyMiddleware",
    "shinbun.core.busy.BusyDatabaseMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Visitors' kept pages are answered here, before the session, language, CSRF and
    # authentication middleware (core/pagecache.py).
    "shinbun.core.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shinbun.urls"
WSGI_APPLICATION = "shinbun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shinbun.newsroom.context_processors.site",
                "shinbun.members.context_processors.reader",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'shinbun.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
# Test runs may name their own database, so that runs sharing a server never collide.
if env_str("SHINBUN_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("SHINBUN_TEST_DB_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while the worker writes.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not shared-cache memory: concurrency tests need SQLite's real locking
    # (busy_timeout waits; shared-cache memory fails at once with "table is locked").
    # One file per test run, so runs side by side never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"shinbun-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "newsroom:home"
LOGOUT_REDIRECT_URL = "newsroom:home"

# Accounts (django-allauth): e-mail only, verified; password or a one-time code by e-mail.
AUTHENTICATION_BACKENDS = ["shinbun.members.backends.MemberBackend"]
ACCOUNT_ADAPTER = "shinbun.members.accounts.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = True
# Forms never tell whether an address is registered; the e-mail says it instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
# Subjects carry no "[site]" prefix: the sender's name is the site's (DEFAULT_FROM_EMAIL).
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# A changed password or address is told to the account's address (templates/mail/account/).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # Wrong passwords are limited by django-axes across every login form (below); allauth's
    # own limit stays above it, so a locked-out reader meets axes' 429 page, not a form error.
    "login_failed": env_str("SHINBUN_RATE_LOGIN_FAILED", "30/m/ip,20/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "request_login_code": "20/m/ip,3/m/key",
}

# One cache shared by every process of the deployment (never per-process memory):
# purges, rate limits, sessions and cached reader states must be seen by all of them.
REDIS_URL = env_str("REDIS_URL")
CACHE_DIR = Path(env_str("SHINBUN_CACHE_DIR", str(DATA_DIR / "cache"))).resolve()


def redis_cache(url: str) -> dict:
    return {
        # django-redis keeps one client and its connection pool per process; Django's own
        # RedisCache builds a client for every operation, which costs more CPU than the
        # lookup itself on the pages that make several.
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": env_str("SHINBUN_CACHE_PREFIX", "shinbun"),
        "OPTIONS": {
            # Redis down or restarting is a cache miss, logged, not a 500: pages are
            # rendered from the database, sessions read from it (cached_db), and login
            # limits counted there (django-axes); only allauth's flood limits pause.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 1.0,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "shinbun.cache"
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    # diskcache: SQLite files that every process on the machine opens.
    CACHES = {
        "default": {
            "BACKEND": "shinbun.core.cache.DiskCache",
            "LOCATION": str(CACHE_DIR),
            # Writers lock one shard at a time, so processes seldom wait for each other.
            "SHARDS": 8,
            # Seconds a read waits for a locked shard before it counts as a miss.
            "DATABASE_TIMEOUT": 0.1,
            "OPTIONS": {"size_limit": env_int("SHINBUN_CACHE_SIZE_MB", 1024, minimum=16) * 2**20},
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

HUEY = {
    "name": "shinbun",
    "immediate": TESTING or env_bool("SHINBUN_HUEY_IMMEDIATE", False),
    "consumer": {
        "workers": env_int("SHINBUN_WORKER_THREADS", 2, minimum=1),
        # "process" runs the workers on as many cores: analysis, percolation and the
        # recommendation lists are CPU work (docs/PERFORMANCE.md, "My News"); "thread"
        # shares one core among them, with less memory.
        "worker_type": env_str("SHINBUN_WORKER_TYPE", "process"),
        # Whether this worker queues the periodic tasks: with several workers on one
        # Redis, one of them does (the others set it false), or each task is queued as
        # many times as there are workers.
        "periodic": env_bool("SHINBUN_WORKER_SCHEDULER", True),
        # A task's lock (lock_task) held by a worker that was killed would keep the task
        # from ever running again: a starting worker clears them.
        "flush_locks": True,
    },
}
if HUEY["consumer"]["worker_type"] not in ("thread", "process"):
    raise ConfigError("SHINBUN_WORKER_TYPE must be thread or process")
# The newsletter 「ニュース5本」: the weekday send time (Japan time) new editions default to,
# deliveries a worker claims at once (one SMTP connection each), how long a claim holds
# before another worker may take the rows over (a crashed worker's batch comes back then),
# and the mailbox named in List-Unsubscribe's mailto (empty: the https link only).
NEWSLETTER_SEND_TIME = env_str("SHINBUN_NEWSLETTER_SEND_TIME", "07:00")
# The daily My News digest goes out at this time (Japan time) to the members who asked.
DIGEST_SEND_TIME = env_str("SHINBUN_DIGEST_SEND_TIME", "06:30")
for _name, _value in (("NEWSLETTER", NEWSLETTER_SEND_TIME), ("DIGEST", DIGEST_SEND_TIME)):
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", _value):
        raise ConfigError(f"SHINBUN_{_name}_SEND_TIME must be HH:MM, e.g. 07:00")
NEWSLETTER_BATCH = env_int("SHINBUN_NEWSLETTER_BATCH", 100, minimum=1)
NEWSLETTER_LEASE_SECONDS = env_int("SHINBUN_NEWSLETTER_LEASE_SECONDS", 300, minimum=1)
NEWSLETTER_UNSUBSCRIBE_MAILTO = env_str("SHINBUN_NEWSLETTER_UNSUBSCRIBE_MAILTO", "")

# django-anymail (a provider's API as the e-mail backend, its bounce and complaint
# webhooks at /anymail/<provider>/tracking/): every ANYMAIL_* variable, e.g.
# ANYMAIL_WEBHOOK_SECRET (the webhooks' basic-auth "user:password", required),
# ANYMAIL_MAILGUN_API_KEY, ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}

if REDIS_URL:
    # Priorities (search.tasks.BACKGROUND): SqliteHuey has them, RedisHuey does not.
    HUEY.update(huey_class="huey.PriorityRedisHuey", url=REDIS_URL)
else:
    HUEY.update(huey_class="huey.SqliteHuey", filename=str(DATA_DIR / "tasks.sqlite3"))

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Dates per language (formats/en, formats/ja): "December 6, 2026" or 「2026年12月6日」.
FORMAT_MODULE_PATH = "shinbun.formats"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SHINBUN_SECURE_COOKIES", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SHINBUN_BEHIND_PROXY", False) else None
)

# Security: login limits, proxies, headers, secret key
if not (DEBUG or TESTING or DEMO) and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ConfigError(
        "SECRET_KEY is too weak: use at least 50 random characters, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )
# Reverse proxies in front of the site that append to X-Forwarded-For (nginx with
# `proxy_add_x_forwarded_for`: 1), or the header one proxy sets to the client's address
# (e.g. X-Real-IP). With neither, forwarding headers are ignored: a client cannot spoof them.
TRUSTED_PROXIES = env_int("SHINBUN_TRUSTED_PROXIES", 0, minimum=0)
CLIENT_IP_HEADER = env_str("SHINBUN_CLIENT_IP_HEADER", "")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXIES
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = CLIENT_IP_HEADER or None
# Wrong passwords on any login form (allauth's and the admin's) count together, per account
# and per client address; allauth's own ACCOUNT_RATE_LIMITS stay in front of its forms.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("SHINBUN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SHINBUN_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "shinbun.members.login_limits.account_key"
# The address allauth's rate limits use, so both count the same client.
AXES_CLIENT_IP_CALLABLE = "shinbun.members.login_limits.client_ip"
AXES_LOCKOUT_CALLABLE = "shinbun.members.login_limits.locked_out"
# Failures only: successful logins are not kept as a second record of the reader.
AXES_DISABLE_ACCESS_LOG = True
# Lockouts are listed and lifted with `shinbun manage axes_*` (OPERATIONS.md); axes' own
# admin pages speak only English.
AXES_ENABLE_ADMIN = False
# Kept out of the attempt rows' copy of the form and out of the logs.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "login", "email", "csrfmiddlewaretoken"]
AXES_VERBOSE = False
# Headers: a strict Content-Security-Policy (no inline script or style anywhere),
# HSTS and the HTTPS redirect once the site is served over HTTPS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = env_str(
    "SHINBUN_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
)
SECURE_HSTS_SECONDS = env_int("SHINBUN_HSTS_SECONDS", 31536000 if SECURE_COOKIES else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SHINBUN_HSTS_INCLUDE_SUBDOMAINS", False)
# Redirecting to HTTPS needs to know the scheme the client used; behind a proxy that
# terminates TLS only X-Forwarded-Proto tells it (SHINBUN_BEHIND_PROXY), and without it
# every request would look like HTTP and redirect forever.
SECURE_SSL_REDIRECT = env_bool(
    "SHINBUN_SSL_REDIRECT", SECURE_COOKIES and SECURE_PROXY_SSL_HEADER is not None
)

# E-mail: the console until a backend is configured; `shinbun demo` writes each message to
# the outbox (DATA_DIR/outbox/, read by staff at /outbox/).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Who reads the demo's outbox (/outbox/): the mails name members, so the 運用 role, not 編集者.
OUTBOX_PERMISSION = "members.view_user"
# The SMTP relay, for django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
# Every e-mail comes from the publication's name at this address; formataddr quotes the
# name, and the message encodes it (RFC 2047) whatever script it is written in.
MAIL_FROM = env_str("SHINBUN_MAIL_FROM", "no-reply@example.jp")
if MAIL_FROM.count("@") != 1 or any(c in MAIL_FROM for c in '<>" ,'):
    raise ConfigError("SHINBUN_MAIL_FROM must be one bare address, e.g. no-reply@example.jp")
DEFAULT_FROM_EMAIL = formataddr((SITE_NAME, MAIL_FROM))
# The sender's postal address and a way to reach it (an e-mail address or a URL), in the
# footer of every e-mail: the 特定電子メール法 asks the newsletter for both.
PUBLISHER_ADDRESS = env_str(
    "SHINBUN_PUBLISHER_ADDRESS", "〒104-0045 東京都中央区築地9-9-9 シンブンビル"
)
CONTACT = env_str("SHINBUN_CONTACT", "support@example.jp")
# The publisher's registration number as an issuer of qualified invoices (適格請求書発行事業者
# の登録番号: T and 13 digits), printed on every receipt; empty for a publisher that is not
# registered (receipts are then plain 領収書). The demo's is made up.
INVOICE_REGISTRATION_NUMBER = env_str(
    "SHINBUN_INVOICE_REGISTRATION_NUMBER", "T0000000000000" if DEBUG or TESTING or DEMO else ""
)
if INVOICE_REGISTRATION_NUMBER and not re.fullmatch(r"T[0-9]{13}", INVOICE_REGISTRATION_NUMBER):
    raise ConfigError(
        "SHINBUN_INVOICE_REGISTRATION_NUMBER must be T and 13 digits, e.g. T1234567890123"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}},
}
