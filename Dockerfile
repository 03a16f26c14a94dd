# The hub API image used by docker-compose.yml (production path; needs a Docker engine).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    GRIDHUB_DATA_DIR=/data GRIDHUB_API_HOST=0.0.0.0 GRIDHUB_API_PORT=8000
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
# The locked versions first (a layer that changes only with the lock), then the hub itself.
RUN pip install -r requirements.lock
COPY graph_schema ./graph_schema
COPY connectors ./connectors
COPY resolvers ./resolvers
COPY hub ./hub
RUN pip install --no-deps . && useradd --system --uid 10001 --home /data gridhub && mkdir -p /data && chown gridhub /data
USER gridhub
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
CMD ["gridhub", "serve"]
