FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SLUICE_HOST=0.0.0.0 \
    SLUICE_PORT=4566 \
    SLUICE_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY emulator ./emulator
COPY storage ./storage
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app sluice \
    && mkdir -p /data && chown sluice /data

USER sluice
VOLUME ["/data"]
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:4566/_sluice/health', timeout=2)" || exit 1
CMD ["sluice"]
