# real_workloads.sh — the real programs' workloads, sourced by the override suite
# (real_programs.sh: each step run with and without tessera, outputs compared) and by the
# benchmark suite (bench/real_program.sh: the whole workload timed under one allocator).
#
# `real_workload PROGRAM` prepares its input files in the current directory (the work
# directory, also in $work) and runs each step through callbacks the sourcing script defines:
#   run_step NAME CMD...   run CMD (stdout to NAME.out); REAL_RUN in its environment names the
#                          run, so that files it makes can be kept apart
#   same_files A B         two files that the steps made must be identical
#   need CMD / skip MSG / fail MSG
# PROGRAM is one of: python3 sqlite3 g++ perl lua xz zstd git redis.
real_workloads_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# A few MB of text that compresses moderately: numbers, their squares, and repeated words.
make_text() {
  seq 1 300000 |
    awk '{ printf "%d %d %x line-%d of the corpus\n", $1, $1 * $1 % 99991, $1 * 7, $1 % 977 }'
}

# The case is not indented under the function: its heredocs must start at column 0.
real_workload() { # PROGRAM
local program=$1
case "$program" in
  python3)
    # The system interpreter, whose standard-library tests Debian ships separately.
    py=/usr/bin/python3
    [ -x "$py" ] || { need python3; py=$(command -v python3); }
    run_step python-threads "$py" "$real_workloads_dir/python_workload.py"
    if "$py" -c 'import test.libregrtest, test.test_list, test.test_json' 2>/dev/null; then
      # -j0: one worker process per CPU, each preloaded as well. The summary is compared
      # without its timings.
      pytests() {
        "$py" -m test -j0 test_list test_dict test_set test_json 2>&1 |
          grep -E '^(All [0-9]+ tests OK|Tests result:)' | sed 's/ in .*//'
        return "${PIPESTATUS[0]}"
      }
      run_step python-regrtest pytests
      grep -q "Tests result: SUCCESS" python-regrtest.out || fail "python -m test did not pass"
    else
      echo "note: Python's test package is not installed (Debian: libpython3-testsuite);" \
        "only the workload ran"
    fi
    ;;

  sqlite3)
    need sqlite3
    cat >workload.sql <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v INTEGER, pad BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
  INSERT INTO t SELECT x, printf('key-%08d', (x * 7919) % 200003), (x * 31) % 1000,
                       zeroblob(x % 300) FROM c;
CREATE INDEX t_k ON t(k);
CREATE INDEX t_v ON t(v, k);
SELECT count(*), sum(v), min(k), max(k), sum(length(pad)) FROM t;
SELECT v, count(*), sum(id) FROM t GROUP BY v ORDER BY count(*) DESC, v LIMIT 10;
SELECT id, k FROM t WHERE k BETWEEN 'key-00100000' AND 'key-00100100' ORDER BY k;
SELECT count(*), sum(a.id + b.id) FROM t a JOIN t b ON a.v = b.v WHERE a.id < 3000 AND b.id < 3000;
SELECT group_concat(k, ',') FROM (SELECT k FROM t ORDER BY v DESC, k LIMIT 500);
DELETE FROM t WHERE v < 300;
UPDATE t SET k = upper(k) || '-' || v WHERE id % 7 = 0;
VACUUM;
PRAGMA integrity_check;
SELECT count(*), sum(v), max(k) FROM t;
EOF
    db() { rm -f "$REAL_RUN.db" && sqlite3 -batch "$REAL_RUN.db" <workload.sql; }
    run_step sqlite3 db
    ;;

  g++)
    need g++
    cat >program.cc <<'EOF'
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

template <class T>
struct Tree {
  T value;
  std::vector<std::unique_ptr<Tree>> children;
  size_t size() const {
    size_t n = 1;
    for (const auto& c : children) n += c->size();
    return n;
  }
};

