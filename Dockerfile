# cognito-gateway container image.
#
#   docker build -t cognito-gateway:0.1.0 .
#   docker run --rm -p 8000:8000 -e AWS_REGION=eu-west-1 \
#     -e GATEWAY_JWT_ISSUER=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Staff1 \
#     -e GATEWAY_JWT_AUDIENCE=6m2k... cognito-gateway:0.1.0
#
# Stages on the same base image (the venv's interpreter is a symlink into it): the builder resolves the
# dependencies into /opt/venv in a layer of their own, keyed on pyproject.toml only, then installs the project
# on top; ide-assets fetches GraphiQL's pinned assets (served by the gateway: the page loads nothing from a CDN);
# the runtime stage gets the venv and the assets and nothing else (no pip, no build tools, no source tree).

FROM python:3.12-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

# A venv without its own pip: the base image's pip installs into it (--python), so the runtime copy carries no pip.
RUN python -m venv --without-pip /opt/venv

WORKDIR /src

# Dependencies first: this layer is rebuilt only when pyproject.toml changes, not on every source edit.
# The list is read from [project].dependencies, so it is the same list a `pip install .` resolves.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && python -m pip --python /opt/venv/bin/python install --requirement /tmp/requirements.txt

# Then the project itself (README.md is the package's long description, so the build needs it).
COPY README.md ./
COPY gateway ./gateway
RUN python -m pip --python /opt/venv/bin/python install --no-deps . \
    && python -m pip --python /opt/venv/bin/python check


# GraphiQL's assets (react, react-dom, graphiql, its explorer plugin): the pinned tarballs from the npm registry,
# each checked against its pinned integrity by the gateway's own fetcher, which needs only the standard library.
# The stage sees gateway/ide alone (a bind mount), so it is rebuilt only when the pins change.
# A mirror: --build-arg npm_config_registry=https://npm.example.com
FROM python:3.12-slim-bookworm AS ide-assets

ARG npm_config_registry=https://registry.npmjs.org
RUN --mount=type=bind,source=gateway/ide,target=/ide \
    python /ide/assets.py /opt/ide


FROM python:3.12-slim-bookworm AS runtime

# VERSION is gateway.__version__ (.ci/chart-check checks it); REVISION and SOURCE come from the build:
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" --build-arg SOURCE=https://... .
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="cognito-gateway" \
      org.opencontainers.image.description="A GraphQL admin gateway over Amazon Cognito user pools" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"

# A numeric, fixed, non-root user: Kubernetes' runAsNonRoot can only verify a numeric USER.
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin gateway

COPY --from=builder /opt/venv /opt/venv
COPY --from=ide-assets /opt/ide /opt/cognito-gateway/ide

# GATEWAY_HOST=0.0.0.0: inside a container the loopback default would be unreachable from outside.
# HOME=/tmp: nothing else is writable when the root filesystem is read-only (the chart mounts an emptyDir there).
ENV PATH=/opt/venv/bin:$PATH \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_IDE_ASSETS_DIR=/opt/cognito-gateway/ide \
    GATEWAY_PORT=8000 \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

USER 10001:10001
WORKDIR /tmp
# 8000: the API (GATEWAY_PORT); 9090: /metrics (GATEWAY_METRICS_PORT).
EXPOSE 8000 9090

# For plain `docker run` / compose; Kubernetes ignores it and uses the chart's probes. No curl in the image: Python asks.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('GATEWAY_PORT', '8000'), timeout=2)"]

# Exec form: the Python process is PID 1 and receives SIGTERM itself (uvicorn shuts down gracefully on it).
CMD ["cognito-gateway", "serve"]
