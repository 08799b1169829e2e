#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain, when it is missing: the Postgres
# client (psql, to find a test server), xmllint (metalinks are validated against their XSD),
# aria2c (metalinks are downloaded end to end), unzip and python3 (zips are read back), and
# the SMTP server the e-mail tests start (Python's aiosmtpd, in a venv of its own), and the
# headless Chromium with its WebDriver server that the web interface's tests drive.
set -euo pipefail
missing=()
command -v psql >/dev/null || missing+=(postgresql-client)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v aria2c >/dev/null || missing+=(aria2)
command -v unzip >/dev/null || missing+=(unzip)
command -v python3 >/dev/null || missing+=(python3)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "warning: please install: ${missing[*]}" >&2
  else
    echo "installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# The e-mail tests (tests/api/mail.rs) run tests/support/smtp_sink.py with this venv's Python;
# they look for it at $REGARDS_ORDER_SMTP_VENV, else here.
AIOSMTPD_VERSION=1.4.6
smtp_venv="${REGARDS_ORDER_SMTP_VENV:-$HOME/.cache/regards-order-smtp-venv}"
if ! "$smtp_venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  echo "installing aiosmtpd $AIOSMTPD_VERSION in $smtp_venv" >&2
  if ! python3 -m venv "$smtp_venv" 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$smtp_venv"
    else
      echo "warning: cannot create $smtp_venv (python3-venv missing): the e-mail tests will fail" >&2
      exit 0
    fi
  fi
  "$smtp_venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi
