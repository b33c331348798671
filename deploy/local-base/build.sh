#!/usr/bin/env bash
# Local base images from Debian packages, for machines that cannot pull from public registries
# (docs/deploy.md "Images without a registry"). Needs root, debootstrap and a Docker engine; about two
# minutes. Builds, unless they exist already (FORCE=1 rebuilds):
#   $PREFIX/python:3.11-bookworm   Debian's python3 with headers and venv: PYTHON_BASE of deploy/docker/*
#   $PREFIX/postgres:15            Debian's PostgreSQL 15 with a small entry point (postgres-entrypoint.sh)
#   $PREFIX/caddy:2                Debian's Caddy, the fleet's round-robin load balancer
# PREFIX defaults to guardian-local; DEBIAN_MIRROR to http://deb.debian.org/debian.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${PREFIX:-guardian-local}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
python_image="$prefix/python:3.11-bookworm"

exists() { [[ -z "${FORCE:-}" ]] && docker image inspect "$1" >/dev/null 2>&1; }

if exists "$python_image"; then
  echo "local-base: $python_image exists"
else
  command -v debootstrap >/dev/null || { echo "local-base: debootstrap is required (apt-get install debootstrap)" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "local-base: debootstrap bookworm into $work (about a minute)"
  # python3-dev: without the headers the images' compiled hash extension cannot build (their build then fails).
  debootstrap --variant=minbase \
    --include=python3,python3-dev,python3-venv,ca-certificates \
    bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # The host's extra CA certificates (a TLS-inspecting proxy's, say): builds on this base fetch packages
  # from PyPI through the same network as the host.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/"
    chroot "$work/rootfs" update-ca-certificates >/dev/null
  fi
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/archives/"*.deb
  tar -C "$work/rootfs" -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$python_image" >/dev/null
  echo "local-base: built $python_image"
fi

for image in postgres:15 caddy:2; do
  name="${image%%:*}"
  if exists "$prefix/$image"; then
    echo "local-base: $prefix/$image exists"
    continue
  fi
  # Host networking for the build steps: the engine may run without a bridge network (.ci/docker.sh).
  docker build -q --network host -f "$here/$name.Dockerfile" --build-arg "DEBIAN_BASE=$python_image" -t "$prefix/$image" "$here" >/dev/null
  echo "local-base: built $prefix/$image"
done
