#!/usr/bin/env bash
# Installs interpreterd as a systemd service, or removes it. Safe to run again: a rerun replaces
# the jar and the unit and restarts the service, and keeps /etc/default/interpreterd.
set -euo pipefail

readonly NAME=interpreterd
readonly JAR_DIR=/opt/interpreterd
readonly JAR_PATH=$JAR_DIR/interpreterd.jar
readonly UNIT_PATH=/etc/systemd/system/interpreterd.service
readonly DROPIN_DIR=/etc/systemd/system/interpreterd.service.d
readonly WANTS_LINK=/etc/systemd/system/multi-user.target.wants/interpreterd.service
readonly DEFAULTS_PATH=/etc/default/interpreterd
readonly STATE_DIR=/var/lib/interpreterd
readonly WORK_DIR=$STATE_DIR/work
readonly NOLOGIN=/usr/sbin/nologin
# The PATH systemd gives services: python3 must be found there, not on the caller's PATH.
readonly SERVICE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly JAVA=/usr/bin/java
readonly MIN_JAVA=17
readonly MIN_PYTHON=3.9

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
jar=$here/../daemon/target/interpreterd.jar
root=""
action=install
purge=no

usage() {
    cat <<EOF
Usage: sudo systemd/install.sh [--jar PATH] [--root DIR]
       sudo systemd/install.sh --uninstall [--purge] [--root DIR]

Installs interpreterd as a systemd service: the jar in $JAR_DIR, the unit in $UNIT_PATH,
a commented $DEFAULTS_PATH (never overwritten), the $NAME system user and the work dir
$WORK_DIR (0750). Then reloads systemd, enables the service and (re)starts it.

Options:
  --jar PATH    the jar to install (default: daemon/target/interpreterd.jar in this repository)
  --root DIR    install into DIR as a staging root: every path is prefixed with DIR, no systemctl
                call, nothing on this system changes; the user is added to DIR/etc/passwd and
                DIR/etc/group only if those files exist there
  --uninstall   stop and disable the service, remove the unit and $JAR_DIR; keep
                $DEFAULTS_PATH and $STATE_DIR
  --purge       with --uninstall: also remove $DEFAULTS_PATH, $STATE_DIR, unit drop-ins and the
                $NAME user and group
  -h, --help    print this help

Must run as root unless --root is given.
EOF
}

say() {
    echo "install.sh: $*"
}

die() {
    echo "install.sh: error: $*" >&2
    exit 1
}

usage_error() {
    echo "install.sh: $*" >&2
    echo "Try 'install.sh --help'." >&2
    exit 2
}

