#!/usr/bin/env bash
# client_hub on several servers, on one machine: what a deployment that outgrew one Odoo looks like.
#
#   tools/cluster.sh up        start it (the first time: create the PostgreSQL clusters and the database)
#   tools/cluster.sh down      stop everything it started
#   tools/cluster.sh status    what runs, and the replication's state and lag
#   tools/cluster.sh scenario  run tools/cluster_scenario.py against it (prints a table; non-zero on failure)
#   tools/cluster.sh destroy   down, then delete .build/cluster (the next `up` starts from scratch)
#
# What runs (all on 127.0.0.1, ports overridable through the variables below):
#   PostgreSQL 15 primary (port 5441) and a hot-standby replica (port 5442) made from it with
#   `pg_basebackup -R` through a replication slot: streaming replication, read-only queries on it.
#   Both are clusters of their own under .build/cluster/pg, never the harness's (.build/pg, 5439).
#   Odoo server A (http 18069, gevent 18072) and B (http 18070, gevent 18073): prefork, two HTTP
#   workers each, one cron worker on A only (max_cron_threads 1 on A, 0 on B), one data_dir
#   (filestore and sessions) and one database, the replica as db_replica_host/db_replica_port
#   (routes marked readonly=True are served from it), proxy_mode off.
#   An SMTP sink (tools/smtp_sink.py, port 18025) that stores every e-mail Odoo sends in
#   .build/cluster/mail: Odoo's smtp_server/smtp_port point to it.
# The database (client_hub_cluster) has client_hub installed without demo data; `up` upgrades it
# when the module changed, and sets it up (tools/cluster_setup.py: base URL, Stripe in test mode
# with fake keys and a webhook signing secret: a throwaway database, nothing reaches Stripe).
# Odoo, its Python and wkhtmltopdf are those of tools/harness.sh (`harness.sh env`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER=${CLUSTER_DIR:-$ROOT/.build/cluster}
DB=${CLUSTER_DB:-client_hub_cluster}
PG_PRIMARY_PORT=${PG_PRIMARY_PORT:-5441}
PG_REPLICA_PORT=${PG_REPLICA_PORT:-5442}
HTTP_PORT_A=${HTTP_PORT_A:-18069}
HTTP_PORT_B=${HTTP_PORT_B:-18070}
GEVENT_PORT_A=${GEVENT_PORT_A:-18072}
GEVENT_PORT_B=${GEVENT_PORT_B:-18073}
SMTP_PORT=${SMTP_PORT:-18025}
SLOT=client_hub_replica
PGUSER_ODOO=odoo

say() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# --- tools: Odoo, its Python, wkhtmltopdf (from the harness), PostgreSQL's server binaries -----
load_tools() {
    local env_lines conf addons first
    env_lines=$(bash "$ROOT/tools/harness.sh" env) || die "tools/harness.sh env failed (above)"
    # Only the harness's configuration (for the addons path) and PATH (wkhtmltopdf): its
    # PostgreSQL variables point to its own cluster, which this one never uses.
    eval "$(printf '%s\n' "$env_lines" | grep -E '^export (CONF|PATH)=')"
    # shellcheck disable=SC2153 # CONF comes from the eval above
    conf=$CONF
    addons=$(sed -n 's/^addons_path *= *//p' "$conf")
    [ -n "$addons" ] || die "no addons_path in $conf"
    ADDONS_PATH=$addons
    first=${addons%%,*}
    ODOO_BASE=$(dirname "$first")
    [ -f "$ODOO_BASE/odoo/release.py" ] || ODOO_BASE=""
    PYTHON=${PYTHON:-python3}
    if ! (cd /tmp && PYTHONPATH="$ODOO_BASE" "$PYTHON" -c 'import odoo.http' 2>/dev/null); then
        PYTHON="$(dirname "$conf")/venv/bin/python"   # the harness's virtual environment
        [ -x "$PYTHON" ] || die "no Python that runs Odoo: run 'make run' or 'tools/harness.sh env' first"
    fi
    load_pg
}

load_pg() {  # PostgreSQL 15's server binaries
    PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")}
    if [ ! -x "$PGBIN/pg_ctl" ] || [ ! -x "$PGBIN/pg_basebackup" ]; then
        die "PostgreSQL 15's server binaries (pg_ctl, pg_basebackup) not found: install postgresql-15 or set PGBIN"
    fi
}

