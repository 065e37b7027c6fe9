# PocketLLM image. Build and start steps live in scripts/image.sh, which CI also runs (.ci/run), so the image
# cannot build or start differently from what was checked. No secret is baked in: JWT_SECRET and
# ENCRYPTION_KEY come from the environment at run time (NODE_ENV=production refuses to start without them).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN scripts/image.sh build

# Runtime: what `image.sh build` staged in .image/ — production dependencies only, the built server and portal,
# the SQL migrations and the password list. CI starts the smoke test from the same folder.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data MODELS_DIR=/models
WORKDIR /app
COPY --from=build /app/.image ./
RUN mkdir -p /data /models && chown node:node /data /models
USER node
VOLUME ["/data", "/models"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# exec form, and image.sh `start` execs node: node is PID 1 and gets SIGTERM (it drains, then exits 0).
ENTRYPOINT ["/app/scripts/image.sh", "start"]
