#!/usr/bin/env bash
# A Docker engine for `recast-lint run` / `recast-lint test` on a machine that has none, with the
# images the runner uses built locally (no Docker Hub needed). The end-to-end tests call it; so can you.
#
#   scripts/provision-docker.sh up      # prints `export DOCKER_HOST=...`: eval "$(scripts/provision-docker.sh up)"
#   scripts/provision-docker.sh down    # stops the daemon `up` started
#   scripts/provision-docker.sh status
#
# `up`, in order:
#  1. the private daemon of a previous `up` is reused if it still answers;
#  2. else a Docker daemon that already answers (DOCKER_HOST, else the client's context) and holds
#     recast/recastatlas:v0.4.2 is used as it is: nothing is installed, started or built;
#  3. else, as root with apt-get: Debian's docker.io is installed if dockerd is missing, and a
#     private dockerd is started in the background, with its own data root (the image cache),
#     exec root and socket, and no iptables, NAT or bridge (containers get loopback only);
#  4. the step image (busybox:1.36.1, from Debian's busybox-static) and the engine image
#     (recast/recastatlas:v0.4.2: a debootstrapped bookworm with python3, recast-atlas 0.4.2, yadage,
#     packtivity, graphviz and a docker client) are built into it unless the daemon already holds
#     them built from the same recipe (a label carries the recipe's hash), so a second `up` takes
#     seconds. Without root or apt-get it stops with exit code 77 and says why.
#
# Where things live (override with the variables):
#   RECAST_DOCKER_CACHE  ${XDG_CACHE_HOME:-$HOME/.cache}/recast-lint/docker: the daemon's data root,
#                        i.e. the images; kept by `down`, delete it to start cold
#   RECAST_DOCKER_RUN    /run/recast-lint-docker: socket, exec root, pid file and dockerd.log; removed by `down`
set -euo pipefail

CACHE=${RECAST_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recast-lint/docker}
RUN=${RECAST_DOCKER_RUN:-/run/recast-lint-docker}
SOCKET=$RUN/docker.sock
ENGINE_IMAGE=recast/recastatlas:v0.4.2
STEP_IMAGE=busybox:1.36.1
LABEL=org.recast-lint.recipe
SUITE=bookworm
CANNOT=77  # "cannot provision here": the tests turn it into a skip

say() { echo "provision-docker: $*" >&2; }
die() { say "error: $*"; exit 1; }
cannot() { say "cannot provision: $*"; exit "$CANNOT"; }

