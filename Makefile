# tessera — the two commands a developer and CI need.
#
#   make test    install what is missing (Debian), build from scratch and run every suite in a
#                RelWithDebInfo + TESSERA_DEBUG build, then the api and stress suites under
#                ASan+UBSan and under TSan (clang 14). Fails if any build or test fails.
#   make bench   install the peers, Release build, the benchmark suite (workloads and real
#                programs under tessera, glibc, mimalloc, jemalloc, tcmalloc, tbbmalloc: tables
#                and charts), then the microbenchmarks (tessera vs glibc vs mimalloc).
#   make clean   remove build/
.PHONY: all test bench clean

all: test

test:
	bash scripts/deps.sh test
	bash scripts/test.sh

bench:
	bash scripts/deps.sh bench
	bash scripts/bench.sh

clean:
	rm -rf build
