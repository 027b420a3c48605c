#!/usr/bin/env bash
# Runs quarry's whole test suite on a fresh machine: installs what the tests
# need that Go does not bring (headless Chromium for the web console's
# browser tests, when apt-get is available and we are root), then runs
# `go test ./...`. Tests that need ../shared (corpus, conformance, golden
# data) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	echo "scripts/test.sh: installing chromium and chromium-driver for the browser tests"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed:" $unformatted >&2
	exit 1
fi
exec go test -timeout 30m "$@" ./...
