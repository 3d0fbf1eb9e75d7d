#!/usr/bin/env bash
# Pre-commit hook wrapper: run the given command in a copy of the add-on laid out as in OCA's
# repositories, i.e. in a folder named client_hub inside a Git repository.
#
# The repository root is the add-on here, which the two Odoo checkers do not expect:
# - pylint-odoo names an add-on after the folder that holds its __manifest__.py, symbolic
#   links resolved (odoo-addons-relative-import, for one, looks for "odoo.addons.<folder>"),
#   and a clone may have any name;
# - oca-checks-odoo-module looks for a __manifest__.py below the repository's top folder
#   only: on the add-on at the top it silently checks nothing.
# The copy holds the work tree's files (tracked and new, not ignored) under the same
# relative paths; the command runs from the copied add-on folder, so the file arguments
# pre-commit passes stay valid. Paths in oca-checks-odoo-module's messages start with
# client_hub/.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/client_hub"
# files deleted from the work tree but still in the index are left out
git ls-files -z --cached --others --exclude-standard \
    | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null \
    | tar -xf - -C "$tmp/client_hub"
git init --quiet "$tmp"
cd "$tmp/client_hub"
"$@"
