"""Dyad settings, read from environment variables.

With nothing set, Dyad runs on the embedded default: SQLite, the in-memory channel layer and
Celery tasks in-process. With DATABASE_URL and REDIS_URL it runs on PostgreSQL and Redis with
real Celery workers. Junk values fail loudly at start-up rather than at the first request.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dyad-development-only-not-secret"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name).lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None


def site_url(url: str) -> str:
    """An http(s) address with a host and no query or fragment, without its trailing slash."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not one)
    except ValueError:
        parts = None
    if not parts or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"DYAD_SITE_URL must be an http(s) address, not {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ImproperlyConfigured(f"DYAD_SITE_URL must have no query, fragment or login: {url!r}")
    return url.rstrip("/")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else default


DEBUG = env_bool("DEBUG", default=not env_str("SECRET_KEY"))
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: DEBUG=False refuses the development key.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "config.admin.OperatorAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "channels",
    "django_htmx",
    "template_partials",
    "studies",
    "questionnaires",
    "chat",
    "dashboard",
]

# WhiteNoise last: it is the one middleware that cannot run async, and under Daphne every
# middleware between it and the view would run async, each hopping to the sync thread and
# back for its own work (a dozen hops a page). Last, it leaves them all in one sync chain.
# Static files still skip the view; sessions and users are read lazily, so they cost nothing.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with the lockout page
    "whitenoise.middleware.WhiteNoiseMiddleware",
]

# --- Sign-in throttling (django-axes) -------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one account, or from one address, signing in
# there is refused for AXES_COOLOFF_TIME (each failure meanwhile starts it again); failures
# are logged. The operator unlocks at once: `manage.py axes_reset_username NAME` or
# `axes_reset_ip ADDRESS` (docs/deploy.md). Behind a proxy (`make serve`: nginx) the
# address is the one the TRUSTED_PROXIES nearest proxies saw (X-Forwarded-For), never one
# a client wrote itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.signin.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password"]  # the log names the account and address tried
AXES_CLIENT_IP_CALLABLE = "config.signin.client_ip"
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studies.steps.journey_pages",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    # A pool per process: a page or a turn borrows a connection for as long as it needs one
    # (Daphne gives every request a thread of its own, so without a pool each would connect
    # anew), and a process never holds more than DB_POOL_MAX at once.
    # A page waits up to DB_POOL_TIMEOUT for a connection: under a burst (a thousand people
    # arriving in the same minute) a slow page is better than an error page.
    # Each connection is checked as it is lent, so the pool outlives a PostgreSQL restart.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DB_POOL_MIN", 2),
            "max_size": env_int("DB_POOL_MAX", 20),
            "timeout": env_float("DB_POOL_TIMEOUT", 30.0),
        }
    }
    # Named explicitly: Channels' live-server test process derives it otherwise, and wrongly.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # Writers queue instead of failing with "database is locked"; IMMEDIATE takes
                # the write lock at BEGIN so read-then-write transactions cannot deadlock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Live-server tests run Daphne in another process: it needs a file, not memory.
            # SQLITE_TEST_PATH lets two test runs on one machine keep apart.
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", str(BASE_DIR / ".test-db.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels and Celery --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# The pub/sub layer, by measurement: lower lag and no connection exhaustion at 200
# concurrent streamed replies (docs/benchmarks.md). DYAD_CHANNEL_LAYER=core for the other.
LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
if REDIS_URL:
    layer = env_str("DYAD_CHANNEL_LAYER", "pubsub")
    if layer not in LAYER_BACKENDS:
        raise ImproperlyConfigured(f"DYAD_CHANNEL_LAYER must be pubsub or core, not {layer!r}")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": LAYER_BACKENDS[layer],
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "dyad")},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # Partial agent replies, so a reconnecting page picks a reply up mid-stream.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CHANNEL_PREFIX", "dyad"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The reply the agent is writing, as far as it has got (chat/drafts.py): in Redis on real
# services; on the embedded default in files beside the database, so that a reply a restart
# interrupted is still there to show (and is noted on its turn) when the turn starts again.
DRAFTS_DIR = Path(DATABASES["default"]["NAME"]).parent / ".drafts"
CACHES["drafts"] = (
    dict(CACHES["default"])
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("DYAD_DRAFTS_DIR", str(DRAFTS_DIR)),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
)
# The chat page's identity panels, rendered once per identity revision (chat/panel.py): kept
# in each process's memory in both modes, read in microseconds where Redis is a round trip,
# and gone with the process, so a deploy never serves one its old templates rendered. About
# 10 KB each: the least recently read third goes when a process holds DYAD_PANEL_CACHE_ENTRIES.
CACHES["panels"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "panels",
    "TIMEOUT": 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": env_int("DYAD_PANEL_CACHE_ENTRIES", 5000)},
}
# A task taken by a worker that died before it started its turn is redelivered after this.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("DYAD_TASK_VISIBILITY_TIMEOUT", 300),
    "unacked_restore_interval": min(10, env_int("DYAD_TASK_VISIBILITY_TIMEOUT", 300)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "dyad")
