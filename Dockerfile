# The API image (the seed's backend): CPU ONNX Runtime is enough for the door checks.
FROM python:3.11.13-slim-bookworm
RUN python -m venv /opt/goat
ENV PATH=/opt/goat/bin:$PATH
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir ".[cpu,postgres]"
# Not root: uid 1000, the owner of the ./data the workers share (Dockerfile.worker), which goat keeps 0700.
RUN useradd --uid 1000 --create-home goat && mkdir -p /app/data && chown goat:goat /app/data
USER goat
ENV DATA_DIR=/app/data API_HOST=0.0.0.0 API_PORT=8000
EXPOSE 8000
CMD ["goat", "api"]
