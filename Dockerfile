# Switchboard flag server.
#   docker build -t switchboard .
#   docker run -p 4242:4242 -e DATABASE_URL=... -e REDIS_URL=... -e ADMIN_TOKEN=... switchboard
# Without DATABASE_URL the server uses an embedded database in DATA_DIR=/data:
# mount a volume there (-v switchboard-data:/data) to keep it.
FROM node:20-slim

WORKDIR /app

# pnpm pinned to the root package.json's packageManager.
ARG PNPM_VERSION=12.21.0
ENV PNPM="npx -y pnpm@${PNPM_VERSION}"

COPY . .

# Install and build the server, the admin UI it serves at /, and the workspace
# packages they depend on.
RUN $PNPM install --frozen-lockfile --filter "@switchboard/admin..." \
 && $PNPM --filter "@switchboard/admin..." build \
 && mkdir -p /data && chown node:node /data

USER node
ENV HOST=0.0.0.0 \
    PORT=4242 \
    DATA_DIR=/data
EXPOSE 4242

CMD ["node", "apps/server/dist/server.js"]
