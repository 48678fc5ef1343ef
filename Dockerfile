# Lodestar API server. Models come from the MLflow registry: mount LODESTAR_HOME (embedded
# store) or set MLFLOW_TRACKING_URI to a tracking server. API keys via LODESTAR_API_KEYS.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LODESTAR_HOME=/var/lib/lodestar

WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY models ./models
COPY training ./training
COPY serving ./serving
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 lodestar \
    && mkdir -p /var/lib/lodestar && chown lodestar /var/lib/lodestar

USER lodestar
VOLUME ["/var/lib/lodestar"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v1/health')"
CMD ["lodestar", "serve", "--host", "0.0.0.0", "--port", "8000"]
