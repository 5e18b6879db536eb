"""One env-driven settings module.

SQLite (a file under var/) is the default; ``DATABASE_URL=postgres://…`` switches to PostgreSQL, the production
database. Every knob a deployment may turn is an environment variable read here and nowhere else.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# The demo database is the only one load_demo writes to (see lianxi/demo/loader.py).
DEMO = env_bool("LIANXI_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "lianxi.core",
    "lianxi.accounts",
    "lianxi.directory",
    "lianxi.appeals",
    "lianxi.notifications",
    "lianxi.meetings",
    "lianxi.deputies",
    "lianxi.supervision",
    "lianxi.problems",
    "lianxi.economy",
    "lianxi.web",
    "lianxi.stats",
    "lianxi.routing",
    "lianxi.similar",
    "lianxi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lianxi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'lianxi.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for analytics, not for a web page's queries: it added 85-400 ms to single
    # COUNTs at a million appeals (bench/bench_pages.py). work_mem: a department's scope (lead OR co-handled,
    # 110,000 appeals of a million) is a bitmap that outgrows PostgreSQL's default 4 MB and turns lossy, so
    # ANDed with a search it rechecks 6,000 table pages instead of 300 (the count of a handler's 用电 search:
    # 67 -> 15 ms). Per sort or bitmap node of a connection, and connections are few (gunicorn workers).
    work_mem = os.environ.get("DB_WORK_MEM", "16MB")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c jit=off -c work_mem={work_mem}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two actions on one appeal serialize
    # instead of both reading the old state; the timeout lets the second one wait for the first.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Front-end packages from the npm registry (package.json, pinned by package-lock.json; `make venv` runs `npm ci`):
# served by staticfiles like any app's static files, never from a CDN.
STATICFILES_DIRS = [("echarts", BASE_DIR / "node_modules" / "echarts" / "dist")]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lianxi.core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lianxi.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "联席 Lianxi API",
    "DESCRIPTION": "清镇市民营企业诉求闭环办理平台 REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc come from drf-spectacular-sidecar: no CDN, the machines have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "lianxi.directory.models.Department.Kind",
        "AppealKindEnum": "lianxi.appeals.models.Kind",
        "AppealStateEnum": "lianxi.appeals.workflow.State",
        "SupervisionTriggerEnum": "lianxi.supervision.models.Trigger",
        "AccountabilityTriggerEnum": "lianxi.supervision.models.AccountabilityTrigger",
        "AccountabilityStatusEnum": "lianxi.supervision.models.AccountabilityStatus",
        "OpinionKindEnum": "lianxi.deputies.models.Opinion.Kind",
        "ReceptionSessionStatusEnum": "lianxi.meetings.models.ReceptionSession.Status",
        "CommonProblemStateEnum": "lianxi.problems.models.Stage",
    },
}

# Loop settings (DOMAIN.md "Time limits"); per-category limits live on Category and are editable.
LIANXI = {
    # Close automatically after a satisfied follow-up (rating >= 3 and solved) instead of waiting for a supervisor.
    "AUTO_CLOSE_SATISFIED": env_bool("LIANXI_AUTO_CLOSE_SATISFIED", False),
    "MAX_ATTACHMENT_BYTES": env_int("LIANXI_MAX_ATTACHMENT_MB", 20) * 1024 * 1024,
    "IDEMPOTENCY_HOURS": 24,
    # Working days overdue after which a limit is raised to 挂牌督办 and goes on the accountability list.
    "LISTED_AFTER_WORKDAYS": env_int("LIANXI_LISTED_AFTER_WORKDAYS", 5),
    # Working days a department has to answer a supervision order (督办单) raised automatically.
    "SUPERVISION_ANSWER_WORKDAYS": env_int("LIANXI_SUPERVISION_ANSWER_WORKDAYS", 2),
    # The office that signs supervision orders (督办单).
    "ISSUING_OFFICE": os.environ.get("LIANXI_ISSUING_OFFICE", "清镇市营商环境联席办公室"),
    # 综合得分: weights of the rates that rank departments (Beijing's 接诉即办 has used 0.1 / 0.5 / 0.4), and the
    # appeals a department must have received in the period before it is ranked.
    "RANKING_WEIGHTS": {"response_rate": 0.1, "solved_rate": 0.5, "satisfaction_rate": 0.4},
    "RANKING_MIN_RECEIVED": env_int("LIANXI_RANKING_MIN_RECEIVED", 5),
}

# 智能派单 (lianxi.routing): department suggestions learned from the history, blended with the remits. The other
# knobs, their defaults and what each does: lianxi/routing/conf.py.
LIANXI_ROUTING = {
    "RETRAIN_EVERY": env_int("LIANXI_ROUTING_RETRAIN_EVERY", 500),  # new dispatches before a background retrain
    "MIN_SCORE": float(os.environ.get("LIANXI_ROUTING_MIN_SCORE", 0.2)),  # below it: "no suggestion"
}

# Notifications (lianxi.notifications): the in-app inbox always; e-mail, SMS and the 企业微信/钉钉 group robot
# through the senders named here (dotted paths). Every channel logs by default; see README "Background work".
_LOGGING_SENDER = "lianxi.notifications.senders.LoggingSender"
LIANXI_NOTIFY = {
    "SENDERS": {
        "email": os.environ.get("LIANXI_NOTIFY_EMAIL_SENDER", _LOGGING_SENDER),  # …senders.EmailSender for SMTP
        "sms": os.environ.get("LIANXI_NOTIFY_SMS_SENDER", _LOGGING_SENDER),  # …senders.SmsSender
        "webhook": os.environ.get("LIANXI_NOTIFY_WEBHOOK_SENDER", _LOGGING_SENDER),  # …senders.WebhookSender
    },
    "SITE_URL": os.environ.get("LIANXI_SITE_URL", "http://127.0.0.1:8000"),  # links in e-mail, SMS and chat
    "SMS_URL": os.environ.get("LIANXI_SMS_URL", ""),
    "SMS_KEY": os.environ.get("LIANXI_SMS_KEY", ""),
    "WEBHOOK_URL": os.environ.get("LIANXI_WEBHOOK_URL", ""),
    "WEBHOOK_KEY": os.environ.get("LIANXI_WEBHOOK_KEY", ""),
    "WEBHOOK_FLAVOR": os.environ.get("LIANXI_WEBHOOK_FLAVOR", "wecom"),  # wecom (企业微信) or dingtalk (钉钉)
    "TIMEOUT": env_int("LIANXI_NOTIFY_TIMEOUT", 10),  # seconds per HTTP send; must stay well under CLAIM_SECONDS
    "MAX_ATTEMPTS": env_int("LIANXI_NOTIFY_MAX_ATTEMPTS", 8),
    "BACKOFF_SECONDS": env_int("LIANXI_NOTIFY_BACKOFF_SECONDS", 60),  # 1, 2, 4, … minutes between tries
    "BACKOFF_CAP_SECONDS": env_int("LIANXI_NOTIFY_BACKOFF_CAP_SECONDS", 3600),
    "CLAIM_SECONDS": 300,  # a claimed message is retried after this long if its deliverer died
}
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "联席 <lianxi@localhost>")

# Celery, for scale-out (config/celery.py); `make demo` runs the same steps as management-command loops instead.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True  # the steps report through the database; a caller that wants a result asks for it
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The minute's background steps that `manage.py background` runs in one loop (each returns quickly when nothing
# is due); Celery beat runs the same steps as tasks below.
LIANXI_BACKGROUND_STEPS = [
    "lianxi.stats.facts.refresh",  # the numbers' facts of the appeals actions marked stale
    "lianxi.similar.index.index_pending",  # new and edited appeals into the similar-appeal index
    "lianxi.routing.training.maybe_retrain",  # retrain the department suggester after enough new dispatches
]

CELERY_BEAT_SCHEDULE = {
    "deliver-outbox": {"task": "lianxi.notifications.tasks.deliver_outbox", "schedule": 10.0},
    "supervise": {"task": "lianxi.supervision.tasks.supervise", "schedule": 60.0},
    "refresh-stats": {"task": "lianxi.stats.tasks.refresh_stats", "schedule": 60.0},
    "routing-retrain": {"task": "lianxi.routing.tasks.maybe_retrain", "schedule": 300.0},
    "similar-index": {"task": "lianxi.similar.tasks.index_similar", "schedule": 60.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
