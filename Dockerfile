# syntax=docker/dockerfile:1
# The campaign-sla image: the Temporal worker (default command) and, with another command, the
# dashboard or any `campaign-sla` CLI command. A builder stage compiles the TypeScript to dist/
# (`npm run build`, with the prebuilt workflow bundle); the image itself has production dependencies only.
FROM node:20-bookworm-slim AS build

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies before the build output, so a code change reuses this layer. NODE_ENV=production: no dev dependencies.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Secrets and local state are kept out by .dockerignore; credentials are mounted at run time.
COPY --from=build /app/dist ./dist
# The `campaign-sla` launcher runs dist/scripts/cli.js when tsx (a dev dependency) is absent.
COPY bin ./bin

# The image's unprivileged user; the app only reads /app.
USER node

# Exec form, no npm wrapper: node itself receives SIGTERM and the worker drains. Semi-spaces of 4 MB (V8 grows
# them to 16 MB by default), for the workflow thread too: the campaign worker holds 10,000 open leads in about
# 45 MB less (npm run bench, "Production campaign worker RSS"), its intake as fast.
CMD ["node", "--max-semi-space-size=4", "dist/workers/main.js"]