int main() {
  std::map<std::string, std::vector<int>> index;
  for (int i = 0; i < 100000; i++) index[std::to_string(i % 1000)].push_back(i);
  Tree<std::string> root{"root", {}};
  for (const auto& [key, values] : index) {
    root.children.push_back(std::make_unique<Tree<std::string>>(Tree<std::string>{key, {}}));
    for (size_t j = 0; j < values.size() % 7 + 2; j++) {
      root.children.back()->children.push_back(
          std::make_unique<Tree<std::string>>(Tree<std::string>{key + "/" + std::to_string(j), {}})
      );
    }
  }
  long sum = 0;
  for (const auto& [key, values] : index) sum += std::accumulate(values.begin(), values.end(), 0L);
  std::printf("%zu keys, %zu nodes, sum %ld\n", index.size(), root.size(), sum);
}
EOF
    # The object files, too, must be identical: same source, flags and directory.
    build() {
      g++ -std=c++17 -O2 -c program.cc -o "$REAL_RUN.o" && g++ "$REAL_RUN.o" -o "$REAL_RUN" &&
        "./$REAL_RUN"
    }
    run_step g++ build
    same_files system.o tessera.o
    ;;

  perl)
    need perl
    # shellcheck disable=SC2016  # Perl's variables, not the shell's
    run_step perl perl -e '
      my %h; my @list;
      for my $i (1 .. 150000) {
        my $k = sprintf("key%07d", ($i * 7919) % 150001);
        $h{$k} = [$i, "v" x ($i % 40), { n => $i }];
        push @list, join("-", $k, $i % 13);
      }
      my @sorted = sort { $h{$a}[0] <=> $h{$b}[0] } keys %h;
      my $text = join(",", @list);
      (my $copy = $text) =~ s/key(\d+)/K$1K/g;
      my %count; $count{substr($_, 0, 5)}++ for @list;
      delete @h{@sorted[0 .. 49999]};
      printf "%d %d %d %d %s %s %d\n", scalar(keys %h), scalar(@sorted), length($text),
        length($copy), $sorted[0], $sorted[-1], unpack("%32C*", $copy);
      print join(",", map { "$_=$count{$_}" } sort keys %count), "\n";'
    ;;

  lua)
    lua=""
    for l in lua lua5.4 lua5.3 luajit; do
      command -v "$l" >/dev/null 2>&1 && { lua=$l; break; }
    done
    [ -n "$lua" ] || skip "lua is not installed"
    run_step lua "$lua" -e '
      local t, parts = {}, {}
      for i = 1, 150000 do
        local k = string.format("key%07d", (i * 7919) % 150001)
        t[k] = { i, string.rep("v", i % 40), tostring(i * 3) }
        parts[#parts + 1] = k .. "-" .. (i % 13)
      end
      local keys = {}
      for k in pairs(t) do keys[#keys + 1] = k end
      table.sort(keys)
      local text = table.concat(parts, ",")
      local copy, n = text:gsub("key(%d+)", "K%1K")
      local sum = 0
      for i = 1, #copy, 7 do sum = (sum + copy:byte(i)) % 1000003 end
      for i = 1, 50000 do t[keys[i]] = nil end
      local left = 0
      for _ in pairs(t) do left = left + 1 end
      collectgarbage("collect")
      print(#keys, left, #text, #copy, n, keys[1], keys[#keys], sum)'
    ;;

  xz)
    need xz
    make_text >data.txt
    # -T2 compresses blocks in parallel; the output is still deterministic.
    run_step xz-compress xz -T2 -2 -c data.txt
    run_step xz-decompress xz -T2 -d -c xz-compress.out
    same_files data.txt xz-decompress.out
    ;;

  zstd)
    need zstd
    make_text >data.txt
    run_step zstd-compress zstd -q -T2 -3 -c data.txt
    run_step zstd-decompress zstd -q -T2 -d -c zstd-compress.out
    same_files data.txt zstd-decompress.out
    ;;

  git)
    need git
    # A repository with fixed authors and dates: its commit ids depend only on its contents,
    # so both runs must print the same ids.
    export GIT_AUTHOR_NAME=tessera GIT_AUTHOR_EMAIL=tessera@example.com
    export GIT_COMMITTER_NAME=tessera GIT_COMMITTER_EMAIL=tessera@example.com
    export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
    cat >git_workload.sh <<'EOF'
set -e
repo=$1
rm -rf "$repo"
git init -q -b main "$repo"
cd "$repo"
mkdir dir1 dir2 dir3 dir4 dir5
for c in 1 2 3 4; do
  awk -v c=$c 'BEGIN {
    for (d = 1; d <= 5; d++) for (f = 1; f <= 30; f++) {
      file = "dir" d "/file" f ".txt"
      for (i = f; i <= f * c * 20; i++) print c, d, i, i * i % 977 > file
      close(file)
    }
  }'
  git add -A
  git commit -q -m "commit $c"
done
git log --stat --format='%H %s' | head -n 400
git repack -adq --threads=2
git fsck --strict 2>&1
git count-objects -v | grep -E '^(count|in-pack|packs)'
git diff --stat HEAD~3 HEAD | tail -n 1
git rev-parse HEAD HEAD~2
EOF
    repo() { sh git_workload.sh "$work/repo-$REAL_RUN"; }
    run_step git repo
    ;;

  redis)
    need redis-server
    need redis-benchmark
    need redis-cli
    # A private server on 127.0.0.1 (a free port), no persistence: a deterministic data set
    # built with a Lua script, then redis-benchmark's mix of commands, a bounded count (its
    # timings are not printed). What is printed depends only on the data.
    serve() {
      local port pid status=0
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      local cli=(redis-cli -h 127.0.0.1 -p "$port")
      redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
        >"$work/redis-$REAL_RUN.log" 2>&1 &
      pid=$!
      # Wait for the server to listen (a readiness poll, bounded at 10 s).
      for _ in $(seq 200); do
        "${cli[@]}" ping >/dev/null 2>&1 && break
        sleep 0.05
      done
      {
        "${cli[@]}" eval "for i = 1, 100000 do redis.call('set', 'k' .. i, string.rep('v', i % 200)) end return redis.call('dbsize')" 0 &&
          redis-benchmark -h 127.0.0.1 -p "$port" -q -n 40000 -P 8 -d 128 -t set,get,incr,lpush,rpop,sadd,hset,lrange_100 >/dev/null &&
          "${cli[@]}" strlen k777 &&
          "${cli[@]}" eval "local n = 0 for i = 1, 100000, 3 do n = n + redis.call('strlen', 'k' .. i) end return n" 0
      } || status=$?
      "${cli[@]}" shutdown nosave >/dev/null 2>&1 || true
      wait "$pid" || true
      return "$status"
    }
    run_step redis serve
    ;;

  *)
    echo "real_workloads.sh: unknown program '$program'" >&2
    exit 2
    ;;
esac
}
