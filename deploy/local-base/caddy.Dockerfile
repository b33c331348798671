# Caddy from Debian's packages on the local base (build.sh): the fleet's round-robin load balancer on
# machines without registry access. Runs as Debian's unprivileged caddy user.
ARG DEBIAN_BASE=guardian-local/python:3.11-bookworm
FROM ${DEBIAN_BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends caddy \
 && rm -rf /var/lib/apt/lists/*
# The official image keeps its state under /data and /config; the fleet mounts tmpfs there.
ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
USER caddy
ENTRYPOINT ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
