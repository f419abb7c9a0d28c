# Herald — see README.md. `make run` builds and starts the app, `make test`
# runs vet and every test inside a desktop-like session (D-Bus, unlocked
# gnome-keyring, Xvfb). Both install the Debian packages they need.

GO        ?= go
TAGS      := migrated_fynedo
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -X github.com/heraldpush/herald/app.Version=$(VERSION) \
             -X github.com/heraldpush/herald/app.Commit=$(COMMIT) \
             -X github.com/heraldpush/herald/app.Date=$(DATE)

# Fyne (OpenGL + X11) and go-sqlite3 are cgo.
DEB_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev
# Fyne falls back to system fonts for glyphs its own font lacks: Chinese
# needs a CJK font installed (Windows and macOS ship one).
DEB_RUN   := fonts-wqy-microhei
# The real components tests use: Secret Service, session bus, X server.
DEB_TEST  := $(DEB_BUILD) $(DEB_RUN) dbus dbus-x11 gnome-keyring xvfb xauth x11-apps desktop-file-utils

.PHONY: all build run test vet bench deps-build deps-test check-go clean

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }

deps-build: check-go
	@scripts/apt-need $(DEB_BUILD)

deps-test: check-go
	@scripts/apt-need $(DEB_TEST)

build: deps-build
	$(GO) build -tags $(TAGS) -trimpath -ldflags "$(LDFLAGS)" -o bin/herald ./cmd/herald

run: build
	@scripts/apt-need $(DEB_RUN) dbus-x11 gnome-keyring
	./bin/herald

vet: deps-build
	$(GO) vet -tags $(TAGS) ./...

# The binary is built once here and shared with the tests that drive it.
test: deps-test vet
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o bin/herald-test ./cmd/herald
	HERALD_BIN=$(CURDIR)/bin/herald-test scripts/desktop-session $(GO) test -tags $(TAGS) -count=1 ./...

bench: deps-test
	scripts/bench

clean:
	rm -rf bin
