# kvae-tools: one plain GNU Makefile.
#
#   make            build the programs into bin/
#   make check      install missing packages, build, run every test, then
#                   again under AddressSanitizer + UBSan, the fuzzers, and
#                   the static analyser; ends "N passed, N failed, N skipped"
#   make demo       install, build and run the main job on generated data
#   make asan       build the sanitizer variant in build/asan/
#   make install PREFIX=/usr/local
#   make deps       install missing Debian packages (no-op when present)
#   make MPI=no     build kvae-train without MPI even when one is installed
#   make bench      run the benchmarks in bench/ (not part of check)
#   make fuzz FUZZ_SECONDS=N   run every libFuzzer harness N seconds
#   make check-numbers  number text in full: every float32, 3 x 10^8
#                   random doubles printed and parsed (make check samples)
#   make analyze    the clang static analyser over lib/ and cmd/; fails on
#                   any finding (report in build/analyze/report)
#
# CC, CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS given on the command line or in
# the environment are added to what the build needs, never instead of it:
# `make CFLAGS=-march=native` keeps -std=c11 -O2 -fopenmp.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
PYTHON   ?= /usr/bin/python3
# make's built-in default is cc; ours is gcc unless the user names one.
ifeq ($(origin CC),default)
CC        = gcc
endif
VARIANT  ?= release
# make check and make demo build, and run test files and fuzzers, a job
# per CPU (JOBS; KVAE_JOBS for the tests); logs print in order all the same.
JOBS     ?= $(shell nproc 2>/dev/null || echo 1)

PKGS      = gsl sndfile libavformat libavcodec libswscale libavutil jansson
# GSL's BLAS interface goes to OpenBLAS's CBLAS, not GSL's reference one.
# pkg-config's complaints are kept for the pkgconfig target below, which
# every object waits for: a missing package stops the build with
# pkg-config's own message instead of a compiler error about a header.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(filter-out -lgslcblas,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
# MPI is optional: with an MPI's pkg-config file (Open MPI's mpi-c, or
# MPICH's mpich), lib/dist is built on it and kvae-train runs data-parallel
# under mpirun or srun; without one, or with MPI=no, it is one process.
MPI      ?= yes
MPI_PKG  := $(if $(filter yes,$(MPI)),$(firstword $(foreach p,mpi-c mpich,$(shell pkg-config --exists $(p) 2>/dev/null && echo $(p)))))
MPI_CPPFLAGS := $(if $(MPI_PKG),-DKVAE_MPI $(shell pkg-config --cflags $(MPI_PKG)))
MPI_LIBS := $(if $(MPI_PKG),$(shell pkg-config --libs $(MPI_PKG)))
KV_LDLIBS  = $(PKG_LIBS) $(MPI_LIBS) -ldnnl -lopenblas -lm

WARN      = -Wall -Wextra
KV_CPPFLAGS = -D_GNU_SOURCE -Ilib -Icmd -DKVAE_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
CFLAGS_release = -O2 -g
CFLAGS_asan    = -O1 -g -fno-omit-frame-pointer \
                 -fsanitize=address,undefined -fno-sanitize-recover=undefined
# The fuzz variant is built with clang (libFuzzer); clang's OpenMP runtime
# is not installed, so that variant runs the OpenMP loops serially.
CFLAGS_fuzz    = -O1 -g -fno-omit-frame-pointer -Wno-unknown-pragmas \
                 -fsanitize=fuzzer-no-link,address,undefined \
                 -fno-sanitize-recover=undefined
