#!/usr/bin/env bash
# Makes a class cache of interpreterd for one JDK and one jar, which shortens the JVM's part of the
# daemon's start: an AOT cache on JDK 25 and newer (-XX:AOTCacheOutput, used with -XX:AOTCache), a
# dynamic CDS archive on JDK 17 to 24 (-XX:ArchiveClassesAtExit, used with -XX:SharedArchiveFile).
# The JVM records what a training run loads: this script starts the daemon from JAR on a free
# loopback port, asks it for /health, runs print(42) and stops it; the JVM writes the cache as it exits.
#
# Usage: make-java-cache.sh JAVA JAR DIR [PYTHON]
#   Writes DIR/interpreterd.aot (or .jsa) and DIR/java-cache.env, which sets JAVA_CACHE_OPTS to the
#   options that use it (the unit reads that file). JAVA_OPTS in the environment: the JVM options of
#   the daemon (default: the README's). PYTHON: the interpreter of the training run (default python3).
# A cache holds the JDK's build and the jar's path, size and time: it serves that jar at that path
# with that JDK only. A JVM that cannot use it says so on stderr and starts without it; install.sh
# makes it again at every install. Exits 1, leaving neither file, when the training run fails.
set -euo pipefail

readonly READY_TIMEOUT_SECONDS=60
# Writing an AOT cache at exit takes a few seconds more than the run.
readonly EXIT_TIMEOUT_SECONDS=120
readonly DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
# The first JDK whose JVM makes and uses AOT caches in one step (JEP 514).
readonly AOT_CACHE_JAVA=25

die() {
    echo "make-java-cache.sh: error: $*" >&2
    exit 1
}

(($# == 3 || $# == 4)) || die "usage: make-java-cache.sh JAVA JAR DIR [PYTHON]"
java=$1
jar=$(realpath -- "$2")
dir=$(realpath -- "$3")
python=${4:-python3}
[[ -f $jar ]] || die "no jar at $jar"
[[ -d $dir ]] || die "no directory $dir"

work=$(mktemp -d)
pid=""
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

version=$("$java" -version 2>&1 | head -n 1)
major=$(sed -n 's/.* version "\([0-9]*\).*/\1/p' <<<"$version")
[[ -n $major ]] || die "cannot tell the version of $java: $version"
if ((major >= AOT_CACHE_JAVA)); then
    cache=$dir/interpreterd.aot
    record=(-XX:AOTCacheOutput="$cache.new")
    # -XX:+IgnoreUnrecognizedVMOptions: should /usr/bin/java become a JDK older than 25, which does
    # not know -XX:AOTCache, the daemon still starts, without the cache.
    use="-XX:+IgnoreUnrecognizedVMOptions -XX:AOTCache=$cache"
    require=(-XX:AOTMode=on)
else
    cache=$dir/interpreterd.jsa
    record=(-XX:ArchiveClassesAtExit="$cache.new")
    use="-XX:SharedArchiveFile=$cache"
    require=(-Xshare:on)
fi
rm -f "$cache" "$cache.new" "$dir/java-cache.env"

# The daemon runs the code as another user when this runs as root: it may pass through to its work dir.
chmod 0711 "$work"
install -d -m 0777 "$work/code"
read -r -a options <<<"${JAVA_OPTS:-$DEFAULT_JAVA_OPTS}"
# Last, so that they win over JAVA_OPTS: the run's temporary files stay in its own directory.
"$java" "${options[@]}" "${record[@]}" -Djava.io.tmpdir="$work" -Djna.tmpdir="$work" -jar "$jar" \
    --host 127.0.0.1 --port 0 --python "$python" --work-dir "$work/code" >"$work/log" 2>&1 &
pid=$!

port=""
for ((i = 0; i < READY_TIMEOUT_SECONDS * 10; i++)); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/log" | head -n 1)
    [[ -n $port ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $port ]] || die "the daemon did not start: $(tail -n 20 "$work/log")"

"$python" - "$port" <<'EOF' || die "the training requests failed: $(tail -n 20 "$work/log")"
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
urllib.request.urlopen(base + "/health", timeout=30).read()
request = urllib.request.Request(base + "/process/interpreter/execute", data=json.dumps({"code": "print(42)"}).encode(),
                                 headers={"Content-Type": "application/json"})
answer = json.load(urllib.request.urlopen(request, timeout=60))
sys.exit(0 if answer["stdout"] == "42\n" else f"unexpected answer: {answer}")
EOF

kill -TERM "$pid"
for ((i = 0; i < EXIT_TIMEOUT_SECONDS * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
wait "$pid" || die "the daemon did not stop cleanly: $(tail -n 20 "$work/log")"
pid=""
[[ -s $cache.new ]] || die "$java wrote no cache: $(grep -iE 'error|aot|cds' "$work/log" | tail -n 20)"

chmod 0644 "$cache.new"
mv -f "$cache.new" "$cache"
# Only a cache the JVM can use is kept: with these options it refuses to start without it.
read -r -a use_options <<<"$use"
if ! "$java" "${require[@]}" "${use_options[@]}" -jar "$jar" --version >"$work/check" 2>&1; then
    rm -f "$cache"
    die "$java cannot use the cache it wrote: $(head -n 20 "$work/check")"
fi
cat >"$dir/java-cache.env" <<EOF
# Made by make-java-cache.sh for $jar and $version; install.sh makes it again.
JAVA_CACHE_OPTS="$use"
EOF
chmod 0644 "$dir/java-cache.env"
echo "make-java-cache.sh: made $cache for $version"
