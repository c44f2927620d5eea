#!/usr/bin/env bash
# `make serve`: Dyad as it runs in production, on this machine: two Daphne processes and a
# Celery worker behind nginx, on PostgreSQL and Redis, with DEBUG off. Sets up what it needs
# (the database, migrations, static files, the demo study, a secret key kept in .run/), then
# runs the Procfile with honcho. Plain http on loopback, so cookies are not marked Secure.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dyad}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DEBUG=false SECURE_COOKIES=false STATIC_ROOT="$PWD/staticfiles"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export TRUSTED_PROXIES="${TRUSTED_PROXIES:-1}"  # nginx: sign-in throttling reads its X-Forwarded-For
export DYAD_SITE_URL="${DYAD_SITE_URL:-${DYAD_PILOT_URL:-http://127.0.0.1:8000}}"

mkdir -p .run/nginx
chmod 0777 .run/nginx  # nginx's workers run as "nobody" when it is started as root
if [ ! -s .run/secret_key ]; then
  .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .run/secret_key
  chmod 0600 .run/secret_key
fi
export SECRET_KEY="$(cat .run/secret_key)"

for tool in nginx redis-cli; do
  command -v "$tool" >/dev/null || { echo "make serve needs $tool (apt-get install nginx redis-tools)"; exit 1; }
done
redis-cli -u "$REDIS_URL" ping >/dev/null || { echo "Redis is not answering at $REDIS_URL"; exit 1; }
.venv/bin/python -m deploy.database  # creates the database named in DATABASE_URL if needed
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py seed_demo --base-url http://127.0.0.1:8000
nginx -p "$PWD/" -e .run/nginx/error.log -c deploy/nginx.conf -t -q
echo "Serving on http://127.0.0.1:8000/ (2 Daphne processes, a Celery worker, nginx; Ctrl+C stops)"
exec .venv/bin/honcho start -f Procfile