private() { DOCKER_HOST=unix://$SOCKET DOCKER_CONTEXT='' docker "$@"; }
answers() { "$@" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# -- the daemon ---------------------------------------------------------------------------------

apt_install() {
    # a fresh machine may have stale package lists: update once, only when an install fails
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2; }
}

need() {  # need PACKAGE [COMMAND]: install Debian's PACKAGE unless it (or COMMAND, from wherever) is there
    if [ -n "${2:-}" ]; then command -v "$2" >/dev/null 2>&1 && return; fi
    [ "$(dpkg-query -W -f '${Status}' "$1" 2>/dev/null)" = "install ok installed" ] && return
    command -v apt-get >/dev/null 2>&1 || cannot "${2:-$1} is missing and there is no apt-get to install Debian's $1"
    say "installing Debian's $1..."
    apt_install "$1"
}

start_daemon() {
    [ "$(id -u)" = 0 ] || cannot "no Docker daemon answers, and starting one needs root (this is uid $(id -u))"
    need docker.io dockerd
    need docker.io docker
    mkdir -p "$RUN" "$CACHE/root"
    say "starting dockerd (data root $CACHE/root, socket $SOCKET, log $RUN/dockerd.log)..."
    # setsid + redirections: the daemon outlives this script and holds none of its caller's pipes open
    setsid dockerd --data-root "$CACHE/root" --exec-root "$RUN/exec" --pidfile "$RUN/dockerd.pid" \
        --storage-driver "${RECAST_DOCKER_STORAGE:-overlay2}" --iptables=false --ip6tables=false \
        --ip-masq=false --bridge=none --host "unix://$SOCKET" \
        </dev/null >"$RUN/dockerd.log" 2>&1 &
    local pid=$! _
    for _ in $(seq 120); do
        answers private && return
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$RUN/dockerd.log" >&2; die "dockerd exited (log above, from $RUN/dockerd.log)"; }
        sleep 0.25
    done
    die "dockerd did not answer on $SOCKET within 30 s; see $RUN/dockerd.log"
}

stop_daemon() {
    local pid _
    if [ -f "$RUN/dockerd.pid" ] && pid=$(cat "$RUN/dockerd.pid") && kill -0 "$pid" 2>/dev/null; then
        say "stopping dockerd (pid $pid)..."
        kill -TERM "$pid"
        for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        if kill -0 "$pid" 2>/dev/null; then say "dockerd did not stop within 30 s; killing it"; kill -KILL "$pid"; fi
    else
        say "no dockerd of ours is running"
    fi
    # dockerd leaves a network namespace (exec root/netns/default) and, if killed, container mounts
    awk -v run="$RUN/" -v data="$CACHE/root/" 'index($5, run) == 1 || index($5, data) == 1 { print $5 }' /proc/self/mountinfo \
        | sort -r | while read -r mount; do umount "$mount" 2>/dev/null || umount -l "$mount"; done
    rm -rf "$RUN"
}

# -- the images ---------------------------------------------------------------------------------
# Each image is labelled with the hash of its recipe: the function that builds it (its text, as
# bash prints it) and what it reads from the host. A changed recipe rebuilds it; nothing else does.

recipe_hash() { { declare -f "$@"; printf '%s\n' "${RECIPE_INPUTS[@]}"; } | sha256sum | cut -c1-16; }

built_from() {  # built_from IMAGE HASH: the daemon holds IMAGE built from the recipe with HASH
    [ "$(private image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null)" = "$2" ]
}

build_step_image() {
    # busybox and its applets, and the passwd/group entries `docker run -u root` looks up
    local dir=$1 applet
    mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp"
    chmod 1777 "$dir/tmp"
    cp /bin/busybox "$dir/bin/busybox"
    for applet in $("$dir/bin/busybox" --list); do [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

debian_mirror() {
    # the archive apt uses here (deb822 sources or sources.list), so debootstrap reaches what apt reaches
    local uri
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 !~ /^\[/ && $0 ~ /debian\/? / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    echo "${uri:-http://deb.debian.org/debian}"
}

build_base_image() {
    local dir=$1
    debootstrap --variant=minbase "$SUITE" "$dir" "$(debian_mirror)" >&2
    rm -rf "$dir/var/cache/apt/archives/"*.deb "$dir/var/lib/apt/lists/"*
}

# The engine: what recast/recastatlas:v0.4.2 holds for `yadage-run` and `packtivity-run` (recast-atlas,
# yadage, packtivity, pydot, graphviz for `visualize: true`, a docker client, `-u root` for the steps).
# adage's GIF tracker calls ImageMagick's `convert` for an animation nobody reads: a stub writes an
# empty file instead of 100 MB of ImageMagick and 20 s a run.
engine_dockerfile() {
    cat <<'EOF'
ARG BASE
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
COPY host-ca-certificates.crt /tmp/host-ca-certificates.crt
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates graphviz jq \
 && cd /tmp && apt-get download docker.io \
 && dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x -C / ./usr/bin/docker \
 && rm -rf /tmp/docker.io_*.deb /var/lib/apt/lists/* \
 && cp /tmp/host-ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# pip trusts the certificate authorities the host trusts (a TLS-inspecting proxy's among them)
RUN python3 -m venv /opt/recast \
 && /opt/recast/bin/pip install --no-cache-dir --cert /etc/ssl/certs/ca-certificates.crt \
      recast-atlas==0.4.2 yadage==0.21.2 packtivity==0.17.1 adage==0.11.0 yadage-schemas==0.11.1 \
      pydot==4.0.1 pydotplus==2.0.2
RUN printf '#!/bin/sh\n# stand-in for ImageMagick: adage animates the DAG into a GIF with it\nfor last; do :; done\n: > "$last"\n' \
      > /usr/local/bin/convert && chmod +x /usr/local/bin/convert
ENV PATH=/opt/recast/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PACKTIVITY_DOCKER_CMD_MOD="-u root"
WORKDIR /work
EOF
}

build_images() {
    local hash base_hash
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT

    RECIPE_INPUTS=("$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || echo none)")
    hash=$(recipe_hash build_step_image)
    if built_from "$STEP_IMAGE" "$hash"; then
        say "step image $STEP_IMAGE is up to date (recipe $hash)"
    else
        need busybox-static
        say "building the step image $STEP_IMAGE from Debian's busybox-static..."
        build_step_image "$WORK/step"
        tar -C "$WORK/step" -c . | private import --change "LABEL $LABEL=$hash" --change 'CMD ["sh"]' - "$STEP_IMAGE" >/dev/null
    fi

    RECIPE_INPUTS=("$SUITE" "$(debian_mirror)")
    base_hash=$(recipe_hash build_base_image debian_mirror)
    RECIPE_INPUTS=("$base_hash" "$(sha256sum </etc/ssl/certs/ca-certificates.crt)")
    hash=$(recipe_hash engine_dockerfile)
    if built_from "$ENGINE_IMAGE" "$hash"; then
        say "engine image $ENGINE_IMAGE is up to date (recipe $hash)"
        return
    fi
    local base=recast-lint/$SUITE-minbase:$base_hash
    if ! built_from "$base" "$base_hash"; then
        need debootstrap debootstrap
        say "debootstrapping a minimal $SUITE from $(debian_mirror) (about 2 minutes)..."
        build_base_image "$WORK/rootfs"
        tar -C "$WORK/rootfs" -c . | private import --change "LABEL $LABEL=$base_hash" - "$base" >/dev/null
        rm -rf "$WORK/rootfs"
    fi
    say "building the engine image $ENGINE_IMAGE (python3, recast-atlas, yadage, packtivity, graphviz, docker client; about 2 minutes)..."
    mkdir -p "$WORK/engine"
    cp /etc/ssl/certs/ca-certificates.crt "$WORK/engine/host-ca-certificates.crt"
    engine_dockerfile >"$WORK/engine/Dockerfile"
    # the legacy builder: the same with any client version; host network, as the daemon has no bridge
    DOCKER_BUILDKIT=0 private build --network host --build-arg "BASE=$base" --label "$LABEL=$hash" \
        -t "$ENGINE_IMAGE" "$WORK/engine" >&2
    private image prune -f >/dev/null  # layers of the recipe this one replaces
}

# -- commands -----------------------------------------------------------------------------------

up() {
    local started=
    if command -v docker >/dev/null 2>&1 && answers private; then
        say "reusing the private dockerd on $SOCKET"
    elif command -v docker >/dev/null 2>&1 && answers docker && docker image inspect "$ENGINE_IMAGE" >/dev/null 2>&1; then
        say "the Docker daemon your client talks to answers and holds $ENGINE_IMAGE; using it"
        [ -z "${DOCKER_HOST:-}" ] || echo "export DOCKER_HOST=$DOCKER_HOST"
        return
    else
        start_daemon
        started=yes
    fi
    build_images
    echo "export DOCKER_HOST=unix://$SOCKET"
    [ -z "$started" ] || echo "# started dockerd; stop it with: $0 down"
}

case "${1:-}" in
    up) up ;;
    down) stop_daemon ;;
    status)
        if command -v docker >/dev/null 2>&1 && answers private; then
            say "the private dockerd answers on $SOCKET (images in $CACHE/root)"
        else
            say "no private dockerd answers on $SOCKET"; exit 1
        fi ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
