# yibao — build, test, run. `make help` lists the targets.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
PKGS    := jansson libmicrohttpd sqlite3 libcrypto libargon2 zlib liblz4
PKGCFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS   = $(shell pkg-config --libs $(filter-out liblz4,$(PKGS)) 2>/dev/null) -l:liblz4.a
LDLIBS   = $(PKGLIBS) -lpthread -lm

B       ?= build
SRC     := $(wildcard src/*.c)
OBJ     := $(SRC:src/%.c=$(B)/obj/%.o)
LIBOBJ  := $(filter-out $(B)/obj/main.o,$(OBJ))
UNIT    := $(wildcard tests/unit/test_*.c)
UNITBIN := $(UNIT:tests/unit/%.c=$(B)/tests/%)
PYTEST  := /usr/bin/python3 -m pytest

.PHONY: all deps run test unit cases dip-cases e2e browser asan bench-adjudicate bench-settle bench-console bench-enroll bench-dip bench-audit eval-audit bench-gen bench-fee-upload bench-batch-upload clean help

all: $(B)/yibao

deps:
	@scripts/deps.sh

$(B)/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/obj
	@echo "  CC      $<"
	@$(CC) $(WARN) $(CFLAGS) $(PKGCFLAGS) -c $< -o $@

$(B)/yibao: $(OBJ)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIBOBJ) | $(B)/tests
	@echo "  TEST    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(PKGCFLAGS) -Isrc -o $@ $< $(LIBOBJ) $(LDLIBS) -lcmocka

$(B)/obj $(B)/tests:
	@mkdir -p $@

## run: install, build, explain a demo settlement, create the demo database (demo entities + a generated 3 000-person region) if absent (built as DB.new, renamed when complete: an interrupted first run leaves no half-made region), serve it on 127.0.0.1:8080
DB      ?= $(B)/demo.db
run: deps all
	$(B)/yibao adjudicate --policy policies/demo-county.json --catalog policies/catalog-demo.json \
	  --case tests/cases/demo_inpatient.json --explain
	@test -f $(DB) || (rm -f $(DB).new $(DB).new-wal $(DB).new-shm && \
	  $(B)/yibao init --demo --db $(DB).new && \
	  $(B)/yibao gen --db $(DB).new --persons 3000 --institutions 40 --years 1 --seed 1 >$(B)/demo-gen.txt && \
	  mv $(DB).new $(DB) && tail -5 $(B)/demo-gen.txt)
	@echo "console: http://127.0.0.1:8080/  log in as admin, supervisor, clerk, inst1 or inst2 with password demo-<name> (e.g. admin / demo-admin)"
	$(B)/yibao serve --db $(DB) --host 127.0.0.1 --port 8080

## test: install, build, and run every test (unit, golden cases, DIP cases, end-to-end, the console in a browser)
test: deps all unit cases dip-cases e2e browser

unit: $(UNITBIN)
	@set -e; for t in $(UNITBIN); do echo "== $$t"; $$t; done

cases: $(B)/yibao
	$(B)/yibao cases tests/cases

dip-cases: $(B)/yibao
	$(B)/yibao dip cases tests/dip

e2e: $(B)/yibao
	@if ls tests/e2e/test_*.py >/dev/null 2>&1; then YIBAO=$(B)/yibao $(PYTEST) -q tests/e2e; fi

## browser: the console in Debian's chromium (playwright-core); screenshots in $(B)/test-output/screenshots/
browser: $(B)/yibao
	YIBAO=$(B)/yibao SHOTS=$(B)/test-output/screenshots node --test --test-reporter=spec tests/browser/

## bench-console: each console page's time on a 1 000 000-person county (made once by bench/console_bigdb.sql)
bench-console: $(B)/yibao
	B=$(B) bench/console.sh

## asan: the same build and tests (unit, golden cases, end-to-end) with AddressSanitizer and UBSan
asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" unit cases dip-cases e2e

## bench-adjudicate: engine-only adjudications per second, 10 fee lines a visit, one core
bench-adjudicate: $(B)/yibao
	$(B)/yibao bench adjudicate --policy policies/demo-county.json --catalog policies/catalog-demo.json

## bench-settle: durable settlements per second over HTTP at concurrency 64, against SQLite's one-commit limit
bench-settle: $(B)/yibao $(B)/bench-settle
	B=$(B) bench/settle.sh

$(B)/bench-settle: bench/settle.c $(LIBOBJ)
	@echo "  LINK    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(PKGCFLAGS) -Isrc -o $@ $< $(LIBOBJ) $(LDLIBS)

## bench-fee-upload: one inpatient stay growing to 5 000 fee lines in calls of 200 (the writer's time per call)
bench-fee-upload: $(B)/bench-fee-upload
	$(B)/bench-fee-upload --db $(B)/bench-fee-upload.db

## bench-batch-upload: through the server, an outpatient batch growing by 2204 calls of 1 000 lines; a 4 000-line stay with 1 000 returns (2301), 1 000 cancels (2302), 1 000 more returns, then settled (2303, 2304) and cancelled (2305)
bench-batch-upload: $(B)/yibao
	YIBAO=$(B)/yibao /usr/bin/python3 bench/batch_upload.py

$(B)/bench-fee-upload: bench/fee_upload.c $(LIBOBJ)
	@echo "  LINK    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(PKGCFLAGS) -Isrc -o $@ $< $(LIBOBJ) $(LDLIBS)

## bench-gen: generate a county (PERSONS=100000 by default; the target is PERSONS=1000000) and print fee_lines_per_sec, peak_rss_mb, bytes per line
bench-gen: $(B)/yibao
	B=$(B) bench/gen.sh

## bench-audit: post-settlement rule pass over a synthetic region, lines_per_sec against the same rules in SQL
bench-audit: $(B)/yibao $(B)/audit-synth $(B)/audit-bench
	B=$(B) bench/audit.sh

$(B)/audit-bench: bench/audit_bench.c $(LIBOBJ)
	@echo "  LINK    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(PKGCFLAGS) -Isrc -o $@ $< $(LIBOBJ) $(LDLIBS)

## eval-audit: recall and precision per fraud kind on a generated region (yibao gen, else bench/audit_synth.c)
eval-audit: $(B)/yibao $(B)/audit-synth
	@if $(B)/yibao 2>&1 | grep -q '^  gen '; then nice $(B)/yibao gen --db $(B)/audit-eval.db --persons 20000 >/dev/null; \
	 else $(B)/audit-synth --db $(B)/audit-eval.db --persons 20000; fi
	$(B)/yibao audit eval --db $(B)/audit-eval.db

$(B)/audit-synth: bench/audit_synth.c $(LIBOBJ)
	@echo "  LINK    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(PKGCFLAGS) -Isrc -o $@ $< $(LIBOBJ) $(LDLIBS)

## bench-dip: DIP grouping+scoring cases per second on one core, and a county year's clearing through SQLite
bench-dip: $(B)/yibao
	nice $(B)/yibao dip bench --db $(B)/bench-dip.db

## bench-enroll: enrollment monitoring lists and a year's recomputation on 100 000 synthetic residents
bench-enroll: $(B)/yibao
	YIBAO=$(B)/yibao nice /usr/bin/python3 bench/enroll.py 100000

clean:
	rm -rf build build-asan

help:
	@grep -E '^## ' Makefile | sed 's/^## //'
