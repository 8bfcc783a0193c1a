#!/usr/bin/env bash
# Installs what Ratel needs on this machine: npm dependencies and, when run as root on Debian,
# the server packages (redis-server, nats-server, postgresql, clickhouse-server) plus protobuf-compiler and
# libprotobuf-dev (proto codegen check), openssl (TLS tests), prometheus (promtool: the alert-rule check) and nghttp2-client (h2load, load tests). Without root it
# names exactly what to install. It starts no service: tests and `npm start` run their own
# servers in their own directories (see libs/devstack).
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "setup: Node.js >= $need_node_major is required (found $(node -v 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm dependencies: install when node_modules is missing or package-lock.json changed since.
stamp=node_modules/.ratel-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  # `npm install` honours package-lock.json; `npm ci` is not used because the lock lists
  # optional platform bindings (other OSes) that the registry mirror here does not serve.
  echo "setup: installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

# Debian packages: binary -> package. A server is only needed when its *_URL is not set.
declare -A pkgs=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
[ -n "${REDIS_URL:-}" ] || have redis-server || pkgs[redis-server]=1
[ -n "${NATS_URL:-}" ] || have nats-server || pkgs[nats-server]=1
if [ -z "${DATABASE_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! have initdb; then pkgs[postgresql]=1; fi
[ -n "${CLICKHOUSE_URL:-}" ] || have clickhouse-server || pkgs[clickhouse-server]=1
have protoc || pkgs[protobuf-compiler]=1
# The well-known types (google/protobuf/timestamp.proto) that charging.proto imports: a Recommends
# of protobuf-compiler, so not installed with --no-install-recommends.
[ -f /usr/include/google/protobuf/timestamp.proto ] || pkgs[libprotobuf-dev]=1
have openssl || pkgs[openssl]=1
# promtool (Debian's prometheus package): npm test checks the alert rules in k8s/monitoring with it.
have promtool || pkgs[prometheus]=1
# Invoicing's rendered documents are checked in tests: pdftotext (poppler-utils) reads the PDFs, xmllint
# (libxml2-utils) validates the UBL against its XSD, Saxon-HE (libsaxonhe-java, with a JRE) runs the
# EN 16931 Schematron XSLT.
have pdftotext || pkgs[poppler-utils]=1
have xmllint || pkgs[libxml2-utils]=1
[ -f /usr/share/java/Saxon-HE.jar ] || pkgs[libsaxonhe-java]=1
have java || pkgs[default-jre-headless]=1
if [ "${RATEL_SETUP_LOAD_TOOLS:-1}" = "1" ]; then have h2load || pkgs[nghttp2-client]=1; fi

missing=("${!pkgs[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    # Keep package installs from starting system services: tests and npm start run their own.
    policy=/usr/sbin/policy-rc.d; created_policy=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
    trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them with: sudo apt-get install ${missing[*]}" >&2
    echo "setup: or point REDIS_URL / NATS_URL / DATABASE_URL at existing servers" >&2
    exit 1
  fi
fi
echo "setup: ok"
