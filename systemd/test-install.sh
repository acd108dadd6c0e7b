#!/usr/bin/env bash
# Tests install.sh in staging roots and the unit with systemd-analyze; changes nothing on this
# machine. Needs a built jar:
#   systemd/test-install.sh [path/to/interpreterd.jar]    (default daemon/target/interpreterd.jar)
# What needs more is skipped without it, with a SKIP line naming what is missing: root (to check
# that the daemon's and the code's users own their directories, and what each may open there),
# systemd-analyze (the unit) and shellcheck (lint).
# Prints one PASS, FAIL or SKIP line per check and "N passed, M failed, K skipped" last; exits
# non-zero on a failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
readonly repo=$here/..
readonly install_sh=$here/install.sh
jar=${1:-$repo/daemon/target/interpreterd.jar}
readonly UNIT=/etc/systemd/system/interpreterd.service
readonly JAR=/opt/interpreterd/interpreterd.jar
readonly DEFAULTS=/etc/default/interpreterd
readonly STATE=/var/lib/interpreterd
readonly WORK=/var/lib/interpreterd/work
readonly JNA=/var/lib/interpreterd/jna
readonly CODE_USER=interpreterd-code
# The only capabilities the unit grants the daemon, ambient and as its bounding set.
readonly CAPABILITIES="CAP_SETUID CAP_SETGID CAP_KILL"
readonly WANTS=/etc/systemd/system/multi-user.target.wants/interpreterd.service
readonly NOBODY=65534

passed=0
failed=0
skipped=0
tmp=$(mktemp -d)
# A second directory that an unprivileged user may read (mktemp -d makes 0700 ones).
public=$(mktemp -d)
trap 'rm -rf "$tmp" "$public"' EXIT
chmod 0755 "$public"
out=$tmp/out

pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}

