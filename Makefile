# Herald — see README.md. `make run` builds and starts the app, `make test`
# runs vet and every test inside a desktop-like session (D-Bus, unlocked
# gnome-keyring, Xvfb), then builds the Linux and Windows packages and checks
# them. `make package-linux`, `package-windows` (cross-built on Linux) and
# `package-darwin` (on a Mac) write dist/. Every target installs the Debian
# packages and pinned Go tools it needs.

GO        ?= go
TAGS      := migrated_fynedo
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
# Evaluated once, so everything one make run builds carries the same stamp.
VERSION   := $(VERSION)
COMMIT    := $(COMMIT)
DATE      := $(DATE)
LDFLAGS   := -X github.com/heraldpush/herald/app.Version=$(VERSION) \
             -X github.com/heraldpush/herald/app.Commit=$(COMMIT) \
             -X github.com/heraldpush/herald/app.Date=$(DATE)

# Fyne (OpenGL + X11) and go-sqlite3 are cgo.
DEB_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev
# Fyne falls back to system fonts for glyphs its own font lacks: Chinese
# needs a CJK font installed (Windows and macOS ship one).
DEB_RUN   := fonts-wqy-microhei
# The real components tests use: Secret Service, session bus, X server;
# xdotool types into the real window (cmd/herald/journey_test.go).
DEB_TEST  := $(DEB_BUILD) $(DEB_RUN) dbus dbus-x11 gnome-keyring xvfb xauth x11-apps xdotool desktop-file-utils bash-completion

# Packages: names carry FyneApp.toml's Details.Version (a release tag is v<it>).
PKG_VERSION  ?= $(shell sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml)
DIST         := $(CURDIR)/dist
TOOLS        := $(CURDIR)/bin/tools
FYNE_VERSION := v2.7.1
NFPM_VERSION := v2.45.2
STATICCHECK_VERSION := v0.8.2
MINGW_CC     := x86_64-w64-mingw32-gcc
DEB_PKG_LINUX   := $(DEB_BUILD) binutils xz-utils desktop-file-utils
DEB_PKG_WINDOWS := gcc-mingw-w64-x86-64 nsis
# dpkg -i/-r, desktop-file-validate, 7z (lists what the NSIS installer holds),
# bash-completion (loads the installed bash completion as a shell would);
# Wine 8 (the command is wine; wine64 is its 64-bit loader), on an Xvfb
# display with xwd screenshots and xwininfo, runs the Windows build
# (packaging/wine_test.go). apt-need skips recommended packages: the ones of
# Wine's the window needs (software OpenGL, X extensions, fonts) are named.
DEB_PKG_TEST    := desktop-file-utils p7zip-full bash-completion wine wine64 xvfb xauth x11-apps x11-utils \
                   gcc-mingw-w64-x86-64 fonts-wine libgl1 libgl1-mesa-dri libosmesa6 libxcursor1 libxi6 \
                   libxrandr2 libxinerama1 libxcomposite1 libxrender1 libxfixes3 libxxf86vm1 libdbus-1-3 libgnutls30
# The packages whose Windows tests are cross-compiled and run under Wine.
WINDOWS_TEST_PKGS := engine/task engine/secret app/owner app/autostart app/endsession cmd/herald-console ui/toast
WINDOWS_TESTS     := $(CURDIR)/bin/windows-tests
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo)
PKG_ENV = GO="$(GO)" FYNE="$(TOOLS)/fyne" NFPM="$(TOOLS)/nfpm" HERALD_PKG_VERSION="$(PKG_VERSION)" \
          HERALD_VERSION="$(VERSION)" HERALD_COMMIT="$(COMMIT)" HERALD_DATE="$(DATE)"

# go-tool NAME MODULE PACKAGE VERSION: `go install` into bin/tools unless the
# binary there was built from exactly that module version.
go-tool = $(GO) version -m $(TOOLS)/$(1) 2>/dev/null | grep -Eq '^[[:space:]]+mod[[:space:]]+$(2)[[:space:]]+$(4)([[:space:]]|$$)' || \
          { echo "Installing $(2)/$(3)@$(4) into bin/tools"; GOBIN=$(TOOLS) $(GO) install $(2)/$(3)@$(4); }

.PHONY: all build run test test-go vet bench deps-build deps-test check-go clean \
        package-linux package-windows package-darwin package-test windows-tests pkg-version \
        tool-fyne tool-nfpm tool-staticcheck

# The package scripts and the tests share bin/ and dist/: one job at a time.
.NOTPARALLEL:

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }

deps-build: check-go
	@scripts/apt-need $(DEB_BUILD)

