#!/usr/bin/env bash
# The smoke test through the ingress, as a user: sign up, add a task with a reminder two minutes from now by
# chat, and wait for the reminder on the live notification stream (Server-Sent Events).
#
#   deploy/smoke.sh https://todo.example.com
set -euo pipefail
base=${1:?usage: deploy/smoke.sh <base url>}
jar=$(mktemp)
trap 'rm -f "$jar" "$jar.stream"' EXIT
email="smoke-$(date +%s)-$RANDOM@example.test"

curl -fsS -c "$jar" -X POST "$base/api/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"smoke-test-password-1\",\"tz\":\"UTC\"}" >/dev/null
echo "signed up as $email"

# Listen first, so the reminder cannot arrive before anyone is listening.
curl -fsS -N -b "$jar" "$base/api/notifications/stream" --max-time 240 >"$jar.stream" 2>/dev/null &
listener=$!

# Two minutes ahead, rounded to the minute (the user's zone is UTC).
at=$(date -u -d '+2 minutes' +%H:%M)
curl -fsS -b "$jar" -X POST "$base/api/chat" -H 'content-type: application/json' \
  -d "{\"message\":\"remind me to water the smoke plants at $at\"}" | tee /dev/stderr | grep -q 'water the smoke plants'
echo "task added by chat, reminder at $at UTC"

for _ in $(seq 240); do
  if grep -q 'water the smoke plants' "$jar.stream"; then
    echo "reminder arrived on the stream"
    kill "$listener" 2>/dev/null || true
    exit 0
  fi
  sleep 1
done
echo "no reminder on the stream within 4 minutes" >&2
exit 1
