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

.PHONY: all check unit conformance faults pcap trace pcaps bench bench-echo bench-http \
        sanitize fuzz deps clean help certs testssl bench-proxy bench-items bench-kv \
        bench-toolbox bench-mempool bench-locality bench-pool
all: $(LIB_A) $(COMP_LIBS) $(PROGS) $(UNIT_BINS) $(BROKEN_BINS) $(BROKEN_LIB_OBJS) $(LIBCHECK_BINS) \
     $(if $(SHIM_SRC),$(SHIM_SO))

help:
	@echo "make            build everything (-Wall -Wextra -Werror)"
	@echo "make check      install missing packages, build, run unit+conformance+faults+pcap+broken"
	@echo "make unit | conformance | faults | pcap | broken | trace"
	@echo "make pcaps      regenerate annotated golden captures under pcap/golden/"
	@echo "make certs      test CA and localhost server certificate -> build/certs/ (tools/make-certs)"
	@echo "make testssl    testssl.sh audit of the reference HTTPS server -> bench/testssl-http.txt (slow)"
	@echo "make bench-echo side-by-side echo benchmark -> bench/echo.md"
	@echo "make bench-http our http server against nginx with wrk -> bench/http.md"
	@echo "make bench-proxy our proxy and lb against HAProxy and nginx, one thread each -> bench/proxy.md"
	@echo "make bench-items items and items-mhd x memory and SQLite, read and 90/10 mixes -> bench/items.md"
	@echo "make bench-kv   our kv against redis-server with redis-benchmark -> bench/kv.md"
	@echo "make bench-toolbox mgrep/mcat against GNU grep/cat on 1 GiB, sumsq proc vs thread -> bench/toolbox.md"
	@echo "make bench-pool an empty task on our thread pool vs a thread per task vs a call; psum -j K vs -j 1 -> bench/pool.md"
	@echo "make bench-mempool mp pool/bitmap/arena against glibc malloc, fixed-size blocks -> bench/mempool.md"
	@echo "make bench-locality the memory mountain, 4K..1G x strides 1..64 + random, 5 min -> bench/locality.md"
	@echo "make sanitize   ASan+UBSan build, then unit and conformance tests on it"
	@echo "make fuzz       libFuzzer on the HTTP request/response and RESP parsers, FUZZ_SECONDS=60 each (clang)"

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

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- tests -----------------------------------------------------------------
OSNET   := tools/osnet
RESULTS := $(BUILD)/results

deps:
	@tools/install-deps -q

unit: all
	@tools/run-unit $(RESULTS) $(UNIT_BINS)

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
	@$(PY) tools/summary $(RESULTS)

pcaps: all
	@$(PY) pcap/make_golden.py

certs:
	@tools/make-certs $(BUILD)/certs

testssl: all certs
	@OSNET_BUILD=$(BUILD) tools/testssl

bench: bench-echo bench-http bench-proxy bench-items bench-kv bench-toolbox bench-mempool bench-locality \
       bench-pool
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

# Every component with a folder in impl/ and a spec (one still being built
# has only its library and unit tests), plus https, which has none: it is
# build/bin/http started with --cert/--key.
sanitize:
	@$(MAKE) -s BUILD=build-san CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	@tools/run-unit build-san/results $(subst $(BUILD)/,build-san/,$(UNIT_BINS))
	@for c in $(filter-out lib,$(COMPONENTS)) https; do \
	  [ -f specs/$$c.md ] || continue; \
	  OSNET_BUILD=build-san OSNET_NO_BUILD=1 OSNET_TIMEOUT_MULTIPLIER=4 $(OSNET) check $$c \
	    --suite conformance,pcap --quiet --junit build-san/results/conformance-$$c || exit 1; \
	done

# libFuzzer harnesses: fuzz/<name>_fuzz.c with the sources it tests, built
# with clang. New inputs go to $(BUILD)/fuzz/corpus-<name>; fuzz/corpus/<name>
# holds the seeds, kept in git. Crashes are written to $(BUILD)/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined

# Both harnesses test impl/http/lib/http_parse.c (requests, responses).
$(BUILD)/fuzz/http_%_fuzz: fuzz/http_%_fuzz.c fuzz/fuzz_util.h impl/http/lib/http_parse.c impl/http/lib/http_parse.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iimpl/http/lib $(filter %.c,$^) -o $@

# The kv request parser (impl/kv/lib/resp.c; fuzz_util.h needs http's header).
$(BUILD)/fuzz/resp_parse_fuzz: fuzz/resp_parse_fuzz.c fuzz/fuzz_util.h impl/kv/lib/resp.c impl/kv/lib/resp.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iimpl/lib -Iimpl/http/lib -Iimpl/kv/lib $(filter %.c,$^) -o $@

# fuzz_run,<harness>,<corpus and dictionary name>
fuzz_run = @mkdir -p $(BUILD)/fuzz/corpus-$(2) && $(BUILD)/fuzz/$(1) -max_total_time=$(FUZZ_SECONDS) \
	  -print_final_stats=1 -dict=fuzz/$(2).dict -artifact_prefix=$(BUILD)/fuzz/$(2)- \
	  $(BUILD)/fuzz/corpus-$(2) fuzz/corpus/$(2)

fuzz: $(BUILD)/fuzz/http_parse_fuzz $(BUILD)/fuzz/http_response_fuzz $(BUILD)/fuzz/resp_parse_fuzz
	$(call fuzz_run,http_parse_fuzz,http)
	$(call fuzz_run,http_response_fuzz,http-response)
	$(call fuzz_run,resp_parse_fuzz,resp_parse)

clean:
	rm -rf build build-san
