# Sourced by .ci/run: a Docker engine of CI's own for tests/test_container_fleet.py, started here and
# stopped by its PID when CI ends (never a daemon CI did not start). Installs Debian's docker.io and
# debootstrap when missing, runs dockerd with its own socket and data under a temporary directory, with no
# bridge network and no iptables changes (the fleet and the image builds use host networking), builds the
# Debian-made base images (deploy/local-base/build.sh, no public registry needed), and exports DOCKER_HOST
# and GUARDIAN_TEST_FLEET_LOCAL_BASE=1. Any failure here leaves the container test to skip with its reason.
ci_docker_start() {
  if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
      echo "ci: no dockerd/debootstrap and cannot install them; the container test will skip"
      return 0
    fi
    echo "ci: installing docker.io and debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io debootstrap >/tmp/ci-apt-docker.log 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io debootstrap >>/tmp/ci-apt-docker.log 2>&1; } \
      || { echo "ci: installing docker.io failed (/tmp/ci-apt-docker.log); the container test will skip"; return 0; }
  fi
  CI_DOCKER_DIR="$(mktemp -d /tmp/guardian-ci-docker.XXXXXX)"
  dockerd --data-root "$CI_DOCKER_DIR/data" --exec-root "$CI_DOCKER_DIR/exec" \
    -H "unix://$CI_DOCKER_DIR/docker.sock" --pidfile "$CI_DOCKER_DIR/docker.pid" \
    --bridge=none --iptables=false --ip-masq=false >"$CI_DOCKER_DIR/dockerd.log" 2>&1 &
  CI_DOCKERD_PID=$!
  export DOCKER_HOST="unix://$CI_DOCKER_DIR/docker.sock"
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    kill -0 "$CI_DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  if ! docker version >/dev/null 2>&1; then
    echo "ci: dockerd did not start ($CI_DOCKER_DIR/dockerd.log); the container test will skip"
    tail -5 "$CI_DOCKER_DIR/dockerd.log" || true
    return 0
  fi
  echo "ci: dockerd $CI_DOCKERD_PID on $DOCKER_HOST; building the local base images"
  if deploy/local-base/build.sh; then
    export GUARDIAN_TEST_FLEET_LOCAL_BASE=1
  else
    echo "ci: the local base images did not build; the container test uses the public images"
  fi
}

ci_docker_stop() {
  if [[ -n "${CI_DOCKERD_PID:-}" ]] && kill -0 "$CI_DOCKERD_PID" 2>/dev/null; then
    docker ps -q | xargs -r docker kill >/dev/null 2>&1 || true
    kill "$CI_DOCKERD_PID"
    wait "$CI_DOCKERD_PID" 2>/dev/null || true
    rm -rf "$CI_DOCKER_DIR" 2>/dev/null || true
  fi
}
