# cognito-gateway container image.
#
#   docker build -t cognito-gateway:0.1.0 .
#   docker run --rm -p 8000:8000 -e AWS_REGION=eu-west-1 \
#     -e GATEWAY_JWT_ISSUER=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Staff1 \
#     -e GATEWAY_JWT_AUDIENCE=6m2k... cognito-gateway:0.1.0
#
# BuildKit is required (the default builder of Docker 23+; DOCKER_BUILDKIT=1 before): the legacy builder fails on
# `RUN --mount`. buildah and podman need `--format docker` to keep the HEALTHCHECK (the OCI format has none).
#
# Every stage starts from one base image, pinned by digest: the venv's interpreter is a symlink into it, so the
# stages must match. Override it to build on a mirror or a newer patch release, digest included:
#   docker build --build-arg PYTHON_IMAGE=registry.example.com/python:3.12-slim-bookworm@sha256:... .
# The dependencies are installed from requirements.lock (hashes checked, no resolution at build time), the build
# backend from requirements-build.lock; both are exports of uv.lock (.ci/lock; CI fails when they disagree with
# pyproject.toml). Layers, so that a source edit ships a layer of the project alone (~1 MB), not the dependencies:
#   deps         /opt/venv: the locked dependencies, keyed on requirements.lock only;
#   project      the gateway's wheel, built with the locked backend, installed into /opt/cognito-gateway/app
#                (the venv finds it through a .pth file written in `deps`);
#   ide-assets   GraphiQL's pinned assets (served by the gateway: the page loads nothing from a CDN);
#   runtime      the three directories above and nothing else (no pip, no build tools, no source tree).
ARG PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:a116514e19457bcb7af7efe9c3dd0b9b71e85b317694e7882a1c52aa15a78134


FROM ${PYTHON_IMAGE} AS deps

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

# A venv without its own pip: the base image's pip installs into it (--python), so the runtime copy carries no pip.
# pip's cache is a BuildKit cache mount: kept between builds on this machine, never in a layer.
COPY requirements.lock /tmp/requirements.lock
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install --require-hashes --no-deps --only-binary=:all: \
        --requirement /tmp/requirements.lock \
    && /opt/venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > /tmp/site-packages \
    && echo /opt/cognito-gateway/app > "$(cat /tmp/site-packages)/cognito_gateway.pth"


FROM ${PYTHON_IMAGE} AS project

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

# The build backend from the lock (hash-checked), in a throw-away venv; then the wheel, built without isolation so
# that nothing unlocked is fetched. README.md is the package's long description, so the build needs it.
WORKDIR /src
COPY requirements-build.lock /tmp/requirements-build.lock
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --no-deps --requirement /tmp/requirements-build.lock
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY --from=deps /opt/venv /opt/venv
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/dist . \
    && python -m pip --python /opt/venv/bin/python install --no-deps --no-compile \
        --target /opt/cognito-gateway/app /tmp/dist/*.whl \
    && /opt/venv/bin/python -c "import importlib.metadata as m, gateway.app; print(m.version('cognito-gateway'))" \
    && python -m pip --python /opt/venv/bin/python check


# GraphiQL's assets (react, react-dom, graphiql, its explorer plugin): the pinned tarballs from the npm registry,
# each checked against its pinned integrity by the gateway's own fetcher, which needs only the standard library.
# The stage sees gateway/ide alone (a bind mount), so it is rebuilt only when the pins change.
# A mirror: --build-arg npm_config_registry=https://npm.example.com
FROM ${PYTHON_IMAGE} AS ide-assets

ARG npm_config_registry=https://registry.npmjs.org
RUN --mount=type=bind,source=gateway/ide,target=/ide \
    python /ide/assets.py /opt/ide


FROM ${PYTHON_IMAGE} AS runtime

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

# A numeric, fixed, non-root user: Kubernetes' runAsNonRoot can only verify a numeric USER. The base image's own pip
# goes: the gateway never installs anything at run time, and a shell in the container should not either.
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin gateway \
    && python -m pip uninstall --yes --quiet pip

# The dependencies, the assets, then the project: the layers in the order they change, least often first.
COPY --from=deps /opt/venv /opt/venv
COPY --from=ide-assets /opt/ide /opt/cognito-gateway/ide
COPY --from=project /opt/cognito-gateway/app /opt/cognito-gateway/app

# GATEWAY_HOST=0.0.0.0: inside a container the loopback default would be unreachable from outside.
# HOME=/tmp: nothing else is writable when the root filesystem is read-only (the chart mounts an emptyDir there).
ENV PATH=/opt/cognito-gateway/app/bin:/opt/venv/bin:$PATH \
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
