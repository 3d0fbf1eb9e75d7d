#!/usr/bin/env bash
# client_hub development harness: `make run` and `make test` both come here.
#
#   tools/harness.sh run    serve the demo database on http://localhost:8069 (with payment_demo)
#   tools/harness.sh test   fresh test database, module tests (pytest-odoo), ruff, pylint-odoo, and
#                           install/upgrade/uninstall of a database set up like the demo, where
#                           the demo payment tour runs
#
# Odoo is found, in this order: $ODOO_SRC (an Odoo 19.0 source tree), an `odoo` importable by
# the Python in use, a shallow clone of the official 19.0 branch into the state folder (~/.cache/client_hub/<id>/odoo).
# PostgreSQL: the server reachable through the libpq environment (PGHOST, PGPORT, PGUSER...);
# otherwise a private cluster on a unix socket under .build/pg, when the server binaries exist.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The private PostgreSQL cluster lives in the project (.build/pg, git-ignored). Everything else
# the harness makes (addons link, filestore, configuration, logs, an Odoo clone) lives outside the
# module folder: Odoo walks module folders recursively (translation export), and a link back to
# the module or a filestore inside it would be walked too.
PGDIR="$ROOT/.build/pg"
BUILD=${CLIENT_HUB_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/client_hub/$(printf %s "$ROOT" | md5sum | cut -c1-12)}
PYTHON=${PYTHON:-python3}
HTTP_PORT=${HTTP_PORT:-8069}
DEMO_DB=${DEMO_DB:-client_hub_demo}
TEST_DB=${TEST_DB:-client_hub_test}
ODOO_BRANCH=19.0
ODOO_UPSTREAM=https://github.com/odoo/odoo.git