# Scoring finished sessions (probes and an LLM judge: minutes of model calls) never takes a
# thread an agent turn needs: it has a queue, and a worker, of its own (Procfile: scorer).
CELERY_SCORING_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-scoring"
CELERY_TASK_ROUTES = {
    "dashboard.tasks.score_session": {"queue": CELERY_SCORING_QUEUE},
    "dashboard.tasks.score_study": {"queue": CELERY_SCORING_QUEUE},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_EAGER_PROPAGATES = True

# --- Auth, sessions, i18n -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 60  # participants come back for later sessions
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
# HTTPS=true: served over TLS by a proxy that says so in X-Forwarded-Proto (docs/deploy.md):
# plain http is redirected, and browsers are told to use https only (HSTS).
if env_bool("HTTPS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:  # joining browsers' preload list is the operator's call, and
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # hard to undo for a whole domain
LANGUAGE_CODE = "en"
# Participant pages speak the study's language (Study.language); the dashboard stays English.
# Adding a language: docs/translating.md.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Set STATIC_ROOT (and run collectstatic) when deploying; without it files come from static/.
STATIC_ROOT = env_str("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
# Files researchers upload (a partner's picture): content-addressed under MEDIA_ROOT, served
# by studies.views.partner_picture (in every way Dyad runs, nginx or not).
MEDIA_ROOT = env_str("MEDIA_ROOT") or str(BASE_DIR / "media")

# --- Content Security Policy (django-csp) ----------------------------------------------------
# Scripts and styles from this server's own files only: no inline script, no CDN. The chat's
# WebSocket is same-origin ('self' covers ws: and wss: to this host).
SELF, NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Dyad -----------------------------------------------------------------------------------
# Largest WebSocket frame the chat accepts (bytes) and longest chat message (characters).
DYAD_MAX_FRAME_BYTES = env_int("DYAD_MAX_FRAME_BYTES", 8192)
DYAD_MAX_MESSAGE_CHARS = env_int("DYAD_MAX_MESSAGE_CHARS", 2000)
if not 1 <= DYAD_MAX_MESSAGE_CHARS <= 4000:  # studies.text.MESSAGE_MAX: every frame fits its budget
    raise ImproperlyConfigured("DYAD_MAX_MESSAGE_CHARS must be from 1 to 4000.")
# Agent turns: attempts for transient LLM errors, and how often streamed text is flushed.
DYAD_AGENT_ATTEMPTS = env_int("DYAD_AGENT_ATTEMPTS", 3)
DYAD_AGENT_BACKOFF_SECONDS = env_float("DYAD_AGENT_BACKOFF_SECONDS", 1.0)
DYAD_STREAM_FLUSH_SECONDS = env_float("DYAD_STREAM_FLUSH_SECONDS", 0.2)
# Where a participant's agent turn runs on real services: "socket", in the Daphne process
# that holds the participant's socket, its text handed to that process's sockets without a
# trip through Redis (docs/benchmarks.md: issue 23); or "worker", a Celery task. A turn
# started away from any socket (a worker restarting a lost turn, a command) is a task.
DYAD_TURNS_IN = env_str("DYAD_TURNS_IN", "socket")
if DYAD_TURNS_IN not in {"socket", "worker"}:
    raise ImproperlyConfigured(f"DYAD_TURNS_IN must be socket or worker, not {DYAD_TURNS_IN!r}")
# Agent turns one process runs at once (each is a task on an event loop, not a thread).
DYAD_TURNS_PER_PROCESS = env_int("DYAD_TURNS_PER_PROCESS", 500)
# Threads (so database connections) each process's turns use for their short database steps.
DYAD_TURN_DB_THREADS = env_int("DYAD_TURN_DB_THREADS", 4 if DATABASE_URL else 1)
# A turn whose process died (its heart, beating every 2 s, stopped this long) is restarted.
DYAD_TURN_LOST_SECONDS = env_int("DYAD_TURN_LOST_SECONDS", 20)
# A running turn with no progress for this long may be retried by the participant.
DYAD_AGENT_STALE_SECONDS = env_int("DYAD_AGENT_STALE_SECONDS", 45)
# Where this site is reached, set by the operator (`make run` and `make serve` set it): a
# pilot's simulated participants, with their signed token, go there. Never taken from a
# request, whose Host header its sender chooses. DYAD_PILOT_URL is its former name.
SITE_URL_DEFAULT = "http://127.0.0.1:8000"
DYAD_SITE_URL = site_url(env_str("DYAD_SITE_URL") or env_str("DYAD_PILOT_URL") or SITE_URL_DEFAULT)
# The demo study's conditions use this endpoint when set (see README).
DYAD_LLM_BASE_URL = env_str("DYAD_LLM_BASE_URL")
DYAD_LLM_MODEL = env_str("DYAD_LLM_MODEL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Request logs of the LLM client never reach the console: no URL with a token, no header.
    "loggers": {name: {"level": "WARNING"} for name in ("httpx", "httpx2", "httpcore", "openai")}
    # django-axes: its start-up banner and per-attempt INFO lines; failures stay (WARNING).
    | {"axes": {"level": "WARNING"}},
}
