# osnet build. `make` builds every reference implementation, the unit tests,
# the broken implementations and the fault shim; `make check` runs them all.
# Generic rules: drop a file in the right folder and it is built.
#   impl/lib/*.c                 -> build/lib/libosnet.a
#   impl/lib/tests/test_*.c      -> build/tests/lib/test_*        (cmocka)
#   impl/<comp>/<prog>.c         -> build/bin/<prog>              (one file = one program)
#   impl/<comp>/lib/*.c          -> build/lib/lib<comp>.a         (code a component's programs
#                                   and unit tests share, e.g. a protocol parser)
#   impl/<comp>/tests/test_*.c   -> build/tests/<comp>/test_*     (cmocka)
#   conformance/broken/<comp>/*.c-> build/broken/<comp>/<name>   (programs; a library's
#                                   broken sources are compiled by the checks instead)
#   conformance/<comp>/check_*.c -> build/checks/...               (a library's cmocka checks
#   faults/<comp>/check_*.c         against the reference, to catch warnings; the suite
#                                   builds its own, with sanitizers: osnet_harness/libcheck.py)
#   faults/shim/*.c              -> build/faults/libosnet-fiu.so

CC      ?= cc
BUILD   ?= build
PY      := /usr/bin/python3
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
# The broken programs are only ever run to be caught, never timed: built
# without optimisation, the 250 of them compile three times faster.
BROKEN_CFLAGS ?= -O0 -g
WFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
# specs/ holds the headers of the library components (threadpool.h, ...).
CPPFLAGS_ALL := -Iimpl/lib -Ispecs -MMD -MP
LDLIBS_ALL   := -lpthread

