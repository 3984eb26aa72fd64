#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a FRESH database and an EMPTY file area,
# then dispose again of everything disposed of since the backup, and verify the audit chain.
#
#   scripts/restore.sh BACKUP_DIR/keiseikyo-<stamp>
#
# Reads DATABASE_URL (an empty database, created beforehand), DSR_PRIVATE_ROOT (missing or
# empty), DSR_AUDIT_ANCHOR_FILE and DSR_DISPOSAL_JOURNAL_FILE (the live journal, kept apart
# from the backups) and the keys (DSR_FILE_ENCRYPTION_KEY, DSR_AUDIT_CHAIN_KEY, …) from the
# environment, as the portal itself does.
set -euo pipefail

dir=${1:?usage: scripts/restore.sh BACKUP_DIR/keiseikyo-<stamp>}
: "${DATABASE_URL:?DATABASE_URL must point at an empty PostgreSQL database}"
: "${DSR_PRIVATE_ROOT:?DSR_PRIVATE_ROOT must be set}"
: "${DSR_AUDIT_ANCHOR_FILE:?DSR_AUDIT_ANCHOR_FILE must be set}"
root=$(cd "$(dirname "$0")/.." && pwd)
# The checkout's virtualenv when there is one (`make venv`), else the `python` on PATH (the
# container image); PYTHON overrides both.
if [ -z "${PYTHON:-}" ] && [ -x "$root/.venv/bin/python" ]; then
  python=$root/.venv/bin/python
else
  python=${PYTHON:-python}
fi
# The interpreter and the settings (keys included) are checked before anything is restored: a
# restore that stops half way leaves a database that is no longer empty, to be created again.
if ! settings_error=$(cd "$root" && DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-keiseikyo.settings} \
    "$python" -c "from django.conf import settings; settings.INSTALLED_APPS" 2>&1); then
  echo "$python cannot load the portal's settings (run 'make venv', or set PYTHON):" >&2
  echo "$settings_error" | tail -n 1 >&2
  exit 1
fi

(cd "$dir" && sha256sum --check --quiet SHA256SUMS)
taken_at=$(sed -n 's/^taken_at=//p' "$dir/manifest")

if [ -d "$DSR_PRIVATE_ROOT" ] && [ -n "$(ls -A "$DSR_PRIVATE_ROOT")" ]; then
  echo "DSR_PRIVATE_ROOT is not empty; restore into an empty file area" >&2
  exit 1
fi
umask 077
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" "$dir/database.dump"
mkdir -p "$DSR_PRIVATE_ROOT"
tar -C "$DSR_PRIVATE_ROOT" -xf "$dir/private-files.tar"
mkdir -p "$(dirname "$DSR_AUDIT_ANCHOR_FILE")"
cp "$dir/audit-anchor.log" "$DSR_AUDIT_ANCHOR_FILE"

cd "$root"
"$python" manage.py migrate --no-input
"$python" manage.py repurge_after_restore --since "$taken_at"
"$python" manage.py verify_audit
echo "restored $dir (taken at $taken_at); run create_app_role again for the new database"
