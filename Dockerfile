# One image recipe for every deployable, built from the repository root:
#   docker build --build-arg APP=dispatcher .                 (config-service, matcher, dispatcher)
#   docker build --build-arg APP=demo-receiver --build-arg ENTRY=tools/demo/src/receiver-main.ts --target receiver .
# The build stage bundles one entry point with esbuild; the final stages carry that bundle and the
# production dependencies only, on a slim Node image, as the non-root `node` user.
ARG APP=dispatcher

FROM node:20.20-bookworm-slim AS build
ARG APP
ARG ENTRY=apps/${APP}/src/main.ts
WORKDIR /src
COPY package.json package-lock.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.base.json nx.json ./
RUN node tools/build/bundle.mjs "${APP}" "${ENTRY}" \
 && npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:20.20-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/apps/${APP} ./
USER node
# The flags are tools/testing's SERVICE_NODE_FLAGS (the benchmarks run the bundles with them too).
ENTRYPOINT ["node", "--enable-source-maps", "--max-semi-space-size=32", "main.mjs"]

# The demo receiver: verifies every webhook's signature and prints it.
FROM runtime AS receiver
EXPOSE 8080

# A service (the default target). Inside a container it listens on every interface; the config
# service's gRPC and HTTP addresses are read by it alone. Metrics and the probes (/metrics,
# /healthz, /readyz) on 9464; an empty METRICS_ADDR serves none.
FROM runtime AS service
ENV METRICS_ADDR=0.0.0.0:9464
ENV CONFIG_GRPC_ADDR=0.0.0.0:50051
ENV CONFIG_HTTP_ADDR=0.0.0.0:8080
EXPOSE 9464 50051 8080
# Ready: start-up done and its servers connected (slim images have no curl; Node has fetch).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.METRICS_ADDR.split(':').pop() + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
