# make test installs what the tests need when it is missing (redis-server
# and chromium, from Debian's packages), says what it did, then runs every
# test with the race detector.

GO ?= go
GOTESTFLAGS ?= -race -count=1 -timeout 20m

.PHONY: test deps run build bench fuzz

test: deps
	$(GO) test $(GOTESTFLAGS) ./...

deps:
	@.ci/deps

run:
	$(GO) run ./cmd/plenary

build:
	$(GO) build -o plenary ./cmd/plenary
	$(GO) build -o plenary-load ./cmd/plenary-load

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# fuzz runs each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzApply$$' -fuzztime $(FUZZTIME) ./board
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeClient$$' -fuzztime $(FUZZTIME) ./protocol
	$(GO) test -run '^$$' -fuzz '^FuzzSegment$$' -fuzztime $(FUZZTIME) ./store/bolt
	$(GO) test -run '^$$' -fuzz '^FuzzParseHeader$$' -fuzztime $(FUZZTIME) ./protocol
	$(GO) test -run '^$$' -fuzz '^FuzzLines$$' -fuzztime $(FUZZTIME) ./hub/client
	$(GO) test -run '^$$' -fuzz '^FuzzEntryRoundTrip$$' -fuzztime $(FUZZTIME) ./hub/replica
