#!/usr/bin/env bash
# CI-only set-up for building and testing images/airflow here: root, no Docker engine, no registry.
# Idempotent; .ci/run calls it before `make image-test`. Developer machines and GitHub Actions don't need it.
#   1. checks the Debian packages are installed (the apt-get line is printed when they aren't);
#   2. installs the podman/buildah configuration measured to work on this machine kind;
#   3. makes each Dockerfile's default BASE_IMAGE (bookworm for images/airflow, postgres and redis, trixie for
#      images/pgbouncer) locally with debootstrap, since no registry can be reached, so the unchanged Dockerfiles
#      build here.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DOCKERFILES=("${HERE}"/../{airflow,pgbouncer,postgres,redis}/Dockerfile)
# debootstrap uses the machine's own apt mirror (the Debian archive entry, not -security): the one package
# source this machine is known to reach.
apt_mirror() {
    local sources
    for sources in /etc/apt/sources.list.d/*.sources; do
        if [[ -f "${sources}" ]]; then sed -n 's|^URIs: *\([^ ]*/debian\)/\?$|\1|p' "${sources}"; fi
    done
    if [[ -f /etc/apt/sources.list ]]; then
        sed -n 's|^deb \(\[[^]]*\] \)\?\([^ ]*/debian\)/\? bookworm .*|\2|p' /etc/apt/sources.list
    fi
}
mirrors="$(apt_mirror)"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-${mirrors%%$'\n'*}}"
if [[ -z "${DEBIAN_MIRROR}" ]]; then
    echo "prepare-podman: no Debian archive found in the apt sources; set DEBIAN_MIRROR=<mirror URL>" >&2
    exit 1
fi
# dnsname: compose's project network resolves service names only through it, on podman's CNI backend.
REQUIRED_PACKAGES=(podman buildah runc debootstrap containernetworking-plugins golang-github-containernetworking-plugin-dnsname)

missing=()
for package in "${REQUIRED_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed" || missing+=("${package}")
done
if (( ${#missing[@]} )); then
    echo "prepare-podman: missing Debian packages: ${missing[*]}" >&2
    echo "  install them with: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

install -d /etc/containers
for conf in containers.conf storage.conf; do
    cmp -s "${HERE}/${conf}" "/etc/containers/${conf}" || install -m 0644 "${HERE}/${conf}" "/etc/containers/${conf}"
done

# A Debian release's code name, from the major version of a debian:<version>-slim tag.
suite_of() {
    case "$1" in
        *:12*) echo bookworm ;;
        *:13*) echo trixie ;;
        *) echo "prepare-podman: no Debian release known for base image $1" >&2; return 1 ;;
    esac
}

make_base() {
    local dockerfile="$1" base_image qualified_base suite rootfs
    # The one place a base tag is written is its Dockerfile's ARG default.
    base_image="$(sed -n 's/^ARG BASE_IMAGE="\(.*\)"$/\1/p' "${dockerfile}")"
    if [[ -z "${base_image}" ]]; then
        echo "prepare-podman: no 'ARG BASE_IMAGE=\"…\"' default found in ${dockerfile}" >&2
        return 1
    fi
    # A short name such as debian:12.11-slim resolves to docker.io/library/…; tag it so, then FROM finds it locally.
    case "${base_image}" in
        */*) qualified_base="${base_image}" ;;
        *) qualified_base="docker.io/library/${base_image}" ;;
    esac
    if podman image exists "${qualified_base}"; then
        echo "prepare-podman: ${qualified_base} is present for ${dockerfile#"${HERE}"/../}"
        return 0
    fi
    suite="$(suite_of "${base_image}")"
    rootfs="$(mktemp -d /var/tmp/debian-base.XXXXXX)"
    echo "prepare-podman: debootstrap --variant=minbase ${suite} for ${qualified_base} (about 30 s)"
    debootstrap --variant=minbase "${suite}" "${rootfs}" "${DEBIAN_MIRROR}" >/dev/null
    # Trim it the way Debian's -slim images are trimmed: no docs, man pages or locales, no apt lists or caches.
    cat > "${rootfs}/etc/dpkg/dpkg.cfg.d/slim-excludes" <<'EXCLUDES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EXCLUDES
    cat > "${rootfs}/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
CLEAN
    echo 'Acquire::Languages "none";' > "${rootfs}/etc/apt/apt.conf.d/docker-no-languages"
    find "${rootfs}/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    find "${rootfs}/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "${rootfs}"/usr/share/{man,info}/* "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/*.bin \
        "${rootfs}"/var/cache/apt/archives/*.deb "${rootfs}"/var/log/*.log
    tar --numeric-owner -C "${rootfs}" -c . \
        | podman import --quiet --change 'CMD ["bash"]' - "${qualified_base}" >/dev/null
    rm -rf "${rootfs}"
    echo "prepare-podman: imported ${qualified_base}"
}

for dockerfile in "${DOCKERFILES[@]}"; do
    make_base "${dockerfile}"
done
