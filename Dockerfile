# deckhand: a ChatOps bot for Argo CD and Git.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build stage:
# the first stage installs production dependencies, the second carries only what runs.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the test toolchain and the pinned `node` package (the image has Node 24).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim AS runtime
# --max-semi-space-size=2: see src/heap.ts (RSS near the live heap; must be set at start-up).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    DECKHAND_CONFIG=/etc/deckhand/deckhand.yaml
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY config ./config
# The store lives on a volume; the root filesystem can stay read-only.
RUN mkdir -p /var/lib/deckhand && chown node:node /var/lib/deckhand
VOLUME ["/var/lib/deckhand"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/deckhand.js"]
CMD ["start"]
