#!/usr/bin/env bash
# End-to-end smoke test of a running interpreterd, with curl; python3 only reads and writes JSON.
#
#   ./example_test.sh [URL]        URL defaults to $INTERPRETERD_URL, then http://127.0.0.1:8000
#
# INTERPRETERD_TOKEN, when set, is sent as "Authorization: Bearer <token>".
# INTERPRETERD_MAX_BODY_BYTES is the daemon's --max-body in bytes (default 10 MiB), for the 413 case.
# Prints one PASS or FAIL line per case, then "N passed, M failed"; exits non-zero if any failed.
# The context cases print SKIP instead where the daemon cannot make contexts (503 contexts_unavailable).
set -u

URL="${1:-${INTERPRETERD_URL:-http://127.0.0.1:8000}}"
URL="${URL%/}"
EXECUTE_PATH="/process/interpreter/execute"
CONTEXT_PATH="/process/interpreter/context"
MAX_BODY_BYTES="${INTERPRETERD_MAX_BODY_BYTES:-10485760}"
REQUEST_SECONDS=60

AUTH=()
if [[ -n "${INTERPRETERD_TOKEN:-}" ]]; then
  AUTH=(-H "Authorization: Bearer ${INTERPRETERD_TOKEN}")
fi

SCRATCH="$(mktemp -d)"
BODY="$SCRATCH/body.json"
REQUEST="$SCRATCH/request.json"

passed=0
failed=0
problems=()
skip_reason=""
# The context the context cases share: live from context_create to context_delete_204, then deleted.
context_id=""
deleted_context_id=""
contexts_unavailable=0

# Deletes the context if a case stopped before deleting it, then the scratch directory.
finish() {
  if [[ -n "$context_id" ]]; then
    http DELETE "$CONTEXT_PATH/$context_id" >/dev/null
  fi
  rm -rf "$SCRATCH"
}
trap finish EXIT

# python3 in UTF-8 mode, whatever the locale, so that non-ASCII text survives argv and stdout.
py() {
  python3 -X utf8 -c "$@"
}

# request_json CODE [EXTRA_FIELDS_JSON]: writes {"code": CODE, ...EXTRA} to $REQUEST.
request_json() {
  local extra="${2:-}"
  [[ -n "$extra" ]] || extra='{}'
  py 'import json, sys
body = json.loads(sys.argv[2])
body["code"] = sys.argv[1]
sys.stdout.write(json.dumps(body, ensure_ascii=False))' "$1" "$extra" >"$REQUEST"
}

# field PATH: the JSON encoding of a field of the last answer, e.g. field error.traceback.-1.
field() {
  py 'import json, sys
try:
    value = json.load(open(sys.argv[1], encoding="utf-8"))
except ValueError:
    sys.stdout.write("<not JSON>")
    sys.exit()
for key in filter(None, sys.argv[2].split(".")):
    try:
        value = value[int(key)] if isinstance(value, list) else value[key]
    except (LookupError, TypeError, ValueError):
        sys.stdout.write("<missing>")
        sys.exit()
sys.stdout.write(json.dumps(value, ensure_ascii=False))' "$BODY" "$1"
}

# http METHOD PATH [CURL_ARGS...]: sends the request, keeps the body in $BODY, prints the status.
http() {
  local method="$1" path="$2"
  shift 2
  : >"$BODY"
  curl -sS -X "$method" --max-time "$REQUEST_SECONDS" -o "$BODY" -w '%{http_code}' \
    ${AUTH[@]+"${AUTH[@]}"} "$@" "$URL$path" 2>"$SCRATCH/curl.err"
}

# post_file FILE: POSTs a JSON file to the execute path, prints the status.
post_file() {
  http POST "$EXECUTE_PATH" -H 'Content-Type: application/json' --data-binary "@$1"
}

# execute CODE [EXTRA_FIELDS_JSON]: runs code; returns non-zero (and notes why) unless the answer is 200.
execute() {
  request_json "$@" || { problems+=("could not build the request body"); return 1; }
  expect_http 200 "$(post_file "$REQUEST")"
}

