#!/usr/bin/env bash
# One pipeline event as JSON into the tooling account's /hn-reader/pipeline/events log group
# (terraform/bootstrap/pipeline-logs.tf), stream <env>-<run>: what Logs Insights queries by
# commit and environment. Outside the pipeline (no GITHUB_ACTIONS) it only prints the event.
#   pipeline-event.sh <event> <env> <digest> <run> <result> [url]
set -euo pipefail
event="$1" env="$2" digest="$3" run="$4" result="$5" url="${6:-}"
commit="${GITHUB_SHA:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
json="$(python3 -c 'import json,sys; k=["event","env","digest","run","result","url","commit"]; print(json.dumps(dict(zip(k, sys.argv[1:]))))' \
  "$event" "$env" "$digest" "$run" "$result" "$url" "$commit")"
echo "pipeline event: $json"
[[ -n "${GITHUB_ACTIONS:-}" ]] || exit 0
group="/hn-reader/pipeline/events" stream="${env}-${run}"
aws logs create-log-stream --log-group-name "$group" --log-stream-name "$stream" 2>/dev/null || true
aws logs put-log-events --log-group-name "$group" --log-stream-name "$stream" \
  --log-events "$(python3 -c 'import json,sys,time; print(json.dumps([{"timestamp": int(time.time()*1000), "message": sys.argv[1]}]))' "$json")" >/dev/null \
  || echo "pipeline event: not recorded (CloudWatch Logs refused it); the deploy result stands" >&2
