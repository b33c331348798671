# PostgreSQL 15 from Debian's packages on the local base (build.sh), for machines without registry access.
# Understands the environment the fleet passes to the public postgres image: POSTGRES_USER, POSTGRES_DB,
# POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), and server arguments as a command (`postgres -c ...`).
ARG DEBIAN_BASE=guardian-local/python:3.11-bookworm
FROM ${DEBIAN_BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data \
 && install -d -o postgres -g postgres -m 2775 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
