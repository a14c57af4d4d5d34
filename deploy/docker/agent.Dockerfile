# Capstan's agent: the one-file bundle of `nx run agent:build` on distroless Node.js 20, as uid 65532.
# Build from the repository root: docker build -f deploy/docker/agent.Dockerfile -t capstan/agent:0.1.0 .

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY apps apps
COPY libs libs
COPY tools tools
RUN npm ci --no-audit --no-fund && npx nx run agent:build

FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /src/dist/agent/capstan-agent.mjs /app/capstan-agent.mjs
USER 65532:65532
# A small young generation keeps an agent managing 500 objects near 82 MiB.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "/app/capstan-agent.mjs"]
