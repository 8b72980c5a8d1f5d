FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SLUICE_HOST=0.0.0.0 \
    SLUICE_PORT=4566 \
    SLUICE_DATA_DIR=/data

WORKDIR /app
# Dependencies first, each pinned: a change to Sluice's code reuses this layer.
COPY docker/requirements.txt ./docker/requirements.txt
RUN pip install --no-cache-dir -r docker/requirements.txt

# Then Sluice itself (its dependencies are already there, at the pinned versions).
COPY pyproject.toml README.md ./
COPY api ./api
COPY emulator ./emulator
COPY storage ./storage
COPY sluice ./sluice
COPY docker/healthcheck.py ./docker/healthcheck.py
RUN pip install --no-cache-dir --no-deps . \
    && pip check \
    && useradd --system --uid 10001 --home-dir /app sluice \
    && mkdir -p /data /var/lib/localstack/state /etc/localstack/init/boot.d /etc/localstack/init/start.d \
        /etc/localstack/init/ready.d /etc/localstack/init/shutdown.d \
    && chown sluice /data /var/lib/localstack /var/lib/localstack/state

USER 10001
VOLUME ["/data"]
EXPOSE 4566
# The port Sluice resolves (GATEWAY_LISTEN, SLUICE_PORT), not a fixed 4566.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
    CMD ["python", "/app/docker/healthcheck.py"]
CMD ["sluice"]
