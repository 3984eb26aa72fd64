# The portal's image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango and HarfBuzz subsetting (without libharfbuzz-subset0 a Japanese page
# takes seconds); python-magic needs libmagic; gettext compiles the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libmagic1 gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 portal
WORKDIR /app

COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt

COPY --chown=portal:portal . .
RUN DJANGO_DEBUG=1 python manage.py collectstatic --no-input -v 0 \
    && DJANGO_DEBUG=1 python manage.py compilemessages -l en -v 0

USER portal
EXPOSE 8000
CMD ["gunicorn", "keiseikyo.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
