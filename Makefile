# s6box: one static executable plus symlinks.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN     := build/s6box
PREFIX  ?= /usr
DESTDIR ?=
GO      ?= go
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build install test unit-test check demo bench soak clean fuzz

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

# The binary copies itself to $(DESTDIR)$(PREFIX)/bin/s6box and links every
# applet name; nothing is written if a name is taken by a file or link that
# is not ours, unless FORCE=1.
install: build
	$(BIN) --install-prefix $(DESTDIR)$(PREFIX) $(if $(FORCE),--force)

# Formatting and vet, then every test: unit tests next to the code and the
# integration, compatibility and namespace tests in test/, all driving the
# binary built above through its symlinks.
check:
	@bad=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

# Ends with the skipped tests and a "skipped: N tests" line (test/testsum),
# then a short pass of every fuzz target (a fixed number of inputs each, see
# fuzz below), so a new crasher fails the build.
test: build check
	S6BOX_BIN=$(abspath $(BIN)) $(GO) run ./test/testsum $(GO) test -json -count=1 -timeout 25m ./...
	$(MAKE) --no-print-directory fuzz

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

# Every fuzz target (func FuzzX in a _test.go file), one after the other: go
# test -fuzz takes one target of one package at a time. Each gets a number of
# inputs, not a duration: with a duration, go1.26's fuzz coordinator can fail
# a target with "context deadline exceeded" at the deadline though nothing
# crashed (golang/go#75804, fixed in go1.27); a count sets no deadline.
# FUZZ_EXECS inputs per target (about 3 s at this machine's rates), or
# FUZZ_SLOW_EXECS for the targets in FUZZ_SLOW, which start a process or a
# scanner per input. FUZZTIME=1m (or 1000000x) overrides both for every target.
# New inputs are not minimized; a crasher is still saved as found.
FUZZ_EXECS      ?= 150000x
FUZZ_SLOW_EXECS ?= 4000x
FUZZ_SLOW       := core/scanner/FuzzControl core/userdb/FuzzLookup rcdb/compile/FuzzCompile
FUZZTIME        ?=
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		d=$$(dirname $$f); \
		for n in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			t="$(FUZZTIME)"; \
			if [ -z "$$t" ]; then \
				t=$(FUZZ_EXECS); \
				for s in $(FUZZ_SLOW); do if [ "./$$s" = "$$d/$$n" ]; then t=$(FUZZ_SLOW_EXECS); fi; done; \
			fi; \
			echo "== $$d $$n ($$t)"; \
			$(GO) test -run '^$$' -fuzz "^$$n\$$" -fuzztime $$t -fuzzminimizetime 0 $$d; \
		done; \
	done

# Only the QEMU boot smoke test (downloads a Debian kernel into test/qemu/cache once).
.PHONY: qemu-test
qemu-test: build
	S6BOX_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 20m -v ./test/qemu/