deps-test: check-go
	@scripts/apt-need $(DEB_TEST)

build: deps-build
	$(GO) build -tags $(TAGS) -trimpath -ldflags "$(LDFLAGS)" -o bin/herald ./cmd/herald
	# The tray process without Fyne and GL, which herald hands over to (cmd/herald-tray).
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/herald-tray ./cmd/herald-tray

run: build
	@scripts/apt-need $(DEB_RUN) dbus-x11 gnome-keyring
	./bin/herald

# go vet, then staticcheck at the pinned version (its default checks).
vet: deps-build tool-staticcheck
	$(GO) vet -tags $(TAGS) ./...
	$(TOOLS)/staticcheck -tags $(TAGS) ./...

test: vet test-go package-test

# The binary is built once here and shared with the tests that drive it.
# ./packaging is package-test's: it checks dist/.
test-go: deps-test
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o bin/herald-test ./cmd/herald
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/herald-test-tray ./cmd/herald-tray
	HERALD_BIN=$(CURDIR)/bin/herald-test scripts/desktop-session $(GO) test -tags $(TAGS) -count=1 \
	  $$($(GO) list -tags $(TAGS) ./... | grep -v '/packaging$$')

# Builds the Linux and Windows packages, then installs the .deb (dpkg, as
# root: through sudo when make is not root), runs it, validates its .desktop
# file, removes it, and checks the Windows binaries' PE headers, resources
# and installer payload (packaging/packaging_test.go); then runs the Windows
# build and the Windows unit tests under Wine on an Xvfb display
# (packaging/wine_test.go).
package-test: package-linux package-windows windows-tests
	@scripts/apt-need $(DEB_PKG_TEST)
	$(GO) test -c -o bin/packaging.test ./packaging/
	$(AS_ROOT) env CI="$$CI" HERALD_DIST=$(DIST) HERALD_PKG_VERSION=$(PKG_VERSION) \
	  HERALD_VERSION_LINE="herald $(VERSION) (commit $(COMMIT), built $(DATE))" \
	  HERALD_WINDOWS_TESTS=$(WINDOWS_TESTS) HERALD_WINDOWS_TEST_PKGS="$(WINDOWS_TEST_PKGS)" \
	  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp -noreset" bin/packaging.test -test.count=1 -test.timeout=15m -test.v

# bin/windows-tests/PKG.test.exe (PKG with - for /): each package's tests,
# cross-compiled for Windows with mingw-w64 (app/owner links go-sqlite3);
# -trimpath as package-windows builds, so they share its build cache.
windows-tests: check-go
	@scripts/apt-need $(DEB_PKG_WINDOWS)
	@rm -rf $(WINDOWS_TESTS) && mkdir -p $(WINDOWS_TESTS)
	set -e; for p in $(WINDOWS_TEST_PKGS); do \
	  GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=$(MINGW_CC) $(GO) test -c -trimpath -tags $(TAGS) \
	    -o $(WINDOWS_TESTS)/$$(echo $$p | tr / -).test.exe ./$$p; \
	done

# dist/herald-VERSION-linux-amd64.tar.xz (fyne package) and dist/herald_VERSION_amd64.deb (nfpm).
package-linux: check-go tool-fyne tool-nfpm
	@scripts/apt-need $(DEB_PKG_LINUX)
	$(PKG_ENV) packaging/linux/package $(DIST)

# dist/herald-VERSION-windows-amd64.exe, its tray process …-tray.exe (cmd/herald-tray) and
# …-setup.exe (NSIS), cross-built with mingw-w64.
package-windows: check-go tool-fyne
	@scripts/apt-need $(DEB_PKG_WINDOWS)
	$(PKG_ENV) CC=$(MINGW_CC) packaging/windows/package $(DIST)

# dist/Herald.app and dist/herald-VERSION-darwin-ARCH.dmg; macOS only.
package-darwin: check-go tool-fyne
	$(PKG_ENV) packaging/darwin/package $(DIST)

# The version the package names carry (the release workflow compares the tag).
pkg-version:
	@echo $(PKG_VERSION)

tool-fyne: check-go
	@$(call go-tool,fyne,fyne.io/fyne/v2,cmd/fyne,$(FYNE_VERSION))

tool-nfpm: check-go
	@$(call go-tool,nfpm,github.com/goreleaser/nfpm/v2,cmd/nfpm,$(NFPM_VERSION))

tool-staticcheck: check-go
	@$(call go-tool,staticcheck,honnef.co/go/tools,cmd/staticcheck,$(STATICCHECK_VERSION))

bench: deps-test
	scripts/bench

clean:
	rm -rf bin dist
