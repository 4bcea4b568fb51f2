#!/bin/sh
# NAME
#	bootstrap.sh - from a fresh Debian 12 to a running demo or a full test run
# SYNOPSIS
#	sh contrib/bootstrap.sh demo|check
# DESCRIPTION
#	Run as root from a clone of vigie. Installs every Debian package
#	needed to build vigie and to run its tests (apt-get update only
#	when a package is missing and apt does not know it, or when the
#	install fails on stale lists), then runs "make demo" or "make
#	check". CI=true in the environment is passed to make (warnings
#	become errors).
#
#	postfix is preseeded to "No configuration": the system's own
#	Postfix is left unconfigured and not started. Where Postfix (or
#	Redis) was already installed and running, nothing here touches
#	it: the demo and the tests run private instances on random high
#	ports of 127.0.0.1.

set -u

# Every package vigie needs, in one place.
BUILD_PACKAGES="make gcc libc6-dev pkg-config libmilter-dev libhiredis-dev
    libcmocka-dev libpcre2-dev libspf2-dev libopendkim-dev libpsl-dev libssl-dev
    libxxhash-dev clang libclang-rt-14-dev"
RUN_PACKAGES="publicsuffix"
TEST_PACKAGES="postfix swaks sasl2-bin libsasl2-modules redis-server redis-tools
    procps iproute2 util-linux miltertest opendkim-tools"
BENCH_PACKAGES="bogofilter postfwd"                    # make bench, make eval: the peers
PACKAGES="$BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES $BENCH_PACKAGES"

# die - print a message on stderr and exit 1
die()
{
    echo "bootstrap: $*" >&2
    exit 1
}

# missing_packages - print the packages of PACKAGES that are not installed
missing_packages()
{
    for pkg in $PACKAGES; do
        dpkg-query -W -f '${db:Status-Status}\n' "$pkg" 2>/dev/null | grep -qx installed \
            || echo "$pkg"
    done
}

# apt_knows - does apt have a candidate version for every package named?
apt_knows()
{
    for pkg in "$@"; do
        apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]' || return 1
    done
    return 0
}

# install_packages - install what is missing; apt-get update only if needed
install_packages()
{
    missing=$(missing_packages)
    if [ -z "$missing" ]; then
        echo "bootstrap: all packages already installed"
        return 0
    fi
    echo "bootstrap: installing:" $missing
    export DEBIAN_FRONTEND=noninteractive
    # Leave the system Postfix unconfigured (and so not listening on 25).
    echo "postfix postfix/main_mailer_type select No configuration" \
        | debconf-set-selections || die "debconf-set-selections failed"
    if ! apt_knows $missing; then
        apt-get update || die "apt-get update failed"
    fi
    # shellcheck disable=SC2086 # word splitting of the list is wanted
    if ! apt-get install -y --no-install-recommends $missing; then
        apt-get update || die "apt-get update failed"
        apt-get install -y --no-install-recommends $missing || die "apt-get install failed"
    fi
}

case ${1:-} in
    demo | check) target=$1 ;;
    *) die "usage: sh contrib/bootstrap.sh demo|check" ;;
esac
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and runs a private Postfix)"
if ! grep -qs '^VERSION_ID="12"' /etc/os-release; then
    echo "bootstrap: warning: made for Debian 12; trying anyway" >&2
fi
cd "$(dirname "$0")/.." || die "cannot enter the source tree"

install_packages
make -j"$(nproc)" ${CI:+CI=$CI} all || die "build failed"
exec make ${CI:+CI=$CI} "$target"