parse_args() {
    while (($#)); do
        case $1 in
            --jar)
                (($# >= 2)) || usage_error "--jar needs a path"
                jar=$2
                shift 2
                ;;
            --jar=*) jar=${1#--jar=}; shift ;;
            --root)
                (($# >= 2)) || usage_error "--root needs a directory"
                root=$2
                shift 2
                ;;
            --root=*) root=${1#--root=}; shift ;;
            --uninstall) action=uninstall; shift ;;
            --purge) purge=yes; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage_error "unknown argument '$1'" ;;
        esac
    done
    if [[ $purge == yes && $action != uninstall ]]; then
        usage_error "--purge only goes with --uninstall"
    fi
    if [[ -n $root ]]; then
        root=$(realpath -m -- "$root")
        [[ $root != / ]] || usage_error "--root / is this system; leave --root out instead"
    fi
}

staging() {
    [[ -n $root ]]
}

# Whether files can be given to another owner (not when staging as an ordinary user).
privileged() {
    ((EUID == 0))
}

# Whether systemd runs this machine (the test systemd itself uses, as sd_booted(3) does).
systemd_running() {
    [[ -d /run/systemd/system ]]
}

check_privileges() {
    if ! staging && ! privileged; then
        die "must be run as root (sudo $0 ...), or with --root DIR to stage into a directory"
    fi
}

check_jar() {
    if [[ ! -f $jar ]]; then
        die "jar not found: $jar; build it first with: mvn -q -B package -DskipTests (or pass --jar PATH)"
    fi
}

java_major() {
    local version
    version=$("$1" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9.]*\).*/\1/p' | head -n 1)
    # "1.8.0" is Java 8; "17.0.15" is Java 17.
    if [[ $version == 1.* ]]; then
        version=${version#1.}
    fi
    echo "${version%%.*}"
}

check_java() {
    [[ -x $JAVA ]] || die "$JAVA not found; the unit starts the daemon with it (apt-get install openjdk-17-jre-headless)"
    local major
    major=$(java_major "$JAVA")
    if [[ -z $major ]] || ((major < MIN_JAVA)); then
        die "$JAVA is Java ${major:-of unknown version}; interpreterd needs Java $MIN_JAVA or newer"
    fi
}

# The interpreter the service will use: INTERPRETERD_PYTHON from an existing defaults file, or python3.
configured_python() {
    local value=""
    if [[ -f $DEFAULTS_PATH ]]; then
        value=$(sed -n 's/^[[:space:]]*INTERPRETERD_PYTHON=//p' "$DEFAULTS_PATH" | tail -n 1)
        value=${value%\"}
        value=${value#\"}
        value=${value%\'}
        value=${value#\'}
    fi
    echo "${value:-python3}"
}

check_python() {
    local name path
    name=$(configured_python)
    path=$(PATH=$SERVICE_PATH command -v "$name") \
        || die "$name not found on the service's PATH ($SERVICE_PATH); install python3 or set INTERPRETERD_PYTHON in $DEFAULTS_PATH"
    if ! "$path" -c "import sys; sys.exit(sys.version_info < (${MIN_PYTHON/./, }))" 2>/dev/null; then
        die "$path is older than Python $MIN_PYTHON, which interpreterd needs"
    fi
    case $(readlink -f "$path") in
        /home/* | /root/*) say "warning: $path lies under /home or /root, which ProtectHome=yes hides from the service" ;;
    esac
}

# --- The service user

user_exists_on_host() {
    getent passwd "$NAME" >/dev/null
}

create_user_on_host() {
    if ! getent group "$NAME" >/dev/null; then
        groupadd --system "$NAME"
        say "created system group $NAME"
    fi
    if ! user_exists_on_host; then
        useradd --system --gid "$NAME" --home-dir "$STATE_DIR" --no-create-home \
            --shell "$NOLOGIN" --comment "interpreterd daemon" "$NAME"
        say "created system user $NAME"
    fi
}

# The highest id in the system range that neither $1 (passwd) nor $2 (group) uses, as useradd picks.
free_system_id() {
    awk -F: '{ used[$3] = 1 } END { for (id = 999; id >= 100; id--) if (!(id in used)) { print id; exit } }' "$1" "$2"
}

# Adds the user and group to the staging root's account files, when it has them.
create_user_in_root() {
    local passwd=$root/etc/passwd group=$root/etc/group id gid days
    if [[ ! -f $passwd || ! -f $group ]]; then
        say "no $passwd and $group: not creating the $NAME user in the staging root; create it in the image (useradd --system) before the service starts"
        return
    fi
    gid=$(awk -F: -v name="$NAME" '$1 == name { print $3 }' "$group")
    if [[ -z $gid ]]; then
        gid=$(free_system_id "$passwd" "$group")
        [[ -n $gid ]] || die "no free system id (100-999) in $passwd and $group"
        echo "$NAME:x:$gid:" >>"$group"
        [[ ! -f $root/etc/gshadow ]] || echo "$NAME:!::" >>"$root/etc/gshadow"
        say "added group $NAME ($gid) to $group"
    fi
    if ! awk -F: -v name="$NAME" '$1 == name { found = 1 } END { exit !found }' "$passwd"; then
        id=$gid
        if awk -F: -v id="$id" '$3 == id { found = 1 } END { exit !found }' "$passwd"; then
            id=$(free_system_id "$passwd" "$group")
            [[ -n $id ]] || die "no free system id (100-999) in $passwd and $group"
        fi
        echo "$NAME:x:$id:$gid:interpreterd daemon:$STATE_DIR:$NOLOGIN" >>"$passwd"
        days=$(($(date +%s) / 86400))
        [[ ! -f $root/etc/shadow ]] || echo "$NAME:!:$days::::::" >>"$root/etc/shadow"
        say "added user $NAME ($id) to $passwd"
    fi
}

# "uid:gid" of the service user, or nothing when it does not exist (yet) where we install.
service_owner() {
    if staging; then
        local passwd=$root/etc/passwd
        [[ -f $passwd ]] && awk -F: -v name="$NAME" '$1 == name { print $3 ":" $4 }' "$passwd"
    else
        user_exists_on_host && echo "$NAME:$NAME"
    fi
    return 0
}

remove_user() {
    if staging; then
        local file
        for file in passwd group shadow gshadow; do
            [[ ! -f $root/etc/$file ]] || sed -i "/^$NAME:/d" "$root/etc/$file"
        done
    else
        if user_exists_on_host; then
            userdel "$NAME"
        fi
        if getent group "$NAME" >/dev/null; then
            groupdel "$NAME"
        fi
    fi
    say "removed the $NAME user and group"
}

# --- Install

install_files() {
    install -d -m 0755 "$root$JAR_DIR"
    # A new file moved into place: a running daemon keeps reading the jar it opened.
    install -m 0644 "$jar" "$root$JAR_PATH.new"
    mv -f "$root$JAR_PATH.new" "$root$JAR_PATH"
    install -D -m 0644 "$here/interpreterd.service" "$root$UNIT_PATH"
    if [[ -e $root$DEFAULTS_PATH ]]; then
        say "kept $root$DEFAULTS_PATH"
    else
        # 0600: the file may hold the token, and systemd reads it as root.
        install -D -m 0600 "$here/interpreterd.default" "$root$DEFAULTS_PATH"
    fi
}

make_directories() {
    local owner dir
    owner=$(service_owner)
    for dir in "$STATE_DIR" "$WORK_DIR"; do
        install -d -m 0750 "$root$dir"
        chmod 0750 "$root$dir"
        if [[ -n $owner ]] && privileged; then
            chown "$owner" "$root$dir"
        fi
    done
    if [[ -z $owner ]] || ! privileged; then
        say "left $root$STATE_DIR to its current owner; systemd hands it to $NAME at the first start (StateDirectory=)"
    fi
}

enable_in_root() {
    install -d -m 0755 "$(dirname "$root$WANTS_LINK")"
    ln -sfn "$UNIT_PATH" "$root$WANTS_LINK"
}

start_service() {
    if ! systemd_running; then
        enable_in_root
        say "systemd is not running here: enabled $NAME, it starts at the next boot"
        return
    fi
    systemctl daemon-reload
    systemctl enable --quiet "$NAME.service"
    # restart rather than start: a rerun after a rebuild puts the new jar into service.
    systemctl restart "$NAME.service" \
        || die "$NAME did not start; see: journalctl -u $NAME -n 50 --no-pager"
    say "$NAME is running; status: systemctl status $NAME, logs: journalctl -u $NAME -f"
}

do_install() {
    check_jar
    if staging; then
        create_user_in_root
    else
        check_java
        check_python
        create_user_on_host
    fi
    install_files
    make_directories
    if staging; then
        enable_in_root
        say "staged $NAME into $root (enabled; nothing started)"
    else
        start_service
    fi
}

# --- Uninstall

stop_service() {
    if systemd_running && [[ -f $UNIT_PATH ]]; then
        systemctl disable --now --quiet "$NAME.service" || true
    fi
}

do_uninstall() {
    staging || stop_service
    rm -f "$root$WANTS_LINK" "$root$UNIT_PATH"
    rm -rf "$root$JAR_DIR"
    if [[ $purge == yes ]]; then
        rm -rf "$root$DROPIN_DIR" "$root$STATE_DIR"
        rm -f "$root$DEFAULTS_PATH"
        remove_user
    fi
    if ! staging && systemd_running; then
        systemctl daemon-reload
        systemctl reset-failed "$NAME.service" 2>/dev/null || true
    fi
    if [[ $purge == yes ]]; then
        say "removed $NAME, its settings, its state and its user"
    else
        say "removed $NAME; kept $root$DEFAULTS_PATH and $root$STATE_DIR (--purge removes them)"
    fi
}

main() {
    parse_args "$@"
    check_privileges
    if [[ $action == install ]]; then
        do_install
    else
        do_uninstall
    fi
}

main "$@"