# fail NAME [DETAIL...]: details are indented under the FAIL line.
fail() {
    echo "FAIL $1"
    shift
    if (($#)); then
        printf '%s\n' "$@" | sed 's/^/    /'
    fi
    failed=$((failed + 1))
}

# skip NAME REASON: a check this machine cannot make; REASON says what it needs.
skip() {
    echo "SKIP $1: $2"
    skipped=$((skipped + 1))
}

# check NAME COMMAND...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@" >"$out" 2>&1; then
        pass "$name"
    else
        fail "$name" "$* failed" "$(head -c 2000 "$out")"
    fi
}

summary() {
    echo "$passed passed, $failed failed, $skipped skipped"
    ((failed == 0))
}

mode_is() {
    [[ $(stat -c %a "$1") == "$2" ]]
}

owner_is() {
    [[ $(stat -c %u:%g "$1") == "$2" ]]
}

# The value of a key in the [Service] section of the installed unit (last occurrence).
unit_value() {
    sed -n "s/^$1=//p" "$root$UNIT" | tail -n 1
}

# ExecStart= runs /usr/bin/java (what install.sh checks on a live system; the staging root has no
# Java) on the installed jar, and EnvironmentFile= and WorkingDirectory= exist in the root.
unit_paths_exist() {
    local exec_start binary jar_arg env_file
    exec_start=$(unit_value ExecStart)
    binary=${exec_start%% *}
    jar_arg=$(sed -n 's/.* -jar \([^ ]*\).*/\1/p' <<<"$exec_start")
    env_file=$(unit_value EnvironmentFile)
    env_file=${env_file#-}
    echo "ExecStart binary=$binary jar=$jar_arg EnvironmentFile=$env_file"
    [[ $binary == /usr/bin/java ]] \
        && [[ $jar_arg == "$JAR" && -f $root$jar_arg ]] \
        && [[ $env_file == "$DEFAULTS" && -f $root$env_file ]] \
        && [[ -d $root$(unit_value WorkingDirectory) ]]
}

# Ownership, mode and content of everything installed, to compare two runs.
layout() {
    (cd "$root" && find . -path ./usr -prune -o -printf '%p %y %m %u:%g %s %l\n' | sort)
}

# What systemd-analyze needs in the staging root besides the unit: the ExecStart binary (a copy of
# this machine's java launcher) and the units it depends on (this machine's unit directory).
prepare_verifier() {
    local units
    for units in /usr/lib/systemd/system /lib/systemd/system; do
        [[ -f $units/sysinit.target ]] && break
    done
    [[ -f $units/sysinit.target ]] || return 1
    mkdir -p "$root/usr/bin" "$root/usr/lib/systemd"
    install -m 0755 "$(readlink -f "$(command -v java)")" "$root/usr/bin/java"
    cp -a "$units" "$root/usr/lib/systemd/"
}

# verify_clean ROOT: systemd-analyze accepts the unit and says nothing about it. It reports unknown
# keys and bad values as warnings but still exits 0, so the output matters as much as the status.
verify_clean() {
    local status=0
    systemd-analyze verify --root="$1" "$UNIT" >"$tmp/verify" 2>&1 || status=$?
    cat "$tmp/verify"
    ((status == 0)) && ! grep -q interpreterd "$tmp/verify"
}

# Every flag of config/Option.java has a commented INTERPRETERD_* line, and JAVA_OPTS one too.
defaults_cover_every_option() {
    local flag missing=0 seen=0
    while read -r flag; do
        # --help and --version ask for something; they configure nothing.
        [[ $flag == help || $flag == version ]] && continue
        seen=$((seen + 1))
        local name=INTERPRETERD_${flag//-/_}
        name=${name^^}
        grep -q "^#$name=" "$root$DEFAULTS" || { echo "missing $name"; missing=1; }
    done < <(sed -n 's/^ *[A-Z_]*("\([a-z-]*\)".*/\1/p' "$repo/daemon/src/main/java/dev/interpreterd/config/Option.java")
    ((seen > 0)) || { echo "no options found in Option.java"; missing=1; }
    grep -q '^#JAVA_OPTS=' "$root$DEFAULTS" || { echo "missing JAVA_OPTS"; missing=1; }
    return "$missing"
}
# expect_refusal MESSAGE COMMAND...: the command fails and says MESSAGE.
expect_refusal() {
    local message=$1 status=0
    shift
    "$@" >"$tmp/refusal" 2>&1 || status=$?
    cat "$tmp/refusal"
    ((status != 0)) && grep -q "$message" "$tmp/refusal"
}

# The JAVA_OPTS shown in the defaults file are the unit's, so that copying them changes nothing.
java_opts_match() {
    local unit_opts defaults_opts
    unit_opts=$(sed -n 's/^Environment="JAVA_OPTS=\(.*\)"$/\1/p' "$here/interpreterd.service")
    defaults_opts=$(sed -n 's/^#JAVA_OPTS="\(.*\)"$/\1/p' "$here/interpreterd.default")
    echo "unit: $unit_opts"
    echo "defaults: $defaults_opts"
    [[ -n $unit_opts && $unit_opts == "$defaults_opts" ]]
}

# A staging root with account files, so install.sh creates the user there.
new_root() {
    mkdir -p "$1/etc"
    printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$1/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
}

# as_unprivileged COMMAND...: runs the command as nobody when this test runs as root, as itself otherwise.
as_unprivileged() {
    if ((EUID == 0)); then
        setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "$@"
    else
        "$@"
    fi
}

if [[ ! -f $jar ]]; then
    fail jar_exists "no jar at $jar; build it with: mvn -q -B package -DskipTests"
    summary
    exit 1
fi

root=$tmp/root
new_root "$root"

# --- Install twice into a staging root.
check first_staged_install_succeeds "$install_sh" --root "$root" --jar "$jar"
layout >"$tmp/layout1"
echo "INTERPRETERD_PORT=9000" >>"$root$DEFAULTS"
check second_staged_install_succeeds "$install_sh" --root "$root" --jar "$jar"
check second_install_keeps_edited_defaults grep -qx "INTERPRETERD_PORT=9000" "$root$DEFAULTS"
sed -i '/^INTERPRETERD_PORT=9000$/d' "$root$DEFAULTS"
layout >"$tmp/layout2"
check second_install_leaves_same_layout diff "$tmp/layout1" "$tmp/layout2"

check jar_installed_unchanged cmp "$jar" "$root$JAR"
check unit_installed_unchanged cmp "$here/interpreterd.service" "$root$UNIT"
check defaults_installed_from_template cmp "$here/interpreterd.default" "$root$DEFAULTS"
check unit_mode_0644 mode_is "$root$UNIT" 644
check jar_mode_0644 mode_is "$root$JAR" 644
check jar_dir_mode_0755 mode_is "$root/opt/interpreterd" 755
check defaults_mode_0600_as_it_may_hold_the_token mode_is "$root$DEFAULTS" 600
check state_dir_mode_0711_so_the_code_may_pass_but_not_list mode_is "$root$STATE" 711
check work_dir_mode_0750 mode_is "$root$WORK" 750
check jna_dir_mode_0700 mode_is "$root$JNA" 700
check service_enabled_for_multi_user_target test "$(readlink "$root$WANTS")" = "$UNIT"

user_line=$(grep '^interpreterd:' "$root/etc/passwd" || true)
uid=$(cut -d: -f3 <<<"$user_line")
gid=$(cut -d: -f4 <<<"$user_line")
check user_added_once_as_system_user test "$(grep -c '^interpreterd:' "$root/etc/passwd")" = 1 -a "$uid" -ge 100 -a "$uid" -lt 1000
check user_has_no_login_shell test "$(cut -d: -f7 <<<"$user_line")" = /usr/sbin/nologin
check group_added_once test "$(grep -c '^interpreterd:' "$root/etc/group")" = 1 -a "$(grep '^interpreterd:' "$root/etc/group" | cut -d: -f3)" = "$gid"
code_line=$(grep "^$CODE_USER:" "$root/etc/passwd" || true)
code_uid=$(cut -d: -f3 <<<"$code_line")
code_gid=$(cut -d: -f4 <<<"$code_line")
check code_user_added_once_as_system_user test "$(grep -c "^$CODE_USER:" "$root/etc/passwd")" = 1 -a "$code_uid" -ge 100 -a "$code_uid" -lt 1000
check code_user_is_not_the_daemons test "$code_uid" != "$uid" -a "$code_gid" != "$gid"
check code_user_has_no_login_shell test "$(cut -d: -f7 <<<"$code_line")" = /usr/sbin/nologin
check code_user_home_is_the_work_dir test "$(cut -d: -f6 <<<"$code_line")" = "$WORK"
check code_group_added_once test "$(grep -c "^$CODE_USER:" "$root/etc/group")" = 1 -a "$(grep "^$CODE_USER:" "$root/etc/group" | cut -d: -f3)" = "$code_gid"

# as_ids UID GID [GROUPS] COMMAND...: runs the command with these ids (GROUPS: supplementary, comma-separated or "").
as_ids() {
    local ids=(--reuid="$1" --regid="$2")
    if [[ -n $3 ]]; then ids+=(--groups="$3"); else ids+=(--clear-groups); fi
    shift 3
    setpriv "${ids[@]}" "$@"
}

if ((EUID == 0)); then
    check work_dir_owned_by_code_user owner_is "$root$WORK" "$code_uid:$code_gid"
    check state_dir_owned_by_service_user owner_is "$root$STATE" "$uid:$gid"
    check jna_dir_owned_by_service_user owner_is "$root$JNA" "$uid:$gid"
    # What each user may open in the staging root, as the kernel decides (the path to it opened up).
    chmod 0711 "$tmp"
    code=("$code_uid" "$code_gid" "")
    check code_user_may_write_its_work_dir as_ids "${code[@]}" test -w "$root$WORK" -a -x "$root$WORK"
    check code_user_cannot_list_the_state_dir as_ids "${code[@]}" bash -c "! ls '$root$STATE'"
    check code_user_cannot_enter_the_jna_dir as_ids "${code[@]}" bash -c "! ls '$root$JNA'"
    check code_user_cannot_read_the_defaults_file as_ids "${code[@]}" bash -c "! cat '$root$DEFAULTS'"
    # The daemon, with the code's group as the unit gives it, may look into the work dir but not write there.
    daemon=("$uid" "$gid" "$code_gid")
    check daemon_may_enter_but_not_write_the_work_dir as_ids "${daemon[@]}" test -x "$root$WORK" -a ! -w "$root$WORK"
    chmod 0700 "$tmp"
else
    # Only root can give files away: install.sh leaves them to their current owner then.
    skip state_dirs_owned_by_their_users "needs root: run this test as root to check that install.sh gives the daemon's and the code's users their directories"
fi

check defaults_list_every_option_commented_out defaults_cover_every_option
check defaults_show_the_units_java_opts java_opts_match

# --- The unit.
check unit_paths_exist_in_staging_root unit_paths_exist
check unit_runs_the_daemon_as_interpreterd test "$(unit_value User)" = interpreterd
check unit_runs_the_code_as_the_code_user grep -qx "Environment=INTERPRETERD_USER=$CODE_USER" "$root$UNIT"
check unit_grants_only_setuid_setgid_and_kill_as_ambient test "$(unit_value AmbientCapabilities)" = "$CAPABILITIES"
check unit_bounds_capabilities_to_the_same_three test "$(unit_value CapabilityBoundingSet)" = "$CAPABILITIES"
check unit_keeps_no_new_privileges test "$(unit_value NoNewPrivileges)" = yes
check unit_gives_the_daemon_the_code_group test "$(unit_value SupplementaryGroups)" = "$CODE_USER"
if ! command -v systemd-analyze >/dev/null; then
    skip systemd_analyze_verify_passes_without_warnings "needs systemd-analyze: apt-get install -y systemd"
elif ! prepare_verifier; then
    skip systemd_analyze_verify_passes_without_warnings "needs systemd's units (no sysinit.target under /usr/lib/systemd/system): apt-get install -y systemd"
else
    check systemd_analyze_verify_passes_without_warnings verify_clean "$root"
    # The check above would be worthless if warnings went unnoticed: a misspelt key must fail it.
    broken=$tmp/broken
    cp -a "$root" "$broken"
    sed -i 's/^ProtectSystem=/ProtectSystm=/' "$broken$UNIT"
    if verify_clean "$broken" >"$out" 2>&1; then
        fail verify_check_catches_a_misspelt_key "$(cat "$out")"
    else
        pass verify_check_catches_a_misspelt_key
    fi
fi

# The unit reads the class cache's options, which the defaults file may override, and passes them on.
cache_options_read_before_the_defaults() {
    local files
    files=$(sed -n 's/^EnvironmentFile=//p' "$root$UNIT" | tr '\n' ' ')
    echo "EnvironmentFile= lines: $files"
    [[ $files == "-/opt/interpreterd/java-cache.env -$DEFAULTS " ]] \
        && [[ $(unit_value ExecStart) == *" \$JAVA_CACHE_OPTS "* ]]
}
check unit_uses_the_class_cache_when_there cache_options_read_before_the_defaults

# --- Uninstall, then purge.
check uninstall_succeeds "$install_sh" --root "$root" --uninstall
check uninstall_removes_unit test ! -e "$root$UNIT"
check uninstall_removes_enablement test ! -L "$root$WANTS"
check uninstall_removes_jar_dir test ! -e "$root/opt/interpreterd"
check uninstall_keeps_defaults test -f "$root$DEFAULTS"
check uninstall_keeps_work_dir test -d "$root$WORK"
check uninstall_keeps_users grep -q "^$CODE_USER:" "$root/etc/passwd"
check uninstall_twice_succeeds "$install_sh" --root "$root" --uninstall
check purge_succeeds "$install_sh" --root "$root" --uninstall --purge
check purge_removes_defaults test ! -e "$root$DEFAULTS"
check purge_removes_state_dir test ! -e "$root$STATE"
check purge_removes_users_and_groups bash -c "! grep -q '^interpreterd\\(-code\\)\\?:' '$root/etc/passwd' '$root/etc/group'"
check purge_keeps_other_accounts grep -q '^nobody:' "$root/etc/passwd"

# --- A staging root without account files: no user, directories still made.
bare=$tmp/bare
check staged_install_without_passwd_succeeds "$install_sh" --root "$bare" --jar "$jar"
check staged_install_without_passwd_creates_no_passwd test ! -e "$bare/etc/passwd"
check staged_install_without_passwd_makes_work_dir mode_is "$bare$WORK" 750

# --- A link where a directory belongs (which the daemon's user could plant in its state dir) is refused.
linked=$tmp/linked
mkdir -p "$linked$STATE" "$tmp/elsewhere"
chmod 0755 "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$linked$WORK"
check refuses_a_link_as_work_dir expect_refusal "is a symbolic link" "$install_sh" --root "$linked" --jar "$jar"
check link_target_left_alone mode_is "$tmp/elsewhere" 755

# --- Refusals.
# A copy the unprivileged user can read, wherever the checkout lives.
cp "$install_sh" "$here/interpreterd.service" "$here/interpreterd.default" "$public/"
check refuses_non_root_user expect_refusal "must be run as root" \
    as_unprivileged bash "$public/install.sh" --jar "$jar"
check refuses_non_root_uninstall expect_refusal "must be run as root" \
    as_unprivileged bash "$public/install.sh" --uninstall
# Staging needs no root: an image build may run as an ordinary user.
mkdir "$public/stage"
cp "$jar" "$public/stage/interpreterd.jar"
((EUID != 0)) || chown -R "$NOBODY:$NOBODY" "$public/stage"
check non_root_user_may_stage as_unprivileged \
    bash "$public/install.sh" --root "$public/stage/root" --jar "$public/stage/interpreterd.jar"
check non_root_staging_installs_unit test -f "$public/stage/root$UNIT"
missing=$tmp/missing
check refuses_missing_jar expect_refusal "jar not found" "$install_sh" --root "$missing" --jar "$tmp/no-such.jar"
check missing_jar_installs_nothing test ! -e "$missing$UNIT"
check refuses_purge_without_uninstall expect_refusal "only goes with --uninstall" "$install_sh" --root "$missing" --purge
check refuses_unknown_option expect_refusal "unknown argument" "$install_sh" --root "$missing" --frobnicate
check help_prints_usage bash -c "'$install_sh' --help | grep -q '^Usage:'"

# --- The class cache: made for the java on PATH and a copy of the jar by a short run of the daemon, and
# used by that java. (install.sh makes it only on a live install: it holds the jar's path.)
# java_cache_used DIR: the options DIR/java-cache.env names load the daemon's classes from the cache.
java_cache_used() {
    local options
    options=$(sed -n 's/^JAVA_CACHE_OPTS="\(.*\)"$/\1/p' "$1/java-cache.env")
    echo "JAVA_CACHE_OPTS=$options"
    # shellcheck disable=SC2086 # the options are words, as in the unit's ExecStart=
    java $options -Xlog:class+load -jar "$1/interpreterd.jar" --version \
        | grep -q 'dev\.interpreterd\.Main source: shared objects file'
}
if ! command -v java >/dev/null || [[ ! -x /usr/bin/python3 ]]; then
    skip java_cache_made_and_used "needs java on PATH and /usr/bin/python3"
else
    mkdir "$tmp/cache"
    cp "$jar" "$tmp/cache/interpreterd.jar"
    check java_cache_made_for_this_jdk bash "$here/make-java-cache.sh" java "$tmp/cache/interpreterd.jar" "$tmp/cache" \
        /usr/bin/python3
    check java_cache_used_by_this_jdk java_cache_used "$tmp/cache"
fi

# --- Lint, when shellcheck is there.
if command -v shellcheck >/dev/null; then
    check install_sh_passes_shellcheck shellcheck "$install_sh"
    check make_java_cache_sh_passes_shellcheck shellcheck "$here/make-java-cache.sh"
    check test_install_sh_passes_shellcheck shellcheck "$here/test-install.sh"
else
    skip shellcheck "needs shellcheck: apt-get install -y shellcheck"
fi

summary