LIB_SRC   := $(wildcard impl/lib/*.c)
LIB_OBJ   := $(LIB_SRC:impl/lib/%.c=$(BUILD)/obj/lib/%.o)
LIB_A     := $(BUILD)/lib/libosnet.a

# Components with programs: every impl/<comp>/ except lib.
COMPONENTS := $(filter-out lib,$(notdir $(patsubst %/,%,$(wildcard impl/*/))))
PROG_SRC   := $(foreach c,$(COMPONENTS),$(wildcard impl/$(c)/*.c))
PROGS      := $(addprefix $(BUILD)/bin/,$(notdir $(PROG_SRC:.c=)))

# Per-component shared code: impl/<comp>/lib/*.c -> build/lib/lib<comp>.a
comp_of     = $(word 2,$(subst /, ,$(1)))
comp_lib    = $(if $(wildcard impl/$(1)/lib/*.c),$(BUILD)/lib/lib$(1).a)
comp_flags  = $(if $(wildcard impl/$(1)/lib/*.c),-Iimpl/$(1)/lib)
# A component whose programs also use other components' shared code names
# them in USES_<comp> (lb builds on the proxy's forwarding engine, which
# builds on http's parser): their lib<comp>.a and headers come after its own.
uses_libs   = $(call comp_lib,$(1)) $(foreach u,$(USES_$(1)),$(call comp_lib,$(u)))
uses_flags  = $(call comp_flags,$(1)) $(foreach u,$(USES_$(1)),$(call comp_flags,$(u)))
COMP_LIBS  := $(foreach c,$(COMPONENTS),$(call comp_lib,$(c)))

UNIT_SRC   := $(wildcard impl/*/tests/test_*.c)
UNIT_BINS  := $(foreach s,$(UNIT_SRC),$(BUILD)/tests/$(word 2,$(subst /, ,$(s)))/$(notdir $(s:.c=)))

# Fuzz harnesses, one per parser (fuzz/<name>_fuzz.c): `make fuzz` runs them
# under libFuzzer; `make unit` replays their saved inputs (corpus and
# regressions) with a gcc-built ASan+UBSan driver, build/tests/fuzz/replay_<name>.
FUZZERS          := http_parse http_response http_chunked query resp_parse chat_line guess items_json
FUZZ_REPLAY_BINS := $(FUZZERS:%=$(BUILD)/tests/fuzz/replay_%)

# Components specified by a C header (specs/<comp>.h): checked by compiling
# an implementation's source with cmocka checks, not by running a program.
LIB_COMPONENTS := threadpool mempool channel green

BROKEN_SRC  := $(filter-out $(LIB_COMPONENTS:%=conformance/broken/%/%),$(wildcard conformance/broken/*/*.c))
BROKEN_BINS := $(foreach s,$(BROKEN_SRC),$(BUILD)/broken/$(word 3,$(subst /, ,$(s)))/$(notdir $(s:.c=)))
# A library's broken sources are compiled by the checks; `make` compiles
# them once on their own too, so that one that stops building (a typo, a
# changed header) is an error here rather than a check that "fails".
BROKEN_LIB_SRC  := $(foreach c,$(LIB_COMPONENTS),$(wildcard conformance/broken/$(c)/*.c))
BROKEN_LIB_OBJS := $(BROKEN_LIB_SRC:conformance/broken/%.c=$(BUILD)/broken-obj/%.o)

# Check files of the libraries whose reference exists (impl/<comp>/lib/*.c).
LIBCHECK_SRC  := $(foreach c,$(LIB_COMPONENTS),$(if $(wildcard impl/$(c)/lib/*.c),\
                   $(wildcard conformance/$(c)/check_*.c faults/$(c)/check_*.c)))
LIBCHECK_BINS := $(LIBCHECK_SRC:%.c=$(BUILD)/checks/%)
LIBCHECK_OBJ  := $(BUILD)/obj/libcheck/libcheck.o
LIBCHECK_WRAP := $(shell cat conformance/libcheck/wrap.flags)

SHIM_SRC := $(wildcard faults/shim/*.c)
SHIM_SO  := $(BUILD)/faults/libosnet-fiu.so
SANDBOX  := $(BUILD)/tools/osnet-sandbox

USES_proxy   := http
USES_lb      := proxy http
USES_sidecar := proxy http
USES_items   := http
USES_lsof    := ps
# psum: the pool, and sumsq's number parsing and 128-bit printing (num.c).
USES_psum    := threadpool sumsq

# Extra compile flags of a component's shared code (impl/<comp>/lib). grep's
# byte loops (ASCII folding, counting newlines) have a trip count known only
# at run time; -O2's "very cheap" vectorizer leaves such loops scalar, the
# dynamic cost model turns them into SSE2 code.
CFLAGS_comp_grep := -fvect-cost-model=dynamic

# Extra link flags of every program and unit test of a component.
LDLIBS_comp_items := -ljansson -lsqlite3 -lssl -lcrypto
# Extra link flags per program (name without path).
LDLIBS_echo-uring := -luring
LDLIBS_http := -lssl -lcrypto
LDLIBS_items-mhd := -lmicrohttpd
# ... and per component of conformance/broken/ (LDLIBS_broken_<component>).
LDLIBS_broken_https := -lssl -lcrypto
LDLIBS_broken_items := -ljansson -lsqlite3

.PHONY: all check unit conformance faults pcap trace selftest pcaps bench bench-echo bench-http \
        sanitize fuzz fuzz-merge deps clean help certs testssl bench-proxy bench-items bench-kv \
        bench-toolbox bench-mempool bench-locality bench-pool
all: $(LIB_A) $(COMP_LIBS) $(PROGS) $(UNIT_BINS) $(FUZZ_REPLAY_BINS) $(BROKEN_BINS) $(BROKEN_LIB_OBJS) $(LIBCHECK_BINS) \
     $(if $(SHIM_SRC),$(SHIM_SO)) $(SANDBOX)

help:
	@echo "make            build everything (-Wall -Wextra -Werror)"
	@echo "make check      install missing packages, build, run unit+conformance+faults+pcap+broken"
	@echo "make unit | conformance | faults | pcap | broken | selftest | trace"
	@echo "make pcaps      regenerate annotated golden captures under pcap/golden/"
	@echo "make certs      test CA and localhost server certificate -> build/certs/ (tools/make-certs)"
	@echo "make testssl    testssl.sh audit of the reference HTTPS server -> bench/testssl-http.txt (slow)"
	@echo "make bench      every benchmark side by side in BENCH_BUDGET=600 s -> bench/REPORT.md, bench/plots/, bench/results/"
	@echo "make bench-echo side-by-side echo benchmark -> bench/echo.md"
	@echo "make bench-http our http server against nginx with wrk -> bench/http.md"
	@echo "make bench-proxy our proxy and lb against HAProxy and nginx, one thread each -> bench/proxy.md"
	@echo "make bench-items items and items-mhd x memory and SQLite, read and 90/10 mixes -> bench/items.md"
	@echo "make bench-kv   our kv against redis-server with redis-benchmark -> bench/kv.md"
	@echo "make bench-toolbox mgrep/mcat against GNU grep/cat on 1 GiB, sumsq proc vs thread -> bench/toolbox.md"
	@echo "make bench-pool an empty task on our thread pool vs a thread per task vs a call; psum -j K vs -j 1 -> bench/pool.md"
	@echo "make bench-mempool mp pool/bitmap/arena against glibc malloc, fixed-size blocks -> bench/mempool.md"
	@echo "make bench-locality the memory mountain, 4K..1G x strides 1..64 + random, 5 min -> bench/locality.md"
	@echo "make sanitize   ASan+UBSan, TSan (threaded servers) and valgrind (tools) runs of the suites (slow)"
	@echo "make fuzz       libFuzzer on every parser (fuzz/), FUZZ_SECONDS=600 in all (clang); then an execs table"
	@echo "make fuzz-merge add the inputs make fuzz found that reach new code to fuzz/corpus/<name>"

$(BUILD)/obj/lib/%.o: impl/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $(CPPFLAGS_ALL) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

define comp_lib_rule
$(BUILD)/obj/$(1)/%.o: impl/$(1)/lib/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(WFLAGS) $$(CFLAGS) $$(CFLAGS_comp_$(1)) $$(CPPFLAGS_ALL) -Iimpl/$(1)/lib $(foreach u,$(USES_$(1)),$(call comp_flags,$(u))) -c $$< -o $$@

$(BUILD)/lib/lib$(1).a: $(patsubst impl/$(1)/lib/%.c,$(BUILD)/obj/$(1)/%.o,$(wildcard impl/$(1)/lib/*.c))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach c,$(COMPONENTS),$(if $(call comp_lib,$(c)),$(eval $(call comp_lib_rule,$(c)))))

define prog_rule
$(BUILD)/bin/$(notdir $(1:.c=)): $(1) $(call uses_libs,$(call comp_of,$(1))) $(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) $$(WFLAGS) $$(CFLAGS) $$(CPPFLAGS_ALL) $(call uses_flags,$(call comp_of,$(1))) -MF $$(BUILD)/obj/$$(notdir $$@).d $$< -o $$@ $(call uses_libs,$(call comp_of,$(1))) $$(LIB_A) $$(LDLIBS_$$(notdir $$@)) $$(LDLIBS_comp_$(call comp_of,$(1))) $$(LDLIBS_ALL)
endef
$(foreach s,$(PROG_SRC),$(eval $(call prog_rule,$(s))))

define unit_rule
$(BUILD)/tests/$(call comp_of,$(1))/$(notdir $(1:.c=)): $(1) $(call uses_libs,$(call comp_of,$(1))) $(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) $$(WFLAGS) $$(CFLAGS) $$(CPPFLAGS_ALL) -Iimpl/$(call comp_of,$(1)) $(call uses_flags,$(call comp_of,$(1))) -MF $$@.d $$< -o $$@ $(call uses_libs,$(call comp_of,$(1))) $$(LIB_A) -lcmocka $$(LDLIBS_$$(notdir $$@)) $$(LDLIBS_comp_$(call comp_of,$(1))) $$(LDLIBS_ALL)
endef
$(foreach s,$(UNIT_SRC),$(eval $(call unit_rule,$(s))))

define broken_rule
# A broken program depends on its own component's headers (and, through the
# compiler's -MMD list, on proxy's for lb and sidecar): editing one
# component's common.h rebuilds that component's programs only.
$(BUILD)/broken/$(word 3,$(subst /, ,$(1)))/$(notdir $(1:.c=)): $(1) $(wildcard conformance/broken/$(word 3,$(subst /, ,$(1)))/*.h) conformance/broken/broken.h
	@mkdir -p $$(@D)
	$$(CC) $$(WFLAGS) $$(BROKEN_CFLAGS) -Ispecs -MMD -MP -MF $$@.d $$< -o $$@ $$(LDLIBS_broken_$(word 3,$(subst /, ,$(1)))) $$(LDLIBS_ALL)
endef
$(foreach s,$(BROKEN_SRC),$(eval $(call broken_rule,$(s))))

$(BUILD)/broken-obj/%.o: conformance/broken/%.c
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(BROKEN_CFLAGS) -Ispecs -MMD -MP -c $< -o $@

$(LIBCHECK_OBJ): conformance/libcheck/libcheck.c conformance/libcheck/libcheck.h
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $(CPPFLAGS_ALL) -Iconformance/libcheck -c $< -o $@

define libcheck_rule
$(BUILD)/checks/$(1:.c=): $(1) $(call comp_lib,$(word 2,$(subst /, ,$(1)))) $(LIBCHECK_OBJ)
	@mkdir -p $$(@D)
	$$(CC) $$(WFLAGS) $$(CFLAGS) $$(CPPFLAGS_ALL) -Iconformance/libcheck -DLC_SRCDIR='"$(dir $(1))"' -MF $$@.d $$< $$(LIBCHECK_OBJ) -o $$@ $(call comp_lib,$(word 2,$(subst /, ,$(1)))) -lcmocka $$(LDLIBS_ALL) $$(LIBCHECK_WRAP)
endef
$(foreach s,$(LIBCHECK_SRC),$(eval $(call libcheck_rule,$(s))))

$(SHIM_SO): $(SHIM_SRC)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) -fPIC -shared $^ -o $@ -lfiu -ldl

# The launcher every program under test starts through (limits, cgroups).
$(SANDBOX): tools/sandbox/osnet-sandbox.c
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- tests -----------------------------------------------------------------
OSNET   := tools/osnet
RESULTS := $(BUILD)/results

deps:
	@tools/install-deps -q

unit: all
	@tools/run-unit $(RESULTS) $(UNIT_BINS) $(FUZZ_REPLAY_BINS)

# Six implementations at once: most tests wait (for bytes, a timeout, a
# restart) rather than compute; four left the two cores half idle.
conformance: all
	@$(OSNET) check --all --suite conformance --quiet --jobs 6 --junit $(RESULTS)/conformance

# Three implementations' fault suites at once: most scenarios wait (for a
# timeout, a restart, a process to exit) rather than compute.
faults: all
	@$(OSNET) check --all --suite faults --quiet --jobs 3 --junit $(RESULTS)/faults

pcap: all
	@$(OSNET) check --all --suite pcap --quiet --junit $(RESULTS)/pcap

# Most broken-program checks wait (for a timeout, a server, a capture)
# rather than compute, and several share one pytest session (check-broken's
# batches): 32 sessions at once keep the 2 cores busy (660 programs: 142 s,
# against 166 s with 24).
broken: all
	@$(PY) tools/check-broken -j 32 --junit $(RESULTS)/broken

trace:
	@$(PY) tools/trace

# Tests of osnet itself (tools/tests): the sandbox, the hostile gallery,
# grading, --repeat. Each test runs tools/osnet and mostly waits for it.
selftest: all
	@$(PY) -m pytest tools/tests -q -p no:cacheprovider -n 4 --junitxml=$(RESULTS)/selftest/junit.xml

# Runs one stage of `make check`, recording how long it took and, if it
# failed, its exit status (tools/summary counts a stage that failed without
# a failing test in its report, e.g. when it could not run at all).
define stage
	@mkdir -p $(RESULTS); t0=$$(date +%s); $(1) || echo $$? > $(RESULTS)/$(2).exit; \
	  echo $$(( $$(date +%s) - t0 )) > $(RESULTS)/$(2).seconds
endef

check: deps
	@rm -rf $(RESULTS)
	@$(MAKE) -s -j$$(nproc) all
	$(call stage,$(PY) tools/trace --junit $(RESULTS)/trace.xml,trace)
	$(call stage,$(MAKE) -s unit,unit)
	$(call stage,$(MAKE) -s conformance,conformance)
	$(call stage,$(MAKE) -s faults,faults)
	$(call stage,$(MAKE) -s pcap,pcap)
	$(call stage,$(MAKE) -s broken,broken)
	$(call stage,$(MAKE) -s selftest,selftest)
	@$(PY) tools/summary $(RESULTS)

pcaps: all
	@$(PY) pcap/make_golden.py

certs:
	@tools/make-certs $(BUILD)/certs

testssl: all certs
	@OSNET_BUILD=$(BUILD) tools/testssl

# make bench: every benchmark in one run within BENCH_BUDGET seconds (default
# 600) -> bench/results/*.json, bench/REPORT.md, bench/plots/ (bench/run.py).
# BENCH_ONLY=pairs.*,tuning.threads selects experiments; BENCH_ARGS adds
# options (--quick, --reps N). The bench-* targets below are the older
# per-component reports, each a longer look at one component.
BENCH_BUDGET ?= 600
bench: deps all $(BUILD)/bench/osnet-load $(BUILD)/bench/mempool_bench $(BUILD)/bench/pool_bench
	@OSNET_BUILD=$(BUILD) $(PY) bench/run.py --strict --budget $(BENCH_BUDGET) \
	    $(if $(BENCH_ONLY),--only '$(BENCH_ONLY)') $(BENCH_ARGS)
bench-echo: all
	@bench/echo.sh
bench-http: all
	@bench/http.sh
bench-proxy: all
	@$(PY) bench/proxy.py
bench-items: all
	@$(PY) bench/items.py
bench-kv: all
	@$(PY) bench/kv.py
bench-toolbox: $(BUILD)/bin/mgrep $(BUILD)/bin/mcat $(BUILD)/bin/sumsq
	@OSNET_BUILD=$(BUILD) $(PY) bench/toolbox.py
# bench/pool.py runs this driver, which times one way of running empty tasks per run.
$(BUILD)/bench/pool_bench: bench/pool_bench.c $(BUILD)/lib/libthreadpool.a
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $(CPPFLAGS_ALL) -MF $@.d $< -o $@ $(BUILD)/lib/libthreadpool.a $(LDLIBS_ALL)
# bench/run.py's load generator: open loop (constant rate) and closed loop, http/echo/resp.
$(BUILD)/bench/osnet-load: bench/load.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $(CPPFLAGS_ALL) -MF $@.d $< -o $@ $(LIB_A) $(LDLIBS_ALL)
bench-pool: $(BUILD)/bench/pool_bench $(BUILD)/bin/psum
	@OSNET_BUILD=$(BUILD) $(PY) bench/pool.py
# bench/mempool.py runs this driver, which times one allocator per run.
$(BUILD)/bench/mempool_bench: bench/mempool_bench.c $(BUILD)/lib/libmempool.a
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $(CPPFLAGS_ALL) -MF $@.d $< -o $@ $(BUILD)/lib/libmempool.a
bench-mempool: $(BUILD)/bench/mempool_bench
	@OSNET_BUILD=$(BUILD) $(PY) bench/mempool.py
# LOCALITY_ARGS: options of bench/locality.py, e.g. LOCALITY_ARGS="--budget 600".
bench-locality: $(BUILD)/bin/locality
	@OSNET_BUILD=$(BUILD) $(PY) bench/locality.py $(LOCALITY_ARGS)

# ASan+UBSan (build-san: unit tests, conformance, faults, pcap), TSan of
# the threaded references (build-tsan: conformance, faults) and valgrind
# around the command-line tools (conformance); any report fails its test.
# Not part of make check: well over an hour on two cores. SANITIZE_ARGS:
# tools/sanitize's options, e.g. SANITIZE_ARGS="--stage tsan -j 3 http".
sanitize: deps
	@tools/sanitize $(SANITIZE_ARGS)

# ---- fuzzing ------------------------------------------------------------------
# Each harness fuzz/<name>_fuzz.c is built with the parser's sources,
# FUZZ_SRC_<name>, and the few libosnet files they use: with clang and
# libFuzzer for `make fuzz` ($(BUILD)/fuzz/<name>_fuzz), with gcc and a main()
# that replays saved inputs for `make unit` ($(BUILD)/tests/fuzz/replay_<name>),
# both with ASan+UBSan. fuzz/corpus/<name> holds the seeds and what
# `make fuzz-merge` kept, fuzz/regressions/<name> every input that once broke
# the parser (named after the bug), fuzz/<name>.dict the protocol's words.
# `make fuzz` writes new inputs to $(BUILD)/fuzz/corpus-<name>, crashes to
# $(BUILD)/fuzz/<name>-crash-*, logs to $(BUILD)/fuzz/<name>.log.
FUZZ_SECONDS ?= 600
FUZZ_CC      ?= clang
SAN_FLAGS    := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE $(SAN_FLAGS)
ITEMS_CORE   := $(filter-out impl/items/lib/cli.c,$(wildcard impl/items/lib/*.c))
FUZZ_LIB_SRC := impl/lib/buf.c impl/lib/jlog.c impl/lib/prom.c impl/lib/trace.c

FUZZ_SRC_http_parse    := impl/http/lib/http_parse.c
FUZZ_SRC_http_response := impl/http/lib/http_parse.c
FUZZ_SRC_http_chunked  := impl/http/lib/http_parse.c
FUZZ_SRC_query         := impl/http/lib/http_parse.c $(ITEMS_CORE)
FUZZ_SRC_resp_parse    := impl/kv/lib/resp.c
FUZZ_SRC_chat_line     := impl/chat/lib/line.c impl/chat/lib/proto.c
FUZZ_SRC_guess         := impl/guess/lib/proto.c
FUZZ_SRC_items_json    := $(ITEMS_CORE)
FUZZ_LDLIBS_query      := -ljansson -lsqlite3
FUZZ_LDLIBS_items_json := -ljansson -lsqlite3

# A harness sees its parser's folder only (chat and guess both have a
# proto.h), libosnet's, and http's (fuzz_util.h uses struct http_str).
fuzz_inc = -Iimpl/lib -Iimpl/http/lib $(sort $(foreach s,$(FUZZ_SRC_$(1)),-I$(patsubst %/,%,$(dir $(s)))))
fuzz_objs = $(patsubst %.c,$(2)/%.o,$(sort $(FUZZ_SRC_$(1)) $(FUZZ_LIB_SRC)))

# The parsers' objects: clang's with libFuzzer's coverage (no main), gcc's
# with the project's warnings.
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Iimpl/lib -MMD -MP -c $< -o $@

$(BUILD)/obj/replay/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SAN_FLAGS) -Iimpl/lib -MMD -MP -c $< -o $@

define fuzz_rule
$(BUILD)/fuzz/obj/fuzz/$(1)_fuzz.o: fuzz/$(1)_fuzz.c
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(call fuzz_inc,$(1)) -MMD -MP -c $$< -o $$@

$(BUILD)/fuzz/$(1)_fuzz: $(BUILD)/fuzz/obj/fuzz/$(1)_fuzz.o $(call fuzz_objs,$(1),$(BUILD)/fuzz/obj)
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -fsanitize=fuzzer $$^ -o $$@ $$(FUZZ_LDLIBS_$(1))

$(BUILD)/obj/replay/fuzz/$(1)_fuzz.o: fuzz/$(1)_fuzz.c
	@mkdir -p $$(@D)
	$$(CC) $$(WFLAGS) $$(SAN_FLAGS) $(call fuzz_inc,$(1)) -MMD -MP -c $$< -o $$@

$(BUILD)/tests/fuzz/replay_$(1): $(BUILD)/obj/replay/fuzz/replay.o $(BUILD)/obj/replay/fuzz/$(1)_fuzz.o \
    $(call fuzz_objs,$(1),$(BUILD)/obj/replay)
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_FLAGS) $$^ -o $$@ -lcmocka $$(FUZZ_LDLIBS_$(1))
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

# The budget is split evenly; fuzz/run.py prints the table of executions
# and coverage per parser, and fails if a harness crashed.
fuzz: $(FUZZERS:%=$(BUILD)/fuzz/%_fuzz)
	@$(PY) fuzz/run.py --build $(BUILD) --seconds $(FUZZ_SECONDS) $(FUZZERS)

# Adds to fuzz/corpus/<name> the inputs of the last `make fuzz` that reach
# code the corpus does not (libFuzzer's -merge=1 keeps the existing files).
fuzz-merge: $(FUZZERS:%=$(BUILD)/fuzz/%_fuzz)
	@for f in $(FUZZERS); do \
	  [ -d $(BUILD)/fuzz/corpus-$$f ] || continue; \
	  $(BUILD)/fuzz/$${f}_fuzz -merge=1 fuzz/corpus/$$f $(BUILD)/fuzz/corpus-$$f 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' | sed "s/^/$$f: /"; \
	done

clean:
	rm -rf build build-san build-tsan
