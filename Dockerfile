# citedb API image: the locked dependencies, then migrate, seed and serve.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

WORKDIR /srv/citedb
RUN pip install --no-cache-dir uv==0.13.8

COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
RUN uv sync --frozen --no-dev

EXPOSE 8000
CMD ["sh", "-c", "citedb migrate && citedb seed && citedb serve --host 0.0.0.0 --port 8000"]
