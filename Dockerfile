# Affinity for Slack: one image for HTTP mode and Socket Mode (docs/deploy.md).
# Slim, non-root, no build tools in the final image.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY affinity_client ./affinity_client
COPY vault ./vault
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    AFFINITY_BOT_DATA_DIR=/data
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /data --create-home --shell /usr/sbin/nologin bot
USER bot
WORKDIR /data
EXPOSE 3000
# HTTP mode answers /healthz (200 when the database answers); Socket Mode has no port to probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os,sys,urllib.request as u; \
sys.exit(0 if os.environ.get('SLACK_APP_TOKEN') else \
u.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"3000\")}/healthz', timeout=4).status != 200)"
ENTRYPOINT ["affinity-bot"]
CMD ["run"]
