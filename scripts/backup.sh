#!/usr/bin/env bash
# Back up the portal: the database (pg_dump, custom format), the encrypted private files
# (DSR_PRIVATE_ROOT, still encrypted) and the audit anchor file, with a manifest.
#
#   scripts/backup.sh BACKUP_DIR
#
# Reads DATABASE_URL, DSR_PRIVATE_ROOT and DSR_AUDIT_ANCHOR_FILE from the environment. Key
# material is NOT included (DSR_FILE_ENCRYPTION_KEY, DSR_AUDIT_CHAIN_KEY, DJANGO_SECRET_KEY):
# keep the keys in the secrets store, apart from the backups, so that a stolen backup is only
# ciphertext. The disposal journal (DSR_DISPOSAL_JOURNAL_FILE) is not in the backup either: it
# must outlive it, because after a restore it says what to dispose of again.
set -euo pipefail

target=${1:?usage: scripts/backup.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database}"
: "${DSR_PRIVATE_ROOT:?DSR_PRIVATE_ROOT must be set}"
: "${DSR_AUDIT_ANCHOR_FILE:?DSR_AUDIT_ANCHOR_FILE must be set}"

umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir="$target/keiseikyo-$stamp"
mkdir -p "$dir"
# The time written to the manifest is taken before the dump starts: every disposal after it
# is applied again after a restore (at worst twice, which the re-purge tolerates).
taken_at=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)

pg_dump --format=custom --no-owner --no-privileges --file="$dir/database.dump" "$DATABASE_URL"
if [ -d "$DSR_PRIVATE_ROOT" ]; then
  tar -C "$DSR_PRIVATE_ROOT" -cf "$dir/private-files.tar" .
else
  tar -cf "$dir/private-files.tar" -T /dev/null
fi
if [ -f "$DSR_AUDIT_ANCHOR_FILE" ]; then
  cp "$DSR_AUDIT_ANCHOR_FILE" "$dir/audit-anchor.log"
else
  : > "$dir/audit-anchor.log"
fi
(cd "$dir" && sha256sum database.dump private-files.tar audit-anchor.log > SHA256SUMS)
cat > "$dir/manifest" <<MANIFEST
taken_at=$taken_at
database=$(basename "${DATABASE_URL%%\?*}")
MANIFEST
echo "$dir"
