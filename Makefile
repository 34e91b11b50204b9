# s6box: one static executable plus symlinks.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN     := build/s6box
PREFIX  ?= /usr
DESTDIR ?=
GO      ?= go
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build install test unit-test check demo bench soak clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/s6box
	$(BIN) --install-prefix $(DESTDIR)$(PREFIX)

# Formatting and vet, then every test: unit tests next to the code and the
# integration, compatibility and namespace tests in test/, all driving the
# binary built above through its symlinks.
check:
	@bad=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

# Ends with the skipped tests and a "skipped: N tests" line (test/testsum).
test: build check
	S6BOX_BIN=$(abspath $(BIN)) $(GO) run ./test/testsum $(GO) test -json -count=1 -timeout 25m ./...

demo: build
	./test/demo/demo.sh $(abspath $(BIN))

bench: build
	./test/bench/run.sh $(abspath $(BIN))

# Not part of test: 1000 services restarted in a loop for SOAK_SECONDS
# (default 300), scanner memory and descriptors sampled (test/soak/soak.sh).
soak: build
	./test/soak/soak.sh $(abspath $(BIN))

clean:
	rm -rf build

# Only the QEMU boot smoke test (downloads a Debian kernel into test/qemu/cache once).
.PHONY: qemu-test
qemu-test: build
	S6BOX_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 20m -v ./test/qemu/
