# Freshet container image: the single executable on a slim Debian.
#   docker build -t freshet .
#   docker run -d --name freshet -p 9092:9092 -p 9644:9644 -v freshet-data:/var/lib/freshet freshet
# Clients outside the container reach the node at the address it advertises: set
# FRESHET_ADVERTISE_KAFKA_ADDR to what they can reach (default localhost:9092, right for
# clients on the docker host through -p 9092:9092). Every `freshet start` flag has a FRESHET_*
# variable (see `docker run --rm freshet start --help`); flags after the image name win, e.g.
# `docker run ... freshet start --dev` for a CI sidecar.

# --- build: npm installs Bun (a devDependency), build.ts compiles dist/freshet for the build
# platform (with buildx --platform linux/arm64 this stage runs arm64 and npm ci installs the
# arm64 CRC32C addon, so each image carries its own) ---
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/freshet version

# --- run: the binary (it carries Bun inside) and curl for the health check ---
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/freshet --create-home --uid 10001 freshet
COPY --from=build /src/dist/freshet /usr/local/bin/freshet
USER freshet
WORKDIR /var/lib/freshet
# The data directory is a volume: logs and metadata outlive the container.
VOLUME ["/var/lib/freshet"]
ENV FRESHET_DATA_DIR=/var/lib/freshet \
    FRESHET_KAFKA_ADDR=0.0.0.0:9092 \
    FRESHET_ADVERTISE_KAFKA_ADDR=localhost:9092 \
    FRESHET_SCHEMA_REGISTRY_ADDR=0.0.0.0:8081 \
    FRESHET_PROXY_ADDR=0.0.0.0:8082 \
    FRESHET_ADMIN_ADDR=0.0.0.0:9644
# Redpanda's ports, which users of the field know (DESIGN.md section 1): the Kafka API, the
# internal RPC (bound only in a cluster: set FRESHET_SEEDS and FRESHET_RPC_ADDR=0.0.0.0:33145),
# the schema registry, the HTTP proxy and the admin API (/v1/..., /metrics).
EXPOSE 9092 33145 8081 8082 9644
# Ready as Redpanda's admin API defines it: /v1/status/ready answers 200 once the node serves,
# 503 before. Docker reads exit 0 as healthy and 1 as unhealthy (2 is reserved:
# https://docs.docker.com/reference/dockerfile/#healthcheck), hence `|| exit 1` over curl's codes.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:9644/v1/status/ready || exit 1
ENTRYPOINT ["/usr/local/bin/freshet"]
# docker stop sends SIGTERM: the node answers what is in flight, flushes and exits 0 within 5 s
# (docker waits 10 s before SIGKILL).
CMD ["start"]
