# Image for the Ratel apps (charging gateway, relay, balance journal, invoicing job). For users' clusters; the
# test suite never builds or runs it.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TS_NODE_BASEURL=/app/dist
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/proto ./proto
COPY --from=build /app/apps/charging/src/balance/lua ./dist/apps/charging/src/balance/lua
COPY package.json tsconfig.json ./
USER node
EXPOSE 50051 8080
CMD ["node", "-r", "tsconfig-paths/register", "dist/apps/charging/src/main.js"]
