# syntax=docker/dockerfile:1.12
# One image per app, each a target of this file: tasks, chat, notifications, workflows, search, web.
# Node 24 runs the TypeScript sources as they are (type stripping): no compile step except the web app's
# React Router build. The base is pinned by digest (the multi-arch index, so amd64 and arm64 both resolve);
# bump tag and digest together.
ARG NODE_IMAGE=node:24-trixie-slim@sha256:8ec5d7557396cfe32d21c3f9c13072355ceab22b584578ca4bb28af31120cffe

# Every workspace's manifest, so the dependency layers change only when a manifest or the lock does.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/core/package.json services/core/
COPY services/server/package.json services/server/
COPY services/tasks/package.json services/tasks/
COPY services/chat/package.json services/chat/
COPY services/notifications/package.json services/notifications/
COPY services/search/package.json services/search/
COPY services/embedded/package.json services/embedded/
COPY workflows/package.json workflows/
COPY web/package.json web/

# Production dependencies only, as the lock file pins them; install scripts off (none is needed at run
# time). `npm install`, not `npm ci`, as in .ci/run: the lock lacks an optional Windows-only package of
# vite's, which `npm ci` would refuse.
FROM manifests AS prod-deps
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --ignore-scripts --no-audit --no-fund

# The web app's build needs its dev tooling (Vite, the React Router compiler).
FROM manifests AS web-build
RUN --mount=type=cache,target=/root/.npm \
    npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY services services
COPY web web
RUN npm run build -w web

# What every app image shares: Node, production node_modules and the sources. Root file system is
# read-only at run time (the chart mounts an emptyDir at /tmp), so nothing here writes under /app.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY package.json ./
COPY services services
COPY workflows workflows
# The image's `node` user (uid 1000); the chart sets runAsUser/runAsGroup to the same numbers.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

FROM runtime AS tasks
CMD ["node", "--import", "./services/server/src/telemetry.ts", "services/tasks/src/server.ts"]

FROM runtime AS chat
CMD ["node", "--import", "./services/server/src/telemetry.ts", "services/chat/src/server.ts"]

FROM runtime AS notifications
CMD ["node", "--import", "./services/server/src/telemetry.ts", "services/notifications/src/server.ts"]

FROM runtime AS workflows
CMD ["node", "--import", "./services/server/src/telemetry.ts", "workflows/src/server.ts"]

FROM runtime AS search
CMD ["node", "--import", "./services/server/src/telemetry.ts", "services/search/src/server.ts"]

FROM runtime AS web
COPY web web
COPY --from=web-build /app/web/build web/build
CMD ["node", "--import", "./services/server/src/telemetry.ts", "web/main.ts"]
