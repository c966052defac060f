// config/options.cc — the option table, the TESSERA_* environment variables read at start-up,
// and changes at run time.
#include "config/options.h"

#include <climits>

#include "base/message.h"
#include "config/output.h"
#include "platform/os.h"

namespace tessera {

const OptionInfo kOptionTable[kOptionCount] = {
    {"show_errors", OptionKind::kBool, &Options::show_errors},
    {"show_stats", OptionKind::kBool, &Options::show_stats},
    {"verbose", OptionKind::kBool, &Options::verbose},
    {"max_errors", OptionKind::kCount, &Options::max_errors},
    {"purge_delay", OptionKind::kMillis, &Options::purge_delay_ms},
    {"purge_decommits", OptionKind::kBool, &Options::purge_decommits},
    {"arena_reserve", OptionKind::kBytes, &Options::arena_reserve},
    {"eager_commit", OptionKind::kBool, &Options::eager_commit},
    {"large_os_pages", OptionKind::kBool, &Options::large_os_pages},
    {"reserve_huge_os_pages", OptionKind::kCount, &Options::reserve_huge_os_pages},
    {"reserve_os_memory", OptionKind::kBytes, &Options::reserve_os_memory},
    {"limit_os_memory", OptionKind::kBytes, &Options::limit_os_memory},
    {"destroy_on_exit", OptionKind::kBool, &Options::destroy_on_exit},
    {"abort_on_error", OptionKind::kBool, &Options::abort_on_error},
};

namespace {

// Bit i: option i was set by the environment or option_set, so set_default leaves it alone.
std::atomic<uint32_t> g_set_explicitly{0};

char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

bool equals_nocase(const char* a, const char* b) {
  for (; *a && *b; a++, b++)
    if (lower(*a) != lower(*b)) return false;
  return *a == *b;
}

// Reads decimal digits into *out; returns the first character after them, or nullptr when
// there are none or the number exceeds LONG_MAX.
const char* parse_digits(const char* s, long* out) {
  if (*s < '0' || *s > '9') return nullptr;
  long v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    int digit = *s - '0';
    if (v > (LONG_MAX - digit) / 10) return nullptr;
    v = v * 10 + digit;
  }
  *out = v;
  return s;
}

void env_name(const OptionInfo& info, char* buf, size_t size) {
  TextWriter w(buf, size);
  w.text("TESSERA_");
  char up[2] = {0, 0};
  for (const char* s = info.name; *s; s++) {
    up[0] = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
    w.text(up);
  }
}

bool parse(OptionKind kind, const char* s, long* out) {
  switch (kind) {
    case OptionKind::kBool: return parse_bool(s, out);
    case OptionKind::kBytes: return parse_bytes(s, out);
    case OptionKind::kCount:
    case OptionKind::kMillis: return parse_count(s, out);
  }
  return false;
}

void warn_invalid(const char* name, const char* value) {
  Message m;
  m.text("tessera: warning: ignoring invalid ").text(name).text("=").text(value)
      .text(" (keeping the default)\n");
  output_message(m);
}

void store(size_t option, long value) {
  if (kOptionTable[option].kind == OptionKind::kBool) value = value != 0;
  (g_options.*kOptionTable[option].field).store(value, std::memory_order_relaxed);
}

bool check(size_t option, long value, const char* caller) {
  if (option < kOptionCount && value >= 0) return true;
  Message m;
  m.text("tessera: error: ").text(caller).text(": ");
  if (option >= kOptionCount) {
    m.text("unknown option ").num(option);
  } else {
    m.text("invalid value ").signed_num(value).text(" for ").text(kOptionTable[option].name)
        .text(" (it must be 0 or more)");
  }
  m.text("\n");
  output_error(m);
  return false;
}

}  // namespace

bool parse_bool(const char* s, long* out) {
  static const char* const kTrue[] = {"1", "true", "on", "yes"};
  static const char* const kFalse[] = {"0", "false", "off", "no"};
  for (const char* t : kTrue)
    if (equals_nocase(s, t)) return *out = 1, true;
  for (const char* f : kFalse)
    if (equals_nocase(s, f)) return *out = 0, true;
  return false;
}

bool parse_count(const char* s, long* out) {
  long v;
  const char* end = parse_digits(s, &v);
  if (end == nullptr || *end != '\0') return false;
  *out = v;
  return true;
}

bool parse_bytes(const char* s, long* out) {
  long v;
  const char* end = parse_digits(s, &v);
  if (end == nullptr) return false;
  unsigned shift = 0;
  switch (lower(*end)) {
    case 'k': shift = 10; break;
    case 'm': shift = 20; break;
    case 'g': shift = 30; break;
    case 't': shift = 40; break;
    default: break;
  }
  if (shift != 0) {
    end++;
    // "K", "KB" and "KiB" all mean 1024.
    if (lower(*end) == 'i' && lower(end[1]) == 'b') end += 2;
    else if (lower(*end) == 'b') end++;
  }
  if (*end != '\0' || v > (LONG_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

void options_init() {
  for (size_t i = 0; i < kOptionCount; i++) {
    char name[64];
    env_name(kOptionTable[i], name, sizeof name);
    const char* value = os::getenv(name);
    if (value == nullptr) continue;
    long v;
    if (parse(kOptionTable[i].kind, value, &v)) {
      store(i, v);
      g_set_explicitly.fetch_or(1u << i, std::memory_order_relaxed);
    } else {
      warn_invalid(name, value);
    }
  }
}

long option_get(size_t option) {
  if (!check(option, 0, "ts_option_get")) return -1;
  return (g_options.*kOptionTable[option].field).load(std::memory_order_relaxed);
}

bool option_set(size_t option, long value) {
  if (!check(option, value, "ts_option_set")) return false;
  store(option, value);
  g_set_explicitly.fetch_or(1u << option, std::memory_order_relaxed);
  return true;
}

bool option_set_default(size_t option, long value) {
  if (!check(option, value, "ts_option_set_default")) return false;
  if (!(g_set_explicitly.load(std::memory_order_relaxed) & (1u << option))) store(option, value);
  return true;
}

}  // namespace tessera
