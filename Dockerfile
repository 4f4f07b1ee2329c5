# Freshet container image: the single executable on a slim Debian.
#   docker build -t freshet .
#   docker run -p 9092:9092 -v freshet-data:/var/lib/freshet freshet

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
VOLUME ["/var/lib/freshet"]
# Kafka API, internal RPC, admin API, schema registry, HTTP proxy (the last four: future
# subsystems, reserved so the ports are the ones users of the field expect).
EXPOSE 9092 33145 9644 8081 8082
ENTRYPOINT ["/usr/local/bin/freshet"]
# Clients outside the container must be told an address they can reach: override with
# --advertise-kafka-addr HOST:PORT when not connecting through localhost:9092.
CMD ["start", "--data-dir", "/var/lib/freshet", "--kafka-addr", "0.0.0.0:9092", "--advertise-kafka-addr", "localhost:9092"]
