# The lead's Makefile owns the shared settings and sections; this branch only adds its section file.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

include mk/infra.mk
