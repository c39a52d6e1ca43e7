# syntax=docker/dockerfile:1

# ---- build: compile hookgate into one self-contained executable ----
FROM oven/bun:1.4.4 AS build
WORKDIR /src

# Dependencies first, so a source change does not reinstall them.
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile

# .dockerignore keeps node_modules, data, dist and .git out of this copy.
COPY . .
RUN bun run build

# ---- runtime: glibc (the executable links against it) and CA roots only ----
FROM debian:bookworm-slim

# ca-certificates: deliveries go to https endpoints.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid, so volume ownership survives image rebuilds.
RUN groupadd --system --gid 10001 hookgate \
 && useradd --system --uid 10001 --gid hookgate --home-dir /var/lib/hookgate \
      --no-create-home --shell /usr/sbin/nologin hookgate \
 && install -d -o hookgate -g hookgate -m 0700 /var/lib/hookgate

# Owned by root: the service user cannot replace its own binary.
COPY --from=build /src/dist/hookgate /usr/local/bin/hookgate

# Listen on all interfaces (the container's network is the boundary; publish
# it on the host's loopback, -p 127.0.0.1:8720:8720, behind a TLS proxy) and
# keep the database, and a generated admin.token, in the volume. These win
# over listen and data_dir in a file passed with --config.
ENV HOOKGATE_SERVER_LISTEN=0.0.0.0:8720 \
    HOOKGATE_STORAGE_DATA_DIR=/var/lib/hookgate

# Numeric, so orchestrators can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/hookgate
# Declared after the directory is created and chowned, so a fresh volume
# starts out owned by hookgate.
VOLUME /var/lib/hookgate
EXPOSE 8720

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/hookgate", "healthcheck"]

# hookgate handles SIGTERM itself (stop HTTP, drain deliveries, checkpoint);
# give it the time: `docker stop -t 30` / compose `stop_grace_period: 30s`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hookgate"]
CMD ["serve"]
