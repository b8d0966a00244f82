# The API image (the seed's backend): CPU ONNX Runtime is enough for the door checks.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir ".[cpu,postgres]"
ENV DATA_DIR=/app/data API_HOST=0.0.0.0 API_PORT=8000
EXPOSE 8000
CMD ["goat", "api"]
