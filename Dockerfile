# Freshet container image: the single executable on a slim Debian.
#   docker build -t freshet .
#   docker run -d --name freshet -p 9092:9092 -v freshet-data:/var/lib/freshet freshet
# Clients outside the container reach the node at the address it advertises: set
# FRESHET_ADVERTISE_KAFKA_ADDR to what they can reach (default localhost:9092, right for
# clients on the docker host through -p 9092:9092). Every `freshet start` flag has a FRESHET_*
# variable (see `docker run --rm freshet start --help`); flags after the image name win.

# --- build: npm installs Bun (a devDependency), build.ts compiles dist/freshet ---
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/freshet version

# --- run: nothing but the binary (it carries Bun inside) ---
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
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
    FRESHET_PROXY_ADDR=0.0.0.0:8082
# The Kafka API, the schema registry and the HTTP proxy (Confluent's ports). The admin API will
# add its own when it exists.
EXPOSE 9092 8081 8082
# `freshet status` asks the node for cluster metadata over its own listener (it reads
# FRESHET_KAFKA_ADDR) and exits 0 only if it answers; the image has no kcat or curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/freshet", "status"]
ENTRYPOINT ["/usr/local/bin/freshet"]
# docker stop sends SIGTERM: the node answers what is in flight, flushes and exits 0 within 5 s
# (docker waits 10 s before SIGKILL).
CMD ["start"]
