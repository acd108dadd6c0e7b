#!/usr/bin/env bash
# Installs interpreterd as a systemd service, or removes it. Safe to run again: a rerun replaces
# the jar and the unit and restarts the service, and keeps /etc/default/interpreterd.
set -euo pipefail

readonly NAME=interpreterd
# The code runs as this user, never as the daemon's: it owns the work dir and nothing else.
readonly CODE_USER=interpreterd-code
readonly JAR_DIR=/opt/interpreterd
readonly JAR_PATH=$JAR_DIR/interpreterd.jar
readonly UNIT_PATH=/etc/systemd/system/interpreterd.service
readonly DROPIN_DIR=/etc/systemd/system/interpreterd.service.d
readonly WANTS_LINK=/etc/systemd/system/multi-user.target.wants/interpreterd.service
readonly DEFAULTS_PATH=/etc/default/interpreterd
readonly STATE_DIR=/var/lib/interpreterd
readonly WORK_DIR=$STATE_DIR/work
readonly JNA_DIR=$STATE_DIR/jna
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

Installs interpreterd as a systemd service: the jar in $JAR_DIR with a class cache of it for
this JDK (made by a short run of the daemon; see make-java-cache.sh), the unit in $UNIT_PATH,
a commented $DEFAULTS_PATH (never overwritten), the system users $NAME (the daemon) and
$CODE_USER (the code), $STATE_DIR (0711, the daemon's) and the work dir
$WORK_DIR (0750, the code's). Then reloads systemd, enables the service and (re)starts it.

Options:
  --jar PATH    the jar to install (default: daemon/target/interpreterd.jar in this repository)
  --root DIR    install into DIR as a staging root: every path is prefixed with DIR, no systemctl
                call, nothing on this system changes; the users are added to DIR/etc/passwd and
                DIR/etc/group only if those files exist there
  --uninstall   stop and disable the service, remove the unit and $JAR_DIR; keep
                $DEFAULTS_PATH and $STATE_DIR
  --purge       with --uninstall: also remove $DEFAULTS_PATH, $STATE_DIR, unit drop-ins and the
                $NAME and $CODE_USER users and groups
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

# configured_value NAME DEFAULT: NAME as an existing defaults file sets it, or DEFAULT.
configured_value() {
    local value=""
    if [[ -f $DEFAULTS_PATH ]]; then
        value=$(sed -n "s/^[[:space:]]*$1=//p" "$DEFAULTS_PATH" | tail -n 1)
        value=${value%\"}
        value=${value#\"}
        value=${value%\'}
        value=${value#\'}
    fi
    echo "${value:-$2}"
}

# The interpreter the service will use: INTERPRETERD_PYTHON from an existing defaults file, or python3.
configured_python() {
    configured_value INTERPRETERD_PYTHON python3
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

# --- The users: the daemon's and the code's, each a system user with a group of its own.

# account_exists_on_host NAME
account_exists_on_host() {
    getent passwd "$1" >/dev/null
}

# create_account_on_host NAME HOME COMMENT
create_account_on_host() {
    if ! getent group "$1" >/dev/null; then
        groupadd --system "$1"
        say "created system group $1"
    fi
    if ! account_exists_on_host "$1"; then
        useradd --system --gid "$1" --home-dir "$2" --no-create-home \
            --shell "$NOLOGIN" --comment "$3" "$1"
        say "created system user $1"
    fi
}

create_users_on_host() {
    create_account_on_host "$NAME" "$STATE_DIR" "interpreterd daemon"
    # Its home is the work dir, which it owns: the daemon gives the code that HOME.
    create_account_on_host "$CODE_USER" "$WORK_DIR" "interpreterd code"
}

# The highest id in the system range that neither $1 (passwd) nor $2 (group) uses, as useradd picks.
free_system_id() {
    awk -F: '{ used[$3] = 1 } END { for (id = 999; id >= 100; id--) if (!(id in used)) { print id; exit } }' "$1" "$2"
}

# create_account_in_root NAME HOME COMMENT: adds the user and its group to the staging root's files.
create_account_in_root() {
    local name=$1 home=$2 comment=$3 passwd=$root/etc/passwd group=$root/etc/group id gid days
    gid=$(awk -F: -v name="$name" '$1 == name { print $3 }' "$group")
    if [[ -z $gid ]]; then
        gid=$(free_system_id "$passwd" "$group")
        [[ -n $gid ]] || die "no free system id (100-999) in $passwd and $group"
        echo "$name:x:$gid:" >>"$group"
        [[ ! -f $root/etc/gshadow ]] || echo "$name:!::" >>"$root/etc/gshadow"
        say "added group $name ($gid) to $group"
    fi
    if ! awk -F: -v name="$name" '$1 == name { found = 1 } END { exit !found }' "$passwd"; then
        id=$gid
        if awk -F: -v id="$id" '$3 == id { found = 1 } END { exit !found }' "$passwd"; then
            id=$(free_system_id "$passwd" "$group")
            [[ -n $id ]] || die "no free system id (100-999) in $passwd and $group"
        fi
        echo "$name:x:$id:$gid:$comment:$home:$NOLOGIN" >>"$passwd"
        days=$(($(date +%s) / 86400))
        [[ ! -f $root/etc/shadow ]] || echo "$name:!:$days::::::" >>"$root/etc/shadow"
        say "added user $name ($id) to $passwd"
    fi
}

# Adds the users to the staging root's account files, when it has them.
create_users_in_root() {
    if [[ ! -f $root/etc/passwd || ! -f $root/etc/group ]]; then
        say "no $root/etc/passwd and $root/etc/group: not creating the $NAME and $CODE_USER users in the staging root; create them in the image (useradd --system, $CODE_USER with home $WORK_DIR) before the service starts"
        return
    fi
    create_account_in_root "$NAME" "$STATE_DIR" "interpreterd daemon"
    create_account_in_root "$CODE_USER" "$WORK_DIR" "interpreterd code"
}

# owner_of NAME: "uid:gid" of the user where we install, or nothing when it does not exist there (yet).
owner_of() {
    if staging; then
        local passwd=$root/etc/passwd
        [[ -f $passwd ]] && awk -F: -v name="$1" '$1 == name { print $3 ":" $4 }' "$passwd"
    else
        account_exists_on_host "$1" && echo "$1:$1"
    fi
    return 0
}

remove_users() {
    local name file
    for name in "$CODE_USER" "$NAME"; do
        if staging; then
            for file in passwd group shadow gshadow; do
                [[ ! -f $root/etc/$file ]] || sed -i "/^$name:/d" "$root/etc/$file"
            done
        else
            if account_exists_on_host "$name"; then
                userdel "$name"
            fi
            if getent group "$name" >/dev/null; then
                groupdel "$name"
            fi
        fi
        say "removed the $name user and group"
    done
}

# --- Install

# A class cache of the installed jar for this JDK (see make-java-cache.sh), which the unit uses when
# it is there: made by a short run of the daemon on a free loopback port, with the service's
# JAVA_OPTS. Without it the daemon starts all the same, only slower.
make_java_cache() {
    local python java_opts log
    python=$(PATH=$SERVICE_PATH command -v "$(configured_python)")
    java_opts=$(configured_value JAVA_OPTS "$(sed -n 's/^Environment="JAVA_OPTS=\(.*\)"$/\1/p' "$here/interpreterd.service")")
    log=$(mktemp)
    if JAVA_OPTS=$java_opts bash "$here/make-java-cache.sh" "$JAVA" "$JAR_PATH" "$JAR_DIR" "$python" >"$log" 2>&1; then
        say "$(tail -n 1 "$log" | sed 's/^make-java-cache.sh: //')"
    else
        say "warning: no class cache, so the daemon starts more slowly: $(tail -n 5 "$log")"
    fi
    rm -f "$log"
}

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

# make_directory DIR MODE OWNER: DIR (under the root) with MODE, handed to OWNER ("uid:gid" or
# names; empty for nobody) where files can be given away.
make_directory() {
    local dir=$root$1
    # Never through a link: root must not hand over, or open up, whatever a link there names.
    [[ ! -L $dir ]] || die "$dir is a symbolic link; remove it and run again"
    install -d -m "$2" "$dir"
    chmod "$2" "$dir"
    if [[ -n $3 ]] && privileged; then
        chown -h "$3" "$dir"
    fi
}

make_directories() {
    local daemon code
    daemon=$(owner_of "$NAME")
    code=$(owner_of "$CODE_USER")
    # The code's user may pass through to its work dir, but neither list nor read the rest.
    make_directory "$STATE_DIR" 0711 "$daemon"
    # JNA unpacks its native library here, which the daemon loads: the daemon's alone.
    make_directory "$JNA_DIR" 0700 "$daemon"
    # The code's. The daemon writes nothing there; through the group (SupplementaryGroups= in the
    # unit) it may look, to check the cwd a request names. Only the directory itself changes hands:
    # files an earlier version's code left there stay $NAME's.
    make_directory "$WORK_DIR" 0750 "$code"
    if [[ -z $daemon || -z $code ]] || ! privileged; then
        say "left $root$STATE_DIR, $root$JNA_DIR and $root$WORK_DIR to their current owner: before the first start, give the first two to $NAME and the work dir to $CODE_USER (chown), or systemd hands them all to $NAME (StateDirectory=) and the code cannot use its work dir"
    fi
}

# A rerun stops the daemon before its directories change hands: it owns the state dir, where
# nothing may swap an entry for a link while root hands the entries over. start_service restarts it.
pause_service() {
    if systemd_running && systemctl is-active --quiet "$NAME.service"; then
        systemctl stop "$NAME.service"
        say "stopped $NAME to update it"
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
        create_users_in_root
    else
        check_java
        check_python
        create_users_on_host
        pause_service
    fi
    install_files
    make_directories
    if staging; then
        enable_in_root
        say "staged $NAME into $root (enabled; nothing started; no class cache, which belongs to the JDK and the jar's path where it runs: make one there with make-java-cache.sh)"
    else
        make_java_cache
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
        remove_users
    fi
    if ! staging && systemd_running; then
        systemctl daemon-reload
        systemctl reset-failed "$NAME.service" 2>/dev/null || true
    fi
    if [[ $purge == yes ]]; then
        say "removed $NAME, its settings, its state and its users"
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
