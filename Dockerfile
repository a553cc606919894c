# One image for the api, worker and sandbox services (docker-compose.yml picks the command).
FROM node:20-bookworm-slim

WORKDIR /app
# production unless the compose file says otherwise (it defaults to development for the demo keys).
ENV NODE_ENV=production npm_config_update_notifier=false

# Dependencies first, so source edits do not invalidate this layer. tsx runs the TypeScript sources
# directly (it is a runtime dependency), so there is no build step and dev dependencies are omitted.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
# scripts/lib: the worker's stop helpers (parent watch) live there beside the local stack's.
COPY scripts/lib ./scripts/lib
COPY src ./src

# /data holds the sandbox keys shared by the app containers (a named volume, initialised from here).
RUN mkdir -p /data && chown node:node /data
USER node
ENV DATA_DIR=/data

EXPOSE 3000 3100
CMD ["npx", "tsx", "src/main/api.ts"]
