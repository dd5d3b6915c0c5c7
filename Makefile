# The project's entry points. Each target installs what it needs first.
#   make run    build and run the main job on the bundled example
#   make test   sanitized build (clang, ASan+UBSan) and every test through CTest
#               (scripts/setup-testenv first builds the reference tools)
#   make asan   gcc build with ASan+UBSan and the unit, conformance and CLI tests
#   make fuzz   run every fuzz target for FUZZ_SECONDS (default 60) each
#   make bench  benchmarks side by side with the reference tools
#   make lint   clang-format check, banned functions, cppcheck

BUILD      ?= build
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CMAKE_GEN  := -G Ninja

.PHONY: all build run test asan fuzz bench lint deps clean

all: build

deps:
	@scripts/setup-deps

build: deps
	@cmake -S . -B $(BUILD)/release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DKSO_TESTS=OFF >/dev/null
	@ninja -C $(BUILD)/release -j $(JOBS)

run: build
	$(BUILD)/release/src/kso scan framework nsa,mitre examples/
	@$(BUILD)/release/src/kso down >/dev/null
	$(BUILD)/release/src/kso up --detach
	@if command -v kubectl >/dev/null; then \
	    echo "+ kubectl --kubeconfig .kso/kubeconfig get workloadconfigurationscans -A"; \
	    kubectl --kubeconfig .kso/kubeconfig get workloadconfigurationscans -A; fi
	@echo "Stop it with: $(BUILD)/release/src/kso down"

test: deps
	@scripts/setup-testenv >/dev/null
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD)/test $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	    -DKSO_SANITIZE=ON -DKSO_FUZZ=ON >/dev/null
	@ninja -C $(BUILD)/test -j $(JOBS)
	@cd $(BUILD)/test && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS)

asan: deps
	@scripts/setup-testenv >/dev/null
	@CC=gcc CXX=g++ cmake -S . -B $(BUILD)/asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	    -DKSO_SANITIZE=ON >/dev/null
	@ninja -C $(BUILD)/asan -j $(JOBS)
	@cd $(BUILD)/asan && ctest --output-on-failure -j $(JOBS) -LE 'fuzz|lint'

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD)/fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DKSO_SANITIZE=ON -DKSO_FUZZ=ON -DKSO_TESTS=ON >/dev/null
	@ninja -C $(BUILD)/fuzz -j $(JOBS)
	@tests/fuzz/run-fuzzers $(BUILD)/fuzz/tests/fuzz $(FUZZ_SECONDS)

bench: deps
	@cmake -S . -B $(BUILD)/bench $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DKSO_TESTS=OFF \
	    -DKSO_BENCH=ON >/dev/null
	@ninja -C $(BUILD)/bench -j $(JOBS)
	@bench/json/run $(BUILD)/bench
	@scripts/setup-testenv >/dev/null
	@bench/rego/run $(BUILD)/bench/src/kso $${KSO_TESTENV:-$$HOME/.cache/kso-testenv}/bin/opa
	@bench/scan/run $(BUILD)/bench/src/kso
	@bench/scan/live $(BUILD)/bench/src/kso
	@bench/storage/run $(BUILD)/bench/src/kso

lint: deps
	@scripts/lint

clean:
	rm -rf $(BUILD)
