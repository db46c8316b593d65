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

# Install and build only the server and the workspace packages it depends on.
# pnpm 12 makes --frozen-lockfile also demand a recorded pin of pnpm itself
# (packageManagerDependencies) that our lockfile does not carry; the version is already
# pinned by the npx line above, so drop the field in the image and keep the lockfile frozen.
RUN npm pkg delete packageManager \
 && $PNPM install --frozen-lockfile --filter "@switchboard/server..." \
 && $PNPM --filter "@switchboard/server..." build \
 && mkdir -p /data && chown node:node /data

USER node
ENV HOST=0.0.0.0 \
    PORT=4242 \
    DATA_DIR=/data
EXPOSE 4242

CMD ["node", "apps/server/dist/server.js"]
