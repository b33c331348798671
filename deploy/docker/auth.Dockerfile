# guardian-auth image. Build from the repository root (see docs/deploy.md):
#   docker build -f deploy/docker/auth.Dockerfile -t guardian-auth:$(git rev-parse --short HEAD) .
# Builder: uv resolves exactly what uv.lock pins for guardian-auth (no dev group) into /opt/venv and
# installs the workspace packages as wheels (--no-editable), so the final stage needs the venv only.
# No syntax frontend line and no RUN --mount: both need BuildKit, which fetches a frontend image from a
# public registry; this file builds with the legacy builder too. Base images are build arguments with the
# public images as defaults; deploy/local-base/ builds a local one from Debian packages (docs/deploy.md).
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE} AS builder
ARG UV_VERSION=0.13.9
# uv from PyPI (the uv image would be one more registry to reach); system CA bundle for pip and uv, so a
# build behind a TLS-inspecting proxy works once the base trusts that proxy's CA.
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_NATIVE_TLS=1 PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir "uv==${UV_VERSION}"
# A C compiler for guardian-crypto's optional compiled permutations (about 50x faster RPO/Poseidon2);
# only this stage has it, the runtime stage gets the built extension inside the venv.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY protos protos
COPY services services
COPY gateway gateway
COPY tools tools
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-editable --package guardian-auth --python python3.11 --no-cache
# Fail the build rather than ship the pure-Python fallback (about 40-50x slower hashing) by accident.
RUN /opt/venv/bin/python -c "import guardian_crypto._goldilocks"

# Runtime: the slim Python image, the venv and an unprivileged user; no uv, no compilers, no sources.
# /run/guardian is the user's scratch directory for files written at start (ECS: secrets as files).
FROM ${PYTHON_BASE}
RUN groupadd --system --gid 10001 guardian \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin guardian \
 && install -d -o 10001 -g 10001 -m 0700 /run/guardian
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GUARDIAN_GRPC_ADDR=0.0.0.0:50061 \
    GUARDIAN_METRICS_ADDR=0.0.0.0:9464
EXPOSE 50061 9464
USER 10001:10001
# Every service drains on SIGTERM within GUARDIAN_SHUTDOWN_GRACE_SECONDS (10 s by default): give it
# more than that before SIGKILL (docker stop -t 30, stop_grace_period, terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# gRPC readiness (grpc.health.v1 service "readiness", unauthenticated) on the port of GUARDIAN_GRPC_ADDR:
# healthy while the service's dependencies answer (docs/runbooks/container-fleet.md), which gates compose's
# start order. guardian_common.healthcheck dials like the internal clients, so it works with TLS on too.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "guardian_common.healthcheck", "readiness"]
ENTRYPOINT ["guardian-auth"]