# expect_http EXPECTED ACTUAL: notes a problem, with what came back, unless the status matches.
expect_http() {
  [[ "$2" == "$1" ]] && return 0
  local detail
  if [[ "$2" == "000" ]]; then
    detail="$(head -c 300 "$SCRATCH/curl.err")"
  else
    detail="$(head -c 300 "$BODY")"
  fi
  problems+=("HTTP status expected $1, got $2 (${detail})")
  return 1
}

# check LABEL ACTUAL EXPECTED: notes a problem unless ACTUAL equals EXPECTED.
check() {
  [[ "$2" == "$3" ]] || problems+=("$1 expected $3, got $2")
}

# check_contains LABEL ACTUAL PART: notes a problem unless ACTUAL contains PART.
check_contains() {
  [[ "$2" == *"$3"* ]] || problems+=("$1 expected to contain $3, got $2")
}

# needs_context ID PROBLEM: true when ID is set; otherwise skips the case where the daemon cannot
# make contexts, or notes PROBLEM.
needs_context() {
  if ((contexts_unavailable)); then
    skip_reason="the daemon cannot make the boxes contexts live in (503 contexts_unavailable)"
    return 1
  fi
  [[ -n "$1" ]] && return 0
  problems+=("$2")
  return 1
}

# run_case NAME: runs case_NAME and prints its PASS, FAIL or SKIP line.
run_case() {
  problems=()
  skip_reason=""
  "case_$1"
  if [[ -n "$skip_reason" ]]; then
    printf 'SKIP %s: %s\n' "$1" "$skip_reason"
  elif ((${#problems[@]} == 0)); then
    printf 'PASS %s\n' "$1"
    passed=$((passed + 1))
  else
    local joined
    printf -v joined '%s; ' "${problems[@]}"
    printf 'FAIL %s: %s\n' "$1" "${joined%; }"
    failed=$((failed + 1))
  fi
}

case_health() {
  expect_http 200 "$(http GET /health)" || return 0
  check status "$(field status)" '"ok"'
}

case_ok() {
  execute 'print(6 * 7)' || return 0
  check status "$(field status)" '"ok"'
  check stdout "$(field stdout)" '"42\n"'
  check stderr "$(field stderr)" '""'
  check exitCode "$(field exitCode)" 0
  check signal "$(field signal)" null
  check error "$(field error)" null
}

case_error() {
  execute $'def f():\n    return 1 / 0\nprint("before")\nf()' || return 0
  check status "$(field status)" '"error"'
  check stdout "$(field stdout)" '"before\n"'
  check error.name "$(field error.name)" '"ZeroDivisionError"'
  check error.value "$(field error.value)" '"division by zero"'
  check 'first traceback line' "$(field error.traceback.0)" '"Traceback (most recent call last):"'
  check 'last traceback line' "$(field error.traceback.-1)" '"ZeroDivisionError: division by zero"'
}

case_exit() {
  execute $'import sys\nprint("bye")\nsys.exit(3)' || return 0
  check status "$(field status)" '"exit"'
  check exitCode "$(field exitCode)" 3
  check stdout "$(field stdout)" '"bye\n"'
  check error "$(field error)" null
}

case_interrupted() {
  execute $'import time\nprint("started", flush=True)\ntime.sleep(30)' '{"timeout": 1}' || return 0
  check status "$(field status)" '"interrupted"'
  check signal "$(field signal)" '"SIGINT"'
  check error.name "$(field error.name)" '"TimeoutError"'
  check 'stdout before the stop' "$(field stdout)" '"started\n"'
}

case_killed() {
  execute $'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)' || return 0
  check status "$(field status)" '"killed"'
  check signal "$(field signal)" '"SIGSEGV"'
  check exitCode "$(field exitCode)" null
}

case_stdout_and_stderr() {
  execute $'import sys\nprint("to stdout")\nprint("to stderr", file=sys.stderr)' || return 0
  check status "$(field status)" '"ok"'
  check stdout "$(field stdout)" '"to stdout\n"'
  check stderr "$(field stderr)" '"to stderr\n"'
}

case_envs() {
  execute $'import os\nprint(os.environ["GREETING"])\nprint(repr(os.environ["EMPTY"]))' \
    '{"envs": {"GREETING": "hello from envs", "EMPTY": ""}}' || return 0
  check stdout "$(field stdout)" $'"hello from envs\\n\'\'\\n"'
  execute $'import os\nprint(os.environ.get("GREETING"))' || return 0
  check 'stdout of the next execution' "$(field stdout)" '"None\n"'
}

case_cwd() {
  # /tmp exists wherever the daemon runs; samefile copes with a /tmp that is a symbolic link.
  execute $'import os\nprint(os.path.samefile(os.getcwd(), "/tmp"))' '{"cwd": "/tmp"}' || return 0
  check status "$(field status)" '"ok"'
  check stdout "$(field stdout)" '"True\n"'
}

case_invalid_request_400() {
  printf '%s' '{"code": 42}' >"$REQUEST"
  expect_http 400 "$(post_file "$REQUEST")" || return 0
  check error "$(field error)" '"invalid_request"'
  check_contains message "$(field message)" "'code'"
}

case_body_too_large_413() {
  # A valid body one byte over the limit: a comment, so a daemon without the limit would just run it.
  py 'import sys
size = int(sys.argv[1]) + 1
head, tail = "{\"code\": \"#", "\"}"
sys.stdout.write(head + "x" * (size - len(head) - len(tail)) + tail)' "$MAX_BODY_BYTES" >"$SCRATCH/big.json" \
    || { problems+=("could not build a body of $((MAX_BODY_BYTES + 1)) bytes"); return 0; }
  expect_http 413 "$(post_file "$SCRATCH/big.json")" || return 0
  check error "$(field error)" '"body_too_large"'
}

case_unicode() {
  local text='héllo wörld ✓ 日本語 🐍'
  execute $'import sys\ns = "'"$text"$'"\nprint(s, len(s))\nprint(s, file=sys.stderr)' || return 0
  check status "$(field status)" '"ok"'
  check stdout "$(field stdout)" "\"$text 19\\n\""
  check stderr "$(field stderr)" "\"$text\\n\""
}

case_context_create() {
  local status id
  status="$(http POST "$CONTEXT_PATH" -H 'Content-Type: application/json' --data-binary '{}')"
  if [[ "$status" == 503 && "$(field error)" == '"contexts_unavailable"' ]]; then
    contexts_unavailable=1
    needs_context "" ""
    return 0
  fi
  expect_http 200 "$status" || return 0
  check language "$(field language)" '"python"'
  check active "$(field active)" true
  check executions "$(field executions)" 0
  id="$(field id)"
  if [[ "$id" =~ ^\"([0-9a-f-]+)\"$ ]]; then
    context_id="${BASH_REMATCH[1]}"
  else
    problems+=("id expected a string, got $id")
  fi
}

case_context_keeps_state() {
  needs_context "$context_id" "no context to use, as context_create failed" || return 0
  local in_context="{\"contextId\": \"$context_id\"}"
  execute 'x = 41' "$in_context" || return 0
  check status "$(field status)" '"ok"'
  check contextId "$(field contextId)" "\"$context_id\""
  execute 'print(x + 1)' "$in_context" || return 0
  check 'stdout of the next execution in the context' "$(field stdout)" '"42\n"'
  check contextRestarted "$(field contextRestarted)" false
  execute 'print("x" in globals())' || return 0
  check 'stdout of an execution without the context' "$(field stdout)" '"False\n"'
  check 'contextId without the context' "$(field contextId)" null
}

case_context_delete_204() {
  needs_context "$context_id" "no context to delete, as context_create failed" || return 0
  expect_http 204 "$(http DELETE "$CONTEXT_PATH/$context_id")" || return 0
  deleted_context_id="$context_id"
  context_id=""
  check body "$(head -c 100 "$BODY")" ''
}

case_context_not_found_404() {
  needs_context "$deleted_context_id" "no deleted context to ask for, as context_delete_204 failed" || return 0
  expect_http 404 "$(http GET "$CONTEXT_PATH/$deleted_context_id")" || return 0
  check error "$(field error)" '"context_not_found"'
  request_json 'print(x)' "{\"contextId\": \"$deleted_context_id\"}" \
    || { problems+=("could not build the request body"); return 0; }
  expect_http 404 "$(post_file "$REQUEST")" || return 0
  check 'error of an execution in it' "$(field error)" '"context_not_found"'
}

for name in health ok error exit interrupted killed stdout_and_stderr envs cwd \
  invalid_request_400 body_too_large_413 unicode \
  context_create context_keeps_state context_delete_204 context_not_found_404; do
  run_case "$name"
done

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