say() { printf '[client_hub] %s\n' "$*" >&2; }
die() { printf '[client_hub] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$BUILD/addons"
# The module is the repository root; Odoo needs it in a folder named after its technical name.
ln -sfn "$ROOT" "$BUILD/addons/client_hub"

# --- 1. Odoo -----------------------------------------------------------------------------
odoo_version_of() {  # prints the version of the Odoo at $1 (a source tree), or of the importable one
    if [ -n "${1:-}" ]; then
        (cd /tmp && PYTHONPATH="$1" "$PYTHON" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) || true
    else
        (cd /tmp && "$PYTHON" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) || true
    fi
}

find_odoo() {
    ODOO_PYTHONPATH=""
    if [ -n "${ODOO_SRC:-}" ]; then
        [ "$(odoo_version_of "$ODOO_SRC")" = "$ODOO_BRANCH" ] \
            || die "ODOO_SRC=$ODOO_SRC is not an Odoo $ODOO_BRANCH source tree (no importable odoo/release.py of that version)."
        ODOO_PYTHONPATH="$ODOO_SRC"
        say "Odoo: ODOO_SRC=$ODOO_SRC"
        return
    fi
    local v
    v=$(odoo_version_of "")
    if [ -n "$v" ]; then
        [ "${v%%.*}" = "19" ] || die "the importable odoo is version $v, not $ODOO_BRANCH. Set ODOO_SRC to an Odoo $ODOO_BRANCH tree."
        say "Odoo: importable odoo $v"
        return
    fi
    if [ ! -d "$BUILD/odoo/odoo" ]; then
        say "Odoo: no ODOO_SRC and no importable odoo; cloning $ODOO_UPSTREAM ($ODOO_BRANCH, shallow)"
        git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$ODOO_UPSTREAM" "$BUILD/odoo" \
            && "$PYTHON" -m pip install --quiet -r "$BUILD/odoo/requirements.txt" \
            || die "Odoo $ODOO_BRANCH could not be found or cloned. Either set ODOO_SRC to an Odoo $ODOO_BRANCH source tree, or make 'python3 -c \"import odoo\"' work (e.g. a .pth file in site-packages pointing at the tree), then run this again."
    fi
    ODOO_PYTHONPATH="$BUILD/odoo"
    say "Odoo: $BUILD/odoo"
}

# Python tools the harness itself needs; installed from PyPI only when missing.
ensure_tools() {
    local missing=()
    "$PYTHON" -c 'import pytest_odoo' 2>/dev/null || missing+=(pytest-odoo)
    "$PYTHON" -c 'import websocket' 2>/dev/null || missing+=(websocket-client)   # tours need it
    "$PYTHON" -m ruff --version >/dev/null 2>&1 || missing+=(ruff)
    "$PYTHON" -c 'import pylint_odoo' 2>/dev/null || missing+=(pylint-odoo)
    # Debian packages: Chromium runs the tours, wkhtmltopdf renders the PDFs.
    local debs=()
    command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || debs+=(chromium)
    command -v wkhtmltopdf >/dev/null 2>&1 || debs+=(wkhtmltopdf)
    if [ ${#debs[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            say "installing ${debs[*]} (Debian packages)"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null \
                || die "could not install ${debs[*]}"
        else
            die "missing ${debs[*]}: install them (apt-get install ${debs[*]}), tours and PDF tests need them"
        fi
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        "$PYTHON" -m pip install --quiet "${missing[@]}" || die "could not install ${missing[*]} from PyPI"
    fi
}

# --- 2. PostgreSQL -----------------------------------------------------------------------
pg_as_postgres() {  # run a command as the 'postgres' user, from a folder it can enter
    (cd / && runuser -u postgres -- "$@")
}

pg_bin() {  # locate a server binary: PATH first, then Debian's versioned folders
    command -v "$1" 2>/dev/null && return
    ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

find_postgres() {
    if pg_isready -q 2>/dev/null && psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        say "PostgreSQL: ${PGHOST:-default socket} (libpq environment)"
        return
    fi
    local initdb pg_ctl pgdir="$PGDIR"
    initdb=$(pg_bin initdb); pg_ctl=$(pg_bin pg_ctl)
    [ -n "$initdb" ] && [ -n "$pg_ctl" ] \
        || die "no PostgreSQL server is reachable (set PGHOST/PGPORT/PGUSER) and no server binaries (initdb, pg_ctl) are installed to start one. Install postgresql-15, or point PGHOST at a server."
    # postgres refuses to run as root: the private cluster then belongs to the 'postgres' user.
    local as=()
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        as=(pg_as_postgres)
    fi
    mkdir -p "$(dirname "$pgdir")"
    [ -L "$pgdir" ] || mkdir -p "$pgdir"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdir/" 2>/dev/null
    # The 'postgres' user may not reach the project (a clone under /root), and a unix socket
    # path is limited to ~100 characters: then the cluster lives in /var/tmp, linked from .build/pg.
    if ! "${as[@]}" test -w "$pgdir/" 2>/dev/null || [ ${#pgdir} -gt 80 ]; then
        local alt
        alt="/var/tmp/client_hub-pg-$(printf %s "$ROOT" | md5sum | cut -c1-12)"
        mkdir -p "$alt"
        [ "$(id -u)" = 0 ] && chown postgres "$alt"
        [ -L "$pgdir" ] || rmdir "$pgdir" 2>/dev/null || true
        [ -e "$pgdir" ] || ln -sfn "$alt" "$pgdir"
        pgdir="$alt"
    fi
    "${as[@]}" mkdir -p "$pgdir/run"
    if [ ! -f "$pgdir/data/PG_VERSION" ]; then
        say "PostgreSQL: creating a private cluster in $pgdir"
        "${as[@]}" "$initdb" -D "$pgdir/data" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    export PGHOST="$pgdir/run" PGPORT=${PGPORT_PRIVATE:-5439}
    if ! pg_isready -q; then
        "${as[@]}" "$pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
            -o "-k $pgdir/run -p $PGPORT -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
            || die "the private PostgreSQL cluster did not start; see $pgdir/server.log"
    fi
    export PGUSER=${PGUSER_PRIVATE:-odoo}
    "${as[@]}" psql -h "$PGHOST" -p "$PGPORT" -d postgres -U postgres -qAtc \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$PGUSER') THEN CREATE ROLE $PGUSER LOGIN SUPERUSER; END IF; END\$\$;"
    say "PostgreSQL: private cluster on $PGHOST (port $PGPORT)"
}

# --- 3. Configuration --------------------------------------------------------------------
write_config() {
    local base
    base=$(cd /tmp && PYTHONPATH="$ODOO_PYTHONPATH" "$PYTHON" -c 'import os, odoo; print(os.path.dirname(list(odoo.__path__)[0]))')
    local addons="$BUILD/addons"
    [ -d "$base/addons" ] && addons="$base/addons,$addons"
    CONF="$BUILD/odoo.conf"
    cat > "$CONF" <<CONFEOF
[options]
addons_path = $addons
data_dir = $BUILD/data
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-False}
http_port = $HTTP_PORT
list_db = True
admin_passwd = admin
CONFEOF
    [ -z "${PGPASSWORD:-}" ] || echo "db_password = $PGPASSWORD" >> "$CONF"
    [ -n "$(command -v wkhtmltopdf || true)" ] || say "NOTE: wkhtmltopdf is missing: PDF reports will fall back to HTML (apt-get install wkhtmltopdf)."
}

odoo_bin() {
    (cd /tmp && PYTHONPATH="$ODOO_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -c \
        'import sys, odoo.cli.command as c; sys.argv[0] = "odoo"; c.main()' "$@")
}

db_has_module() {  # db module -> 0 when the module is installed in db
    [ "$(psql -d "$1" -Atc "select state from ir_module_module where name='$2'" 2>/dev/null)" = installed ]
}

# --- commands ----------------------------------------------------------------------------
module_hash() {  # changes whenever a file Odoo loads from the module changes
    (cd "$ROOT" && find . -path ./.build -prune -o -path ./.git -prune -o -type f \
        \( -name '*.py' -o -name '*.xml' -o -name '*.csv' -o -name '*.po' -o -name '*.js' -o -name '*.scss' \) \
        -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
}

cmd_run() {
    local hash_file="$BUILD/$DEMO_DB.module-hash" hash changed=0
    hash=$(module_hash)
    # The demo pays with Odoo's Demo provider: payment_demo is installed here, never required by
    # client_hub (a published Demo provider settles invoices without money).
    if ! db_has_module "$DEMO_DB" client_hub; then
        # an existing database is never dropped: client_hub is installed into it
        say "installing client_hub and payment_demo into $DEMO_DB, with demo data if the database is new (about two minutes)"
        odoo_step "$BUILD/run.log" -c "$CONF" -d "$DEMO_DB" -i client_hub,payment_demo --with-demo --stop-after-init \
            || die "installing client_hub into $DEMO_DB failed (log above)"
        changed=1
    else
        if ! db_has_module "$DEMO_DB" payment_demo; then
            say "installing payment_demo into $DEMO_DB (the demo pays with Odoo's Demo provider)"
            odoo_step "$BUILD/run.log" -c "$CONF" -d "$DEMO_DB" -i payment_demo --stop-after-init \
                || die "installing payment_demo into $DEMO_DB failed (log above)"
            changed=1
        fi
        if [ "$(cat "$hash_file" 2>/dev/null)" != "$hash" ] || [ "${UPDATE:-0}" = 1 ]; then
            say "the module changed since $DEMO_DB was last served: upgrading it"
            odoo_step "$BUILD/run.log" -c "$CONF" -d "$DEMO_DB" -u client_hub --stop-after-init \
                || die "upgrading client_hub in $DEMO_DB failed (log above)"
            changed=1
        elif [ $changed = 0 ]; then
            say "reusing the demo database $DEMO_DB (dropdb $DEMO_DB to start over)"
        fi
    fi
    if [ $changed = 1 ]; then
        demo_payment_provider "$DEMO_DB" "$BUILD/run.log" || die "setting up the Demo payment provider in $DEMO_DB failed (log above)"
    fi
    echo "$hash" > "$hash_file"
    odoo_bin shell -c "$CONF" -d "$DEMO_DB" --no-http --log-level=error < "$ROOT/tools/demo_info.py" 2>/dev/null || true
    say "serving http://localhost:$HTTP_PORT  (Ctrl-C to stop)"
    odoo_bin -c "$CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --http-port="$HTTP_PORT" --log-level=warn
}

# db, log-file: make Odoo's Demo provider pay the statement in db (payment_demo installed there)
demo_payment_provider() {
    odoo_bin shell -c "$CONF" -d "$1" --no-http --log-level=warn <"$ROOT/tools/demo_payment_provider.py" >"$2" 2>&1 \
        || { cat "$2" >&2; return 1; }
}

odoo_step() {  # log-file, odoo args...: run odoo, fail on any ERROR/CRITICAL line in its log
    local log=$1; shift
    odoo_bin "$@" --log-level=warn >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    if grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$log" >&2; then return 1; fi
}

# Install like the demo (demo data, payment_demo and its provider set up), upgrade; the demo payment
# tour then runs on that database, and last the uninstall: on a database with data, all must be clean.
LIFECYCLE_DB="${TEST_DB}_lifecycle"
DEMO_TOUR_TESTS=client_hub/tests/test_tours_demo_payment.py

lifecycle_install() {
    local db=$LIFECYCLE_DB log="$BUILD/lifecycle.log"
    rm -f "$log"*
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$BUILD/data/filestore/$db"
    odoo_step "$log.install" -c "$CONF" -d "$db" -i client_hub,payment_demo --with-demo --stop-after-init \
        && db_has_module "$db" client_hub && db_has_module "$db" payment_demo \
        && demo_payment_provider "$db" "$log.provider" \
        && odoo_step "$log.upgrade" -c "$CONF" -d "$db" -u client_hub --stop-after-init
}

lifecycle_uninstall() {
    local log="$BUILD/lifecycle.log"
    odoo_bin shell -c "$CONF" -d "$LIFECYCLE_DB" --no-http --log-level=warn <"$ROOT/tools/lifecycle.py" >"$log" 2>&1 \
        && grep -q "uninstall clean" "$log"
}

# db, log-file, pytest arguments...: one pytest-odoo run with the HTTP server on. Two such runs
# must never overlap: they would serve on the same port.
run_pytest() {
    local db=$1 log=$2; shift 2
    (cd "$BUILD/addons" && PYTHONPATH="$ODOO_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m pytest \
        -p no:cacheprovider --odoo-config="$CONF" --odoo-database="$db" --odoo-http \
        --odoo-log-level="${ODOO_LOG_LEVEL:-warn}" -rs ${PYTEST_ARGS:-} "$@") | tee "$log"
}

cmd_test() {
    ensure_tools
    local rc=0 lifecycle_ok=0
    say "install like the demo (demo data, payment_demo) and upgrade, in the background"
    lifecycle_install & local lifecycle_pid=$!
    say "creating a fresh test database $TEST_DB and installing client_hub"
    dropdb --if-exists "$TEST_DB" >/dev/null 2>&1 || true
    rm -rf "$BUILD/data/filestore/$TEST_DB"
    odoo_step "$BUILD/install.log" -c "$CONF" -d "$TEST_DB" -i client_hub --stop-after-init \
        && db_has_module "$TEST_DB" client_hub || { say "installing client_hub into a fresh database failed"; rc=1; }
    say "linting: ruff"
    (cd "$ROOT" && "$PYTHON" -m ruff check --quiet .) || rc=1
    say "linting: pylint-odoo (OCA mandatory checks)"
    (cd "$BUILD/addons" && "$PYTHON" -m pylint --rcfile="$ROOT/.pylintrc-mandatory" client_hub) || rc=1
    if wait $lifecycle_pid; then
        lifecycle_ok=1
        say "install with demo data and payment_demo, upgrade: clean"
    else
        say "install/upgrade check FAILED: see $BUILD/lifecycle.log*"
        tail -n 30 "$BUILD"/lifecycle.log* >&2 || true
        rc=1
    fi
    [ $rc = 0 ] || say "failures above; running the tests anyway"
    say "running the module's tests (pytest-odoo, HTTP server on: HttpCase tests and tours run)"
    run_pytest "$TEST_DB" "$BUILD/pytest.log" --ignore="$DEMO_TOUR_TESTS" client_hub/tests || rc=1
    local logs=("$BUILD/pytest.log")
    if [ $lifecycle_ok = 1 ]; then
        # payment_demo is installed in the lifecycle database only: its tour runs there, after
        # the main run (never at the same time) and before the uninstall check.
        say "running the demo payment tour on $LIFECYCLE_DB (payment_demo is installed there only)"
        local drc=0
        run_pytest "$LIFECYCLE_DB" "$BUILD/pytest-demo-payment.log" "$DEMO_TOUR_TESTS" || drc=$?
        # 5: no test collected, fine only when PYTEST_ARGS narrowed the run on purpose.
        if [ $drc != 0 ] && { [ $drc != 5 ] || [ -z "${PYTEST_ARGS:-}" ]; }; then rc=1; fi
        logs+=("$BUILD/pytest-demo-payment.log")
        if grep -E "^SKIPPED" "$BUILD/pytest-demo-payment.log" >/dev/null; then
            say "the demo payment tour was skipped on $LIFECYCLE_DB (see the SKIPPED lines above): failing"
            rc=1
        fi
        if lifecycle_uninstall; then
            say "uninstall from a database with data: clean"
        else
            say "uninstall check FAILED: see $BUILD/lifecycle.log"
            tail -n 30 "$BUILD/lifecycle.log" >&2 || true
            rc=1
        fi
    else
        say "demo payment tour and uninstall check not run: $LIFECYCLE_DB could not be installed"
    fi
    # HttpCase tests and tours are skipped, not failed, without --odoo-http, Chromium or
    # websocket-client: treat any such skip as a failure.
    if cat "${logs[@]}" | grep -E "^SKIPPED.*(odoo-http|[Cc]hrome|websocket|browser)" >/dev/null; then
        say "some HTTP/browser tests were skipped (see the SKIPPED lines above): failing"
        rc=1
    fi
    return $rc
}

# Regenerate i18n/client_hub.pot from the test database (install it with `make test` first),
# and merge the new terms into i18n/ja.po (untranslated until someone translates them).
cmd_i18n() {
    db_has_module "$TEST_DB" client_hub || die "run 'make test' first: $TEST_DB has no client_hub"
    odoo_bin i18n export -c "$CONF" -d "$TEST_DB" -o "$ROOT/i18n/client_hub.pot" client_hub
    if [ -f "$ROOT/i18n/ja.po" ]; then
        msgmerge --quiet --update --backup=none --no-fuzzy-matching "$ROOT/i18n/ja.po" "$ROOT/i18n/client_hub.pot"
    fi
}

cmd=${1:-}
case "$cmd" in
    run|test|env|i18n) ;;
    *) die "usage: $0 run|test|env|i18n" ;;
esac
find_odoo
find_postgres
write_config
case "$cmd" in
    run) cmd_run ;;
    test) cmd_test ;;
    i18n) cmd_i18n ;;
    env) printf 'export PGHOST=%q PGPORT=%q PGUSER=%q CONF=%q ADDONS=%q\n' "${PGHOST:-}" "${PGPORT:-}" "${PGUSER:-}" "$CONF" "$BUILD/addons" ;;
esac
