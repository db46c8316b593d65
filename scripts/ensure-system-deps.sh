#!/usr/bin/env bash
# Integration tests run real Postgres 15 and Redis (never mocks). This makes sure their
# server binaries exist before any test starts: installed with apt when we can, or a
# clear message naming the packages when we can't. Browser tests add Chromium.
set -euo pipefail

missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
# The CLI's tests run it on a pseudo-terminal with `script` (util-linux; Debian's bsdutils).
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
if [ "${SWITCHBOARD_BROWSER_TESTS:-1}" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing test dependencies: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "Missing test dependencies: ${missing[*]}" >&2
echo "Install them first, e.g.: sudo apt-get install -y ${missing[*]}" >&2
exit 1