# The analyze variant only compiles (scan-build, clang): no OpenMP there.
CFLAGS_analyze = -O0 -g -Wno-unknown-pragmas
OPENMP    = $(if $(filter fuzz analyze,$(VARIANT)),,-fopenmp)
KV_CFLAGS = -std=c11 $(WARN) $(OPENMP) $(CFLAGS_$(VARIANT))
# Debian's gcc links --as-needed except with -fsanitize; say it always,
# so a sanitized kf-filter does not load FFmpeg's 130 libraries at start.
KV_LDFLAGS = $(OPENMP) $(filter -fsanitize=%,$(CFLAGS_$(VARIANT))) -Wl,--as-needed
ALL_CPPFLAGS = $(KV_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(KV_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(KV_LDFLAGS) $(LDFLAGS)
ALL_LDLIBS = $(KV_LDLIBS) $(LDLIBS)

B         = build/$(VARIANT)
BIN       = $(if $(filter release,$(VARIANT)),bin,$(B)/bin)

LIB_SRC   = $(wildcard lib/*/*.c)
COMMON_SRC = $(wildcard cmd/common/*.c)
CMD_SRC   = $(wildcard cmd/*.c)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
TOOL_SRC  = $(wildcard tests/tools/*.c)
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 12
LIB_OBJ   = $(LIB_SRC:%.c=$(B)/%.o)
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
PROGRAMS  = $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNITS     = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOLS     = $(TOOL_SRC:tests/tools/%.c=$(B)/tests/%)
LIBKVAE   = $(B)/libkvae.a
# The programs' shared glue (diagnostics, exits, shared option sets).
LIBCMD    = $(B)/libcmd.a

.PHONY: all asan check check-numbers demo deps eval install clean bench test-variant fuzz fuzzers \
	analyze objects pkgconfig
.DELETE_ON_ERROR:
.SECONDARY:

all: $(PROGRAMS) $(UNITS) $(TOOLS)

pkgconfig:
	@pkg-config --print-errors --exists $(PKGS) || \
	    { echo "make: libraries missing; 'make deps' installs them" >&2; \
	      exit 1; }

$(B)/%.o: %.c | pkgconfig
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Only lib/dist sees MPI's headers.
$(B)/lib/dist/%.o: KV_CPPFLAGS += $(MPI_CPPFLAGS)

$(LIBKVAE): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBCMD): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(LIBCMD) $(LIBKVAE)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $< $(LIBCMD) $(LIBKVAE) $(ALL_LDLIBS) -o $@

$(B)/tests/%: $(B)/tests/unit/%.o $(LIBCMD) $(LIBKVAE)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $< $(LIBCMD) $(LIBKVAE) $(ALL_LDLIBS) -o $@

$(B)/tests/%: $(B)/tests/tools/%.o $(LIBCMD) $(LIBKVAE)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $< $(LIBCMD) $(LIBKVAE) $(ALL_LDLIBS) -o $@

asan:
	$(MAKE) VARIANT=asan all

build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o $(LIBCMD) $(LIBKVAE)
	$(CC) $(ALL_LDFLAGS:fuzzer-no-link=fuzzer) -fsanitize=fuzzer $< \
	    $(LIBCMD) $(LIBKVAE) $(ALL_LDLIBS) -o $@

fuzzers: $(FUZZERS)

fuzz:
	$(MAKE) -j$(JOBS) VARIANT=fuzz CC=clang fuzzers
	@bash tests/fuzz/run $(FUZZ_SECONDS) build/fuzz/summary

deps:
	@sh tests/deps.sh

# Run the tests of one variant (the programs must be built).
test-variant: all
	@KVAE_BIN=$(CURDIR)/$(BIN) KVAE_TESTBIN=$(CURDIR)/$(B)/tests \
	 KVAE_VARIANT=$(VARIANT) PYTHON=$(PYTHON) \
	 bash tests/run $(B)/summary

check: deps
	@rm -f build/release/summary build/asan/summary build/fuzz/summary \
	    build/analyze/summary
	$(MAKE) -j$(JOBS) VARIANT=release all
	$(MAKE) VARIANT=release test-variant
	$(MAKE) -j$(JOBS) VARIANT=asan all
	$(MAKE) VARIANT=asan test-variant
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	@bash tests/analyze-summary $(MAKE)
	@bash tests/summarize build/release/summary build/asan/summary \
	    build/fuzz/summary build/analyze/summary

# The number printing and parsing sweeps in full (make check's unit
# tests take a sample): every float32 bit pattern, NUMBERS_SAMPLES random
# doubles printed, the same parsed, each against the C library.
NUMBERS_SAMPLES ?= 300000000
check-numbers:
	$(MAKE) -j$(JOBS) VARIANT=release all
	$(B)/tests/numfmt_sweep --float32-all
	$(B)/tests/numfmt_sweep --float64 $(NUMBERS_SAMPLES)
	$(B)/tests/numparse_sweep $(NUMBERS_SAMPLES)

demo: deps
	$(MAKE) -j$(JOBS) all
	@KVAE_BIN=$(CURDIR)/bin PYTHON=$(PYTHON) DEMO_OUT=$(CURDIR)/build/demo bash tests/demo.sh

# The KVAE paper's evaluation (Table 1, Figs 2-5) on kvae-balls and
# opencv-doc's clips, about 20 minutes on 2 cores; tables and plots in
# docs/results (eval/run says how; eval/run --quick is make check's).
eval: deps
	$(MAKE) -j$(JOBS) all
	@PYTHON=$(PYTHON) bash eval/run

# Every executable script in bench/; a benchmark that fails fails the
# target, after the others have run.
bench: deps
	$(MAKE) all
	@failed=""; for b in bench/*; do \
	    [ -f "$$b" ] && [ -x "$$b" ] || continue; \
	    echo "== $$b"; "$$b" || failed="$$failed $$b"; \
	done; \
	[ -z "$$failed" ] || { echo "bench: failed:$$failed" >&2; exit 1; }

# The clang static analyser (scan-build) over every file of lib/ and cmd/,
# rebuilt from scratch; exit 1 when it reports anything.
analyze:
	@rm -rf build/analyze
	scan-build --status-bugs -o build/analyze/report --use-cc=clang \
	    $(MAKE) -j$(JOBS) VARIANT=analyze objects

# Every object of the library and the programs, nothing linked.
objects: $(LIB_OBJ) $(COMMON_OBJ) $(CMD_SRC:%.c=$(B)/%.o)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7

clean:
	rm -rf bin build

-include $(LIB_OBJ:.o=.d) $(COMMON_OBJ:.o=.d) $(CMD_SRC:%.c=$(B)/%.d) $(UNIT_SRC:%.c=$(B)/%.d) \
	$(TOOL_SRC:%.c=$(B)/%.d) $(FUZZ_SRC:%.c=$(B)/%.d)
