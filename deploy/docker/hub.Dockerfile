# Capstan's hub, run from its TypeScript sources (SWC transpiles them on load) with production
# dependencies only, as uid 65532.
# Build from the repository root: docker build -f deploy/docker/hub.Dockerfile -t capstan/hub:0.1.0 .

FROM node:20-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY tools/register.js tools/register.js
COPY apps apps
COPY libs libs
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-slim
# git fetches sources (ssh for ssh:// ones), gpg verifies signed commits, openssl may make a
# self-signed gRPC certificate. npm and yarn are removed: nothing is installed at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git gnupg openssh-client openssl \
 && rm -rf /var/lib/apt/lists/* /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && mkdir -p /var/lib/capstan && chown 65532:65532 /var/lib/capstan
WORKDIR /app
COPY --from=dependencies /app /app
ENV NODE_ENV=production CAPSTAN_STATE_DIR=/var/lib/capstan HOME=/tmp
USER 65532:65532
EXPOSE 4000 4001
ENTRYPOINT ["node", "apps/hub/bin/hub.js"]
