# Hark's two entry points on a fresh Debian machine:
#   make run   — installs what is missing, builds hark and transcribes testdata/sample.wav, native.wav and
#                english.mp3 with the embedded model
#   make test  — installs what is missing and runs every test (what CI runs through .ci/run)

SHELL := /bin/bash
GO ?= go
BIN := bin/hark

# Debian packages: cgo libraries (OpenBLAS, PortAudio), audio tools used by tests and the synthetic-corpus
# generator, numpy/scipy for regenerating reference fixtures, and PocketSphinx for the side-by-side benchmark.
APT_PACKAGES := gcc libc6-dev pkg-config libopenblas-dev portaudio19-dev libasound2-plugins alsa-utils \
	sox libsox-fmt-mp3 flac lame espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts \
	python3-numpy python3-scipy pocketsphinx pocketsphinx-en-us

SAMPLE ?= testdata/sample.wav

.PHONY: run test deps build bench fuzz clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(GO) >/dev/null || { echo "Go is not installed: see https://go.dev/doc/install"; exit 1; }
	$(GO) mod download

build: deps
	$(GO) build -o $(BIN) ./cmd/hark

run: build
	./$(BIN) info $(SAMPLE)
	./$(BIN) transcribe $(SAMPLE) testdata/native.wav testdata/english.mp3

test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	CGO_ENABLED=0 $(GO) test -count=1 -timeout 10m ./audio/... ./features/... ./decoder/... ./metrics/... ./acoustic
	$(GO) test -count=1 -race -timeout 20m ./audio/... ./corpus/... ./decoder/... ./internal/... ./cmd/hark .

bench: deps
	GOMAXPROCS=1 $(GO) test -run '^$$' -bench . -benchtime 20x ./audio/ ./features/ ./decoder/ ./acoustic/...

clean:
	rm -rf bin
