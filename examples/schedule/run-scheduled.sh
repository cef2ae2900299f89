#!/bin/sh
# Run one Game Day experiment or playbook unattended and keep what it made:
#   run-scheduled.sh PLAYBOOK [ARTEFACTS_DIR]
# Each run gets its own folder under ARTEFACTS_DIR (default
# ${GAMEDAY_ARTEFACTS:-./gameday-artefacts}), named by its UTC start time:
#   journal.json   the Chaos Toolkit journal
#   junit.xml      JUnit XML for the CI system or dashboard
#   report.md, report.html   the session's report
#   session/       the whole session (events.jsonl, frozen experiment, ...)
#   gameday.log    what gameday printed (warnings and errors; --verbose for more)
#   exit-code      gameday's exit code
# Exit code: gameday's, except a run refused by a blackout window (3),
# which is a success here unless BLACKOUT_IS_FAILURE=1: the window did its
# job. Needs only sh and gameday (GAMEDAY, default: gameday on PATH);
# GAMEDAY_RUN_FLAGS adds flags to `gameday run`.
set -u
playbook="${1:?usage: run-scheduled.sh PLAYBOOK [ARTEFACTS_DIR]}"
root="${2:-${GAMEDAY_ARTEFACTS:-./gameday-artefacts}}"
gameday="${GAMEDAY:-gameday}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$root" || exit 1
out="$root/$stamp"
n=1
# Two runs in the same second get folders of their own.
while ! mkdir "$out" 2>/dev/null; do
  [ -d "$root" ] || exit 1
  out="$root/$stamp-$n"
  n=$((n + 1))
done
mkdir "$out/sessions" || exit 1

# GAMEDAY_RUN_FLAGS: more `gameday run` flags, split on spaces on purpose.
# shellcheck disable=SC2086
"$gameday" run "$playbook" --headless --quiet ${GAMEDAY_RUN_FLAGS:-} \
  --session-dir "$out/sessions" \
  --journal-path "$out/journal.json" \
  --junit "$out/junit.xml" 2>"$out/gameday.log"
code=$?
echo "$code" >"$out/exit-code"

# The session folder is the only one under sessions/: give it a stable name
# and put its reports beside the journal.
for dir in "$out"/sessions/*/; do
  [ -d "$dir" ] || continue
  mv "$dir" "$out/session"
  for f in report.md report.html; do
    [ -f "$out/session/$f" ] && cp "$out/session/$f" "$out/$f"
  done
done
rmdir "$out/sessions" 2>/dev/null

# Whatever gameday said goes to our stderr too (cron mails it, systemd keeps
# it in the journal, Kubernetes in the pod's log).
cat "$out/gameday.log" >&2
if [ "$code" = 3 ] && [ "${BLACKOUT_IS_FAILURE:-0}" != 1 ]; then
  echo "run-scheduled: not started, a blackout window is in force (see $out/gameday.log)" >&2
  exit 0
fi
exit "$code"
