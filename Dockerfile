# syntax=docker/dockerfile:1
# The campaign-sla image: the Temporal worker (default command) and, with another command, the
# dashboard or any `campaign-sla` CLI command. TypeScript runs through tsx, as in development and as
# the bin/campaign-sla launcher does, so there is no separate build output to drift from the sources;
# tsx is a devDependency, so dev dependencies are installed too.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies before sources, so a code change reuses this layer. NODE_ENV=production would make
# npm ci skip devDependencies, hence --include=dev.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

# Secrets and local state are kept out by .dockerignore; credentials are mounted at run time.
COPY . .

# The image's unprivileged user; the app only reads /app (tsx caches compiled files under /tmp).
USER node

# Exec form, no npm/tsx wrapper: node itself receives SIGTERM and the worker drains.
CMD ["node", "--import", "tsx", "workers/main.ts"]