as_pg() {  # command...: run it as the owner of the PostgreSQL clusters (postgres refuses root)
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

odoo() {  # odoo arguments...: the harness's Odoo, in the foreground
    (cd /tmp && PYTHONPATH="$ODOO_BASE${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" "$CLUSTER/odoo-bin" "$@")
}

# Prefork servers start a gevent process (websockets) that monkey-patches at start; gevent then
# loads its plugins through pkg_resources, which, in setuptools before about 70, does not match a
# requirement `zope.interface` with a distribution installed as `zope_interface` (a wheel built
# by recent tools): the gevent process dies at once and the server respawns it without end.
# Then a newer pkg_resources is put on the servers' path only, in .build/cluster/pylib.
ensure_gevent() {
    local check='from gevent import monkey; monkey.patch_all()'
    SERVER_PATH=$ODOO_BASE
    (cd /tmp && PYTHONPATH="$SERVER_PATH" "$PYTHON" -c "$check" >/dev/null 2>&1) && return
    if [ ! -d "$CLUSTER/pylib/pkg_resources" ]; then
        say "gevent cannot start with this Python's pkg_resources: installing setuptools<81 into $CLUSTER/pylib for the servers"
        "$PYTHON" -m pip install -q --disable-pip-version-check --target "$CLUSTER/pylib" "setuptools<81" >"$LOGS/pip.log" 2>&1 \
            || { cat "$LOGS/pip.log" >&2; die "installing setuptools into $CLUSTER/pylib failed"; }
    fi
    SERVER_PATH="$ODOO_BASE:$CLUSTER/pylib"
    (cd /tmp && PYTHONPATH="$SERVER_PATH" "$PYTHON" -W ignore -c "$check" >/dev/null 2>&1) \
        || die "gevent does not start with $PYTHON ($check): the servers' gevent process would not run"
}

write_launcher() {  # Odoo's command line as a file: prefork servers start their gevent process with it
    cat >"$CLUSTER/odoo-bin" <<'EOF'
#!/usr/bin/env python3
# Odoo's command line, as Odoo's own odoo-bin; written by tools/cluster.sh.
import odoo.cli

if __name__ == "__main__":
    odoo.cli.main()
EOF
}

# --- layout ----------------------------------------------------------------------------------
paths() {
    PGROOT="$CLUSTER/pg"
    PRIMARY="$PGROOT/primary"
    REPLICA="$PGROOT/replica"
    PGRUN="$PGROOT/run"
    DATA_DIR="$CLUSTER/data"
    MAIL_DIR="$CLUSTER/mail"
    LOGS="$CLUSTER/logs"
    RUN="$CLUSTER/run"
}

make_dirs() {
    mkdir -p "$CLUSTER" "$DATA_DIR" "$MAIL_DIR" "$LOGS" "$RUN"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    fi
    [ -L "$PGROOT" ] || mkdir -p "$PGROOT"
    [ "$(id -u)" = 0 ] && chown postgres "$PGROOT/"
    # The postgres user may not reach the project (a clone under /root), and a unix socket path
    # is limited to about 100 characters: the clusters then live in /var/tmp, linked from here.
    if ! as_pg test -w "$PGROOT/" 2>/dev/null || [ ${#PGRUN} -gt 80 ]; then
        local alt
        alt="/var/tmp/client_hub-cluster-$(printf %s "$CLUSTER" | md5sum | cut -c1-12)"
        mkdir -p "$alt"
        [ "$(id -u)" = 0 ] && chown postgres "$alt"
        [ -L "$PGROOT" ] || rmdir "$PGROOT"
        ln -sfn "$alt" "$PGROOT"
    fi
    as_pg mkdir -p "$PGRUN"
}

# --- PostgreSQL: primary and streaming replica -------------------------------------------------
pg_running() {  # data folder: 0 when its postmaster runs
    as_pg "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

psql_primary() {  # psql arguments...: as postgres, on the primary
    as_pg psql -h "$PGRUN" -p "$PG_PRIMARY_PORT" -U postgres -d postgres -qAt "$@"
}

psql_replica() {
    as_pg psql -h "$PGRUN" -p "$PG_REPLICA_PORT" -U postgres -d postgres -qAt "$@"
}

start_primary() {
    if [ ! -f "$PRIMARY/PG_VERSION" ]; then
        say "PostgreSQL: creating the primary in $PRIMARY"
        as_pg "$PGBIN/initdb" -D "$PRIMARY" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
        # Copied to the replica by pg_basebackup; the replica's own settings go in its
        # postgresql.auto.conf (see start_replica).
        as_pg tee -a "$PRIMARY/postgresql.conf" >/dev/null <<EOF

# tools/cluster.sh
listen_addresses = ''
unix_socket_directories = '$PGRUN'
port = $PG_PRIMARY_PORT
max_connections = 200
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
hot_standby_feedback = on
# a throwaway cluster: no crash safety needed (replication does not depend on it)
fsync = off
EOF
    fi
    if ! pg_running "$PRIMARY"; then
        as_pg "$PGBIN/pg_ctl" -D "$PRIMARY" -l "$PGROOT/primary.log" -w start >/dev/null \
            || die "the primary did not start; see $PGROOT/primary.log"
    fi
    psql_primary -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$PGUSER_ODOO') THEN CREATE ROLE $PGUSER_ODOO LOGIN SUPERUSER; END IF; END\$\$;"
    say "PostgreSQL primary: $PGRUN port $PG_PRIMARY_PORT"
}

start_replica() {
    if [ ! -f "$REPLICA/PG_VERSION" ]; then
        say "PostgreSQL: making the replica with pg_basebackup -R (streaming, slot $SLOT)"
        as_pg rm -rf "$REPLICA"
        psql_primary -c "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
        as_pg "$PGBIN/pg_basebackup" -h "$PGRUN" -p "$PG_PRIMARY_PORT" -U postgres -D "$REPLICA" \
            -R -X stream -C -S "$SLOT" \
            || die "pg_basebackup failed"
        # -R wrote standby.signal and primary_conninfo in postgresql.auto.conf, read after
        # postgresql.conf: the replica's own port goes there too.
        as_pg tee -a "$REPLICA/postgresql.auto.conf" >/dev/null <<EOF
port = $PG_REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
EOF
    fi
    [ -f "$REPLICA/standby.signal" ] || die "$REPLICA is not a standby (no standby.signal): tools/cluster.sh destroy, then up"
    if ! pg_running "$REPLICA"; then
        as_pg "$PGBIN/pg_ctl" -D "$REPLICA" -l "$PGROOT/replica.log" -w start >/dev/null \
            || die "the replica did not start; see $PGROOT/replica.log"
    fi
    local state=""
    for _ in $(seq 1 60); do
        state=$(psql_primary -c "SELECT r.state FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = '$SLOT'" 2>/dev/null || true)
        [ "$state" = streaming ] && break
        sleep 0.5
    done
    [ "$state" = streaming ] || die "the replica does not stream from the primary (state: ${state:-none}); see $PGROOT/replica.log"
    [ "$(psql_replica -c 'SELECT pg_is_in_recovery()')" = t ] || die "the replica is not in recovery"
    say "PostgreSQL replica: $PGRUN port $PG_REPLICA_PORT (hot standby, streaming)"
}

stop_pg() {  # data folder, name
    if [ -f "$1/PG_VERSION" ] && pg_running "$1"; then
        as_pg "$PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null && say "stopped PostgreSQL $2"
    fi
}

# --- Odoo ----------------------------------------------------------------------------------------
write_conf() {  # name, http port, gevent port, cron threads
    local conf="$CLUSTER/odoo-$1.conf"
    cat >"$conf.tmp" <<EOF
[options]
addons_path = $ADDONS_PATH
data_dir = $DATA_DIR
db_host = $PGRUN
db_port = $PG_PRIMARY_PORT
db_user = $PGUSER_ODOO
db_replica_host = $PGRUN
db_replica_port = $PG_REPLICA_PORT
db_name = $DB
dbfilter = ^$DB\$
list_db = False
admin_passwd = cluster-admin
http_interface = 127.0.0.1
http_port = $2
gevent_port = $3
proxy_mode = False
workers = 2
max_cron_threads = $4
limit_time_real = 300
smtp_server = 127.0.0.1
smtp_port = $SMTP_PORT
email_from = odoo@cluster.example.com
log_level = info
EOF
    mv -f "$conf.tmp" "$conf"
}

module_hash() {  # changes whenever a file Odoo loads from the module changes (as harness.sh)
    (cd "$ROOT" && find . -path ./.build -prune -o -path ./.git -prune -o -type f \
        \( -name '*.py' -o -name '*.xml' -o -name '*.csv' -o -name '*.po' -o -name '*.js' -o -name '*.scss' \) \
        -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
}

odoo_step() {  # log file, odoo arguments...: in the foreground, failing on an ERROR line
    local log=$1; shift
    odoo "$@" --log-level=warn >"$log" 2>&1 || { tail -n 40 "$log" >&2; return 1; }
    if grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$log" >&2; then return 1; fi
}

ensure_database() {
    local conf="$CLUSTER/odoo-a.conf" hash_file="$CLUSTER/$DB.module-hash" hash state
    local once=(-c "$conf" -d "$DB" --no-http --workers=0 --max-cron-threads=0 --stop-after-init)
    hash=$(module_hash)
    state=$(as_pg psql -h "$PGRUN" -p "$PG_PRIMARY_PORT" -U postgres -d "$DB" -qAt \
        -c "SELECT state FROM ir_module_module WHERE name = 'client_hub'" 2>/dev/null || true)
    if [ "$state" != installed ] || [ "$(cat "$hash_file" 2>/dev/null)" != "$hash" ]; then
        # servers running the module's former code must not serve the new schema
        stop_pid "$RUN/odoo-a.pid" "Odoo A"
        stop_pid "$RUN/odoo-b.pid" "Odoo B"
    fi
    if [ "$state" != installed ]; then
        say "creating $DB with client_hub (no demo data; a few minutes)"
        as_pg psql -h "$PGRUN" -p "$PG_PRIMARY_PORT" -U postgres -d postgres -qAt \
            -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" >/dev/null
        rm -rf "$DATA_DIR/filestore/$DB"
        odoo_step "$LOGS/install.log" "${once[@]}" -i client_hub || die "installing client_hub failed (log above)"
    elif [ "$(cat "$hash_file" 2>/dev/null)" != "$hash" ]; then
        say "the module changed: upgrading client_hub in $DB"
        odoo_step "$LOGS/install.log" "${once[@]}" -u client_hub || die "upgrading client_hub failed (log above)"
    fi
    CLUSTER_BASE_URL="http://127.0.0.1:$HTTP_PORT_A" \
        odoo shell -c "$conf" -d "$DB" --no-http --log-level=warn \
        <"$ROOT/tools/cluster_setup.py" >"$LOGS/setup.log" 2>&1 || true
    if ! grep -q "cluster setup done" "$LOGS/setup.log"; then
        cat "$LOGS/setup.log" >&2
        die "setting $DB up failed (log above)"
    fi
    echo "$hash" >"$hash_file"
}

pid_alive() {  # pid file: 0 when its process runs
    [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_http() {  # url, seconds
    for _ in $(seq 1 "$(($2 * 2))"); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.5
    done
    return 1
}

start_odoo() {  # name, http port
    local pidfile="$RUN/odoo-$1.pid"
    if pid_alive "$pidfile"; then
        say "Odoo $1 already runs (pid $(cat "$pidfile"))"
    else
        # setsid: the servers outlive this script, in a process group of their own (see stop_pid).
        # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
        setsid bash -c 'cd /tmp && PYTHONPATH="$1" exec "$2" "$3" -c "$4" --logfile "$5" --pidfile "$6"' \
            odoo "$SERVER_PATH" "$PYTHON" "$CLUSTER/odoo-bin" "$CLUSTER/odoo-$1.conf" "$LOGS/odoo-$1.log" "$pidfile" \
            </dev/null >>"$LOGS/odoo-$1.out" 2>&1 &
        echo $! >"$pidfile"
    fi
    wait_http "http://127.0.0.1:$2/web/health" 120 || die "Odoo $1 does not answer on port $2; see $LOGS/odoo-$1.log"
}

start_smtp() {
    local pidfile="$RUN/smtp.pid"
    if ! pid_alive "$pidfile"; then
        setsid "$PYTHON" "$ROOT/tools/smtp_sink.py" "$SMTP_PORT" "$MAIL_DIR" </dev/null >>"$LOGS/smtp.log" 2>&1 &
        echo $! >"$pidfile"
        sleep 0.5
        pid_alive "$pidfile" || die "the SMTP sink did not start; see $LOGS/smtp.log"
    fi
    say "SMTP sink: 127.0.0.1:$SMTP_PORT -> $MAIL_DIR"
}

stop_pid() {  # pid file, name
    local pid
    pid_alive "$1" || { rm -f "$1"; return 0; }
    pid=$(cat "$1")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    # still there: the whole process group it was started in (setsid), workers included
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    rm -f "$1"
    say "stopped $2"
}

# --- commands ------------------------------------------------------------------------------------
cmd_up() {
    make_dirs
    write_launcher
    ensure_gevent
    start_primary
    start_replica
    write_conf a "$HTTP_PORT_A" "$GEVENT_PORT_A" 1
    write_conf b "$HTTP_PORT_B" "$GEVENT_PORT_B" 0
    start_smtp
    ensure_database
    start_odoo a "$HTTP_PORT_A"
    start_odoo b "$HTTP_PORT_B"
    cat <<EOF
client_hub cluster up: database $DB
  Odoo A (cron)  http://127.0.0.1:$HTTP_PORT_A   log $LOGS/odoo-a.log
  Odoo B         http://127.0.0.1:$HTTP_PORT_B   log $LOGS/odoo-b.log
  PostgreSQL     primary $PGRUN:$PG_PRIMARY_PORT, replica $PGRUN:$PG_REPLICA_PORT (psql -h $PGRUN -p PORT -U $PGUSER_ODOO $DB)
  e-mails        $MAIL_DIR
  sign in        admin / admin (back office), clients at /client/login
EOF
}

cmd_down() {
    [ -d "$CLUSTER" ] || { say "nothing to stop"; return 0; }
    stop_pid "$RUN/odoo-a.pid" "Odoo A"
    stop_pid "$RUN/odoo-b.pid" "Odoo B"
    stop_pid "$RUN/smtp.pid" "the SMTP sink"
    stop_pg "$REPLICA" replica
    stop_pg "$PRIMARY" primary
}

cmd_status() {
    local rc=0 name
    for name in a b; do
        if pid_alive "$RUN/odoo-$name.pid"; then echo "Odoo $name: running (pid $(cat "$RUN/odoo-$name.pid"))"
        else echo "Odoo $name: stopped"; rc=1; fi
    done
    if pid_alive "$RUN/smtp.pid"; then echo "SMTP sink: running, $(find "$MAIL_DIR" -name '*.eml' | wc -l) messages"
    else echo "SMTP sink: stopped"; rc=1; fi
    if [ -f "$PRIMARY/PG_VERSION" ] && pg_running "$PRIMARY"; then
        echo "PostgreSQL primary: running (port $PG_PRIMARY_PORT)"
        psql_primary -F ' ' -c "SELECT 'replication: ' || state || ', replay lag ' || COALESCE(replay_lag::text, '0') || ', ' || pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) || ' bytes behind' FROM pg_stat_replication" \
            | sed 's/^/  /'
    else echo "PostgreSQL primary: stopped"; rc=1; fi
    if [ -f "$REPLICA/PG_VERSION" ] && pg_running "$REPLICA"; then
        echo "PostgreSQL replica: running (port $PG_REPLICA_PORT, in recovery: $(psql_replica -c 'SELECT pg_is_in_recovery()'))"
    else echo "PostgreSQL replica: stopped"; rc=1; fi
    return $rc
}

cmd_scenario() {
    cmd_status >/dev/null || die "the cluster is not (fully) up: tools/cluster.sh up"
    CLUSTER_DIR="$CLUSTER" CLUSTER_DB="$DB" CLUSTER_URL_A="http://127.0.0.1:$HTTP_PORT_A" \
        CLUSTER_URL_B="http://127.0.0.1:$HTTP_PORT_B" CLUSTER_PGHOST="$PGRUN" \
        CLUSTER_PRIMARY_PORT="$PG_PRIMARY_PORT" CLUSTER_REPLICA_PORT="$PG_REPLICA_PORT" \
        PYTHONPATH="$ODOO_BASE${PYTHONPATH:+:$PYTHONPATH}" \
        "$PYTHON" "$ROOT/tools/cluster_scenario.py"
}

cmd_destroy() {
    cmd_down
    [ -L "$PGROOT" ] && rm -rf "$(readlink -f "$PGROOT")"
    rm -rf "$CLUSTER"
    say "deleted $CLUSTER"
}

cmd=${1:-}
case "$cmd" in
    up|down|status|scenario|destroy) ;;
    *) die "usage: $0 up|down|status|scenario|destroy" ;;
esac
paths
case "$cmd" in
    up) load_tools; cmd_up ;;
    down) load_pg; cmd_down ;;
    status) load_pg; cmd_status ;;
    scenario) load_tools; cmd_scenario ;;
    destroy) load_pg; cmd_destroy ;;
esac
