# Image for every Ratel process: charging gateway (dist/apps/charging/src/main.js), relay (relay-main.js), balance
# journal (journal-main.js), CDR mediation (mediation-main.js), invoicing usage sink / usage API
# (dist/apps/invoicing/src/main.js with RATEL_INVOICING_ROLES) and the operator CLI (dist/scripts/ratel.js, e.g.
# `migrate`). k8s/base runs each with `node -r tsconfig-paths/register <entry>`. The test suite never builds it.
#
# What was checked, and how: no Docker engine exists where this was written, so the build stage's commands were
# run on a clean checkout (`git clone <repo> /tmp/k2 && cd /tmp/k2 && npm ci --no-audit --no-fund &&
# npx tsc -p tsconfig.build.json && npm prune --omit=dev`: the committed lock is accepted, the build passes), and
# the runtime stage's layout (dist/, proto/, the Lua scripts, package.json, tsconfig.json, production
# node_modules) was assembled in a temporary directory where every entry point (the five mains and
# `ratel.js migrate`) started as far as its configuration check: each stopped naming the missing variables, none
# with a module-not-found. That was with the machine's node 20; the image uses node 22. See k8s/README.md.
# .dockerignore keeps .ratel/ (local API key and database files), .git, node_modules and dist out of the context.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
WORKDIR /app
# tsconfig-paths resolves the @app/* aliases of tsconfig.json against the compiled tree.
ENV NODE_ENV=production TS_NODE_BASEURL=/app/dist
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# gRPC service definitions (libs/proto finds the first proto/ above dist/libs/proto/src).
COPY --from=build --chown=root:root /app/proto ./proto
# The engine's Redis Lua scripts, loaded beside the compiled script loader.
COPY --from=build --chown=root:root /app/apps/charging/src/balance/lua ./dist/apps/charging/src/balance/lua
# The fonts embedded in rendered PDFs, beside the compiled renderer (the notification templates are compiled in).
COPY --from=build --chown=root:root /app/apps/invoicing/src/billing/render/fonts ./dist/apps/invoicing/src/billing/render/fonts
COPY --chown=root:root package.json tsconfig.json ./
# Non-root (uid 1000, as k8s/base's runAsUser); the files stay root-owned and read-only to it.
USER node
EXPOSE 50051 8080 8081 8082 9464 9465 9466
CMD ["node", "-r", "tsconfig-paths/register", "dist/apps/charging/src/main.js"]
