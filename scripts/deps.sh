#!/usr/bin/env bash
# Install the Debian 12 packages mediagate builds, tests and runs with.
# Idempotent: apt is only asked when something is missing.
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkgconf
  libdpdk-dev dpdk            # ethdev, ring, hash, rcu, ipsec, telemetry + PMDs
  dpdk-dev                    # dpdk-telemetry.py, to read /mediagate/ counters
  libipsec-mb-dev             # Intel IPsec-MB (no .pc file; meson finds the lib)
  libsrtp2-dev                # oracle and baseline for SRTP (tests, bench only)
  libcmocka-dev               # unit tests
  libpcap-dev                 # net_pcap ports for tests and the demo
  libssl-dev                  # OpenSSL libcrypto: HKDF of ESP key epochs
  python3 python3-scapy python3-cryptography   # integration tests, ESP oracle
  kamailio sip-tester         # a SIP proxy and UAs driving calls over ng (tests)
  rtpengine-daemon            # the engine whose ng replies ours must match (tests)
  gnuplot-nox                 # the benchmark report's plots (bench/gen_report.py)
  iproute2 procps
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} Debian packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
