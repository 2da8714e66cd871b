# govsec: the two commands a newcomer runs are `make run` and `make test`.
# Everything else is CMake (see CMakeLists.txt); this file only wraps it.
BUILD	?= build
ASAN	?= build-asan
JOBS	?= 2

DEB_BUILD = cmake make gcc pkg-config libc6-dev libsqlite3-dev \
	libjansson-dev libssl-dev libmicrohttpd-dev libargon2-dev \
	libidn2-dev libpsl-dev libinih-dev libcurl4-openssl-dev \
	libmaxminddb-dev libqrencode-dev libopencc-dev libicu-dev sqlite3 \
	libpq-dev ca-certificates libpng-dev libmilter-dev
DEB_TEST = libcmocka-dev python3 python3-pytest clang libclang-rt-14-dev \
	chromium nginx-light oathtool libmaxmind-db-writer-perl systemd \
	postfix dovecot-lmtpd dovecot-sieve miltertest curl dnstwist \
	postgresql-15 unbound bind9-utils nftables gdb
# Node and npm from Debian only where the machine has none (another
# distribution of Node, e.g. one that bundles npm, must not be replaced).
DEB_NODE = $(if $(shell command -v node),,nodejs) \
	$(if $(shell command -v npm),,npm)
DEB_BENCH = time wrk linkchecker nginx-light curl sqlite3 postfix \
	dovecot-lmtpd dovecot-sieve python3-pytest dnstwist

.PHONY: all build deps test-deps run test unit bench fuzz fuzz-run format \
	clean

all: build

deps:
	@scripts/deps.sh $(DEB_BUILD)

test-deps: deps
	@scripts/deps.sh $(DEB_TEST) $(DEB_NODE)
	@if [ ! -d tests/browser/node_modules/playwright-core ]; then \
		cd tests/browser && npm ci --no-audit --no-fund; fi

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DGOVSEC_WERROR=ON

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run-demo.sh $(BUILD)

# Unit tests and corpus replay under ASan+UBSan, then the whole suite.
# GOVSEC_TESTS=ON: configuring fails, naming it, when a suite's tools are
# missing (no suite is left out quietly).
test: test-deps
	cmake -S . -B $(BUILD) -DGOVSEC_WERROR=ON -DGOVSEC_TESTS=ON
	cmake --build $(BUILD) -j$(JOBS)
	cmake -S . -B $(ASAN) -DGOVSEC_WERROR=ON -DGOVSEC_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug -DGOVSEC_TESTS=ON
	cmake --build $(ASAN) -j$(JOBS)
	cd $(ASAN) && ctest -L unit --output-on-failure -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure

unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure -j$(JOBS)

# Each goal of the issues, measured against its peer in one run (bench/*).
bench: build
	@scripts/deps.sh $(DEB_BENCH) $(DEB_NODE)
	@if [ ! -d bench/node_modules/linkinator ]; then \
		cd bench && npm ci --no-audit --no-fund; fi
	bench/check
	bench/gate
	bench/inspect
	bench/ecert
	bench/mail
	bench/counterfeit

# libFuzzer builds of the harnesses (clang, ASan+UBSan); fuzz-run runs
# each for FUZZ_SECONDS over its corpus (new inputs in build-fuzz/corpus/,
# crashes saved as build-fuzz/crash-<name>-*), or only FUZZ_NAMES.
FUZZ_SECONDS ?= 10
FUZZ_NAMES ?=
fuzz: deps
	@scripts/deps.sh clang libclang-rt-14-dev
	CC=clang cmake -S . -B build-fuzz -DGOVSEC_FUZZ=ON \
		-DGOVSEC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build build-fuzz -j$(JOBS)

fuzz-run: fuzz
	scripts/fuzz-run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

format:
	clang-format -i src/*/*.c src/*/*.h cmd/*.c cmd/*.h tests/unit/*.c \
		tests/fuzz/*.c

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
