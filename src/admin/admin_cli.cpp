#include "admin/admin_cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <ostream>
#include <utility>

#include "admin/admin_service.hpp"
#include "common/files.hpp"
#include "common/strings.hpp"
#include "store/validation.hpp"

namespace mcpgate::admin {
namespace {

using store::in_quotes;

struct OptionSpec {
  std::string_view name;  // "--plan"
  bool takes_value = true;
  bool required = false;
};

// The words after the command's own: positional arguments and options.
struct Invocation {
  std::vector<std::string> args;
  std::map<std::string, std::string, std::less<>> options;  // a flag maps to ""

  std::optional<std::string_view> option(std::string_view name) const {
    auto it = options.find(name);
    return it == options.end() ? std::nullopt : std::optional<std::string_view>(it->second);
  }
  bool flag(std::string_view name) const { return options.contains(name); }
};

struct Command;

struct Context {
  AdminOperations& service;
  std::ostream& out;
  std::ostream& err;
  const Command& command;
};

using Runner = int (*)(Context&, const Invocation&);

struct Command {
  std::string_view words;     // "teamspace create"
  std::string_view synopsis;  // what follows the words in the usage line
  size_t arity = 0;           // positional arguments
  std::vector<OptionSpec> options;
  Runner run = nullptr;

  std::string usage() const {
    return "mcpgate admin " + std::string(words) + (synopsis.empty() ? "" : " ") + std::string(synopsis);
  }
};

// --- Output ----------------------------------------------------------------------------------

using Row = std::vector<std::string>;

size_t display_width(std::string_view s) {
  return size_t(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Columns padded to their widest cell (in characters), two spaces apart; the first row is the header.
void print_table(std::ostream& out, const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out << line << '\n';
  }
}

std::string time_or_dash(const std::optional<SysTime>& t) { return t ? format_time(*t) : "-"; }

int fail(Context& c, const Error& e) {
  c.err << "error: " << e.message << '\n';
  if (e.code == ErrorCode::invalid) c.err << "usage: " << c.command.usage() << '\n';
  return kExitRefused;
}

// Prints a successful result with `print` (kExitOk) or reports the error (kExitRefused).
template <class T, class Print>
int report(Context& c, Result<T>&& result, Print print) {
  if (!result) return fail(c, result.error());
  print(*result);
  return kExitOk;
}

// A listing as a table under `header`, or the sentence `when_empty` when there is nothing to list.
template <class T, class ToRow>
int print_list(Context& c, Result<std::vector<T>>&& result, const std::string& when_empty, Row header, ToRow to_row) {
  return report(c, std::move(result), [&](const std::vector<T>& items) {
    if (items.empty()) {
      c.out << when_empty << '\n';
      return;
    }
    std::vector<Row> rows{std::move(header)};
    for (const auto& item : items) rows.push_back(to_row(item));
    print_table(c.out, rows);
  });
}

// --- Commands --------------------------------------------------------------------------------

int teamspace_create(Context& c, const Invocation& in) {
  return report(c, c.service.create_teamspace(in.args[0], in.option("--plan").value(), in.option("--trial-ends")),
                [&](const store::Teamspace& ts) {
                  c.out << "created teamspace " << in_quotes(ts.name) << " (id " << ts.id << "), " << describe_plan(ts)
                        << '\n';
                });
}

int teamspace_list(Context& c, const Invocation&) {
  return print_list(c, c.service.list_teamspaces(),
                    "no teamspaces yet; create one with `mcpgate admin teamspace create NAME --plan PLAN`",
                    {"ID", "NAME", "PLAN", "TRIAL ENDS", "CREATED"}, [](const store::Teamspace& ts) {
                      return Row{std::to_string(ts.id), ts.name, std::string(to_string(ts.plan)),
                                 time_or_dash(ts.trial_ends), format_time(ts.created)};
                    });
}

int teamspace_plan(Context& c, const Invocation& in) {
  return report(c, c.service.set_plan(in.args[0], in.args[1], in.option("--trial-ends")),
                [&](const store::Teamspace& ts) {
                  c.out << "teamspace " << in_quotes(ts.name) << " is now on " << describe_plan(ts) << '\n';
                });
}

void print_entra(std::ostream& out, const store::EntraConfig& config) {
  print_table(out, {{"tenant ID:", config.tenant_id},
                    {"audience:", config.audience},
                    {"required scope:", config.required_scope},
                    {"updated:", format_time(config.updated)}});
}

int entra_set(Context& c, const Invocation& in) {
  store::EntraSettings settings{std::string(in.option("--tenant").value()),
                                std::string(in.option("--audience").value()),
                                std::string(in.option("--scope").value())};
  return report(c, c.service.set_entra(in.args[0], settings), [&](const store::EntraConfig& config) {
    c.out << "saved the Microsoft Entra ID tenant of " << in_quotes(in.args[0]) << ":\n";
    print_entra(c.out, config);
    c.out << "check it with `mcpgate admin entra test " << in.args[0] << "`\n";
  });
}

int entra_show(Context& c, const Invocation& in) {
  return report(c, c.service.entra(in.args[0]), [&](const store::EntraConfig& config) { print_entra(c.out, config); });
}

int entra_remove(Context& c, const Invocation& in) {
  return report(c, c.service.remove_entra(in.args[0]), [&](store::Done) {
    c.out << "removed the Microsoft Entra ID tenant of " << in_quotes(in.args[0])
          << "; its Entra users stay, and come back if the same tenant is set again\n";
  });
}

int entra_test(Context& c, const Invocation& in) {
  auto check = c.service.test_entra(in.args[0]);
  if (!check) return fail(c, check.error());
  if (!check->ok) {
    c.err << "failed (" << check->step << "): " << check->message << '\n';
    return kExitRefused;
  }
  c.out << "ok: " << check->message << '\n';
  return kExitOk;
}

int user_add(Context& c, const Invocation& in) {
  return report(c, c.service.add_user(in.args[0], in.args[1], in.args[2]), [&](const store::EntraUser& user) {
    c.out << user.email << " (object ID " << user.oid << ") is an Entra user of " << in_quotes(in.args[0])
          << " through tenant " << user.tenant_id << '\n';
  });
}

int user_list(Context& c, const Invocation& in) {
  return print_list(
      c, c.service.users(in.args[0]),
      "teamspace " + in_quotes(in.args[0]) + " has no Entra users; add them with `mcpgate admin user add`",
      {"EMAIL", "OBJECT ID", "ADDED"}, [](const store::EntraUser& u) {
        return Row{u.email, u.oid, format_time(u.created)};
      });
}

int user_remove(Context& c, const Invocation& in) {
  return report(c, c.service.remove_user(in.args[0], in.args[1]), [&](store::Done) {
    c.out << "removed " << in.args[1] << " from the Entra users of " << in_quotes(in.args[0]) << '\n';
  });
}

int user_import(Context& c, const Invocation& in) {
  const std::string& file = in.args[1];
  auto csv = read_file(file);
  if (!csv) {
    c.err << "error: cannot read " << file << "; check the path and that it is readable\n";
    return kExitRefused;
  }
  bool all_or_nothing = in.flag("--all-or-nothing");
  auto result = c.service.import_users(in.args[0], *csv, all_or_nothing);
  if (!result) return fail(c, result.error());
  std::vector<Row> rows{{"LINE", "RESULT", "EMAIL", "OBJECT ID", "MESSAGE"}};
  for (const auto& row : result->rows)
    rows.push_back({std::to_string(row.line), row.ok ? "ok" : "FAILED", row.email, row.oid, row.message});
  print_table(c.out, rows);
  c.out << "imported " << result->imported << " new user(s) from " << result->rows.size() << " row(s); "
        << result->failed << " failed\n";
  if (result->failed == 0) return kExitOk;
  c.err << "error: " << result->failed << " row(s) failed"
        << (all_or_nothing ? " and the import is all-or-nothing, so nothing was written" : "")
        << "; fix them (see MESSAGE) and import the file again\n";
  return kExitRefused;
}

int member_add(Context& c, const Invocation& in) {
  return report(c, c.service.add_member(in.args[0], in.args[1], in.args[2]), [&](const store::Membership& m) {
    c.out << m.user.email << " is now " << to_string(m.role) << " of " << in_quotes(in.args[0]) << '\n';
  });
}

int member_list(Context& c, const Invocation& in) {
  return print_list(c, c.service.members(in.args[0]),
                    "teamspace " + in_quotes(in.args[0]) + " has no members; add one with `mcpgate admin member add`",
                    {"EMAIL", "ROLE", "SINCE"}, [](const store::Membership& m) {
                      return Row{m.user.email, std::string(to_string(m.role)), format_time(m.created)};
                    });
}

int apikey_create(Context& c, const Invocation& in) {
  return report(c, c.service.create_api_key(in.args[0], in.args[1]), [&](const store::NewApiKey& created) {
    c.out << "created API key " << created.key.id << " " << in_quotes(created.key.name) << " for "
          << in_quotes(in.args[0]) << '\n'
          << "secret: " << created.secret << '\n'
          << "warning: this is the only time the secret is shown and it cannot be shown again; store it now "
             "(if it is lost, revoke the key and create another)\n";
  });
}

int apikey_list(Context& c, const Invocation& in) {
  return print_list(
      c, c.service.api_keys(in.args[0]),
      "teamspace " + in_quotes(in.args[0]) + " has no API keys; create one with `mcpgate admin apikey create`",
      {"ID", "NAME", "PREFIX", "CREATED", "REVOKED"}, [](const store::ApiKey& k) {
        return Row{std::to_string(k.id), k.name, k.prefix + "…", format_time(k.created), time_or_dash(k.revoked)};
      });
}

int apikey_revoke(Context& c, const Invocation& in) {
  return report(c, c.service.revoke_api_key(in.args[0]),
                [&](const store::ApiKey&) { c.out << "revoked API key " << in.args[0] << '\n'; });
}

int usage_log(Context& c, const Invocation& in) {
  return print_list(
      c, c.service.usage(in.args[0], in.option("--limit")), "no usage recorded for " + in_quotes(in.args[0]),
      {"TIME", "USER", "TOOL", "OUTCOME", "BYTES", "MS", "ARGUMENTS"}, [](const store::UsageRecord& u) {
        return Row{format_time(u.time),          u.user_label,       u.tool, u.outcome, std::to_string(u.result_bytes),
                   std::to_string(u.latency_ms), u.arguments_summary};
      });
}

const std::vector<Command>& commands() {
  static const std::vector<Command> list{
      {"teamspace create",
       "NAME --plan PLAN [--trial-ends YYYY-MM-DD]",
       1,
       {{"--plan", true, true}, {"--trial-ends"}},
       teamspace_create},
      {"teamspace list", "", 0, {}, teamspace_list},
      {"teamspace plan", "NAME PLAN [--trial-ends YYYY-MM-DD]", 2, {{"--trial-ends"}}, teamspace_plan},
      {"entra set",
       "TS --tenant GUID --audience GUID --scope SCOPE",
       1,
       {{"--tenant", true, true}, {"--audience", true, true}, {"--scope", true, true}},
       entra_set},
      {"entra show", "TS", 1, {}, entra_show},
      {"entra remove", "TS", 1, {}, entra_remove},
      {"entra test", "TS", 1, {}, entra_test},
      {"user add", "TS EMAIL OID", 3, {}, user_add},
      {"user list", "TS", 1, {}, user_list},
      {"user remove", "TS EMAIL_OR_OID", 2, {}, user_remove},
      {"user import", "TS FILE.csv [--all-or-nothing]", 2, {{"--all-or-nothing", false}}, user_import},
      {"member add", "TS EMAIL ROLE", 3, {}, member_add},
      {"member list", "TS", 1, {}, member_list},
      {"apikey create", "TS NAME", 2, {}, apikey_create},
      {"apikey list", "TS", 1, {}, apikey_list},
      {"apikey revoke", "ID", 1, {}, apikey_revoke},
      {"usage", "TS [--limit N]", 1, {{"--limit"}}, usage_log},
  };
  return list;
}

// --- Argument walking ------------------------------------------------------------------------

void print_usage(std::ostream& out, std::string_view group = {}) {
  out << "usage:\n";
  for (const auto& command : commands())
    if (group.empty() || command.words.substr(0, command.words.find(' ')) == group)
      out << "  " << command.usage() << '\n';
  if (group.empty())
    out << "PLAN is free, pro, enterprise or enterprise-trial; ROLE is owner, admin or developer; TS is a teamspace "
           "name or id; a trial ends at 00:00 UTC on its date\n";
}

int usage_error(std::ostream& err, const std::string& message, const Command* command, std::string_view group = {}) {
  err << "error: " << message << '\n';
  if (command)
    err << "usage: " << command->usage() << '\n';
  else
    print_usage(err, group);
  return kExitUsage;
}

bool is_help(std::string_view word) { return word == "help" || word == "--help" || word == "-h"; }

// The command named by the first words of args, and how many words its name took.
std::pair<const Command*, size_t> find_command(const std::vector<std::string>& args) {
  for (const auto& command : commands()) {
    auto words = split_whitespace(command.words);
    if (args.size() >= words.size() && std::equal(words.begin(), words.end(), args.begin()))
      return {&command, words.size()};
  }
  return {nullptr, 0};
}

// Splits the words after the command's name into arguments and options; an error message if they
// do not fit the command.
std::optional<std::string> walk(const Command& command, const std::vector<std::string>& words, Invocation& in) {
  bool options_ended = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (options_ended || !word.starts_with("--")) {
      in.args.push_back(word);
      continue;
    }
    if (word == "--") {
      options_ended = true;
      continue;
    }
    size_t eq = word.find('=');
    std::string name = word.substr(0, eq);
    auto spec =
        std::find_if(command.options.begin(), command.options.end(), [&](const auto& o) { return o.name == name; });
    if (spec == command.options.end()) return "unknown option " + name + " for `" + std::string(command.words) + "`";
    if (in.options.contains(name)) return "option " + name + " is given twice";
    if (!spec->takes_value) {
      if (eq != std::string::npos) return "option " + name + " takes no value";
      in.options[name] = "";
    } else if (eq != std::string::npos) {
      in.options[name] = word.substr(eq + 1);
    } else if (i + 1 < words.size()) {
      in.options[name] = words[++i];
    } else {
      return "option " + name + " needs a value";
    }
  }
  for (const auto& spec : command.options)
    if (spec.required && !in.flag(spec.name)) return "option " + std::string(spec.name) + " is required";
  if (in.args.size() != command.arity)
    return "`" + std::string(command.words) + "` takes " + std::to_string(command.arity) + " argument(s), not " +
           std::to_string(in.args.size());
  return std::nullopt;
}

}  // namespace

int run_admin_command(const std::vector<std::string>& args, store::Store& store, const AdminCliOptions& options,
                      std::ostream& out, std::ostream& err, const Clock& clock) {
  const char* login = std::getenv("USER");
  AdminService service =
      AdminService(store, {options.authority, options.ca_file, options.test_timeout}, clock)
          .acting_as({"", std::string("command line (") + (login ? login : "unknown user") + ")", "cli"});
  return run_admin_command(args, service, out, err);
}

int run_admin_command(const std::vector<std::string>& args, AdminOperations& service, std::ostream& out,
                      std::ostream& err) {
  if (args.empty()) return usage_error(err, "no admin command given", nullptr);
  if (is_help(args[0])) {
    print_usage(out);
    return kExitOk;
  }
  auto [command, name_words] = find_command(args);
  if (!command) {
    std::string group = args[0];
    bool known_group = std::any_of(commands().begin(), commands().end(),
                                   [&](const Command& c) { return c.words.substr(0, c.words.find(' ')) == group; });
    std::string message = !known_group       ? "unknown admin command `" + group + "`"
                          : args.size() == 1 ? "`" + group + "` needs a command"
                                             : "unknown admin command `" + group + " " + args[1] + "`";
    return usage_error(err, message, nullptr, known_group ? group : "");
  }
  std::vector<std::string> rest(args.begin() + std::ptrdiff_t(name_words), args.end());
  if (std::any_of(rest.begin(), rest.end(), [](const std::string& w) { return w == "--help" || w == "-h"; })) {
    out << "usage: " << command->usage() << '\n';
    return kExitOk;
  }
  Invocation invocation;
  if (auto problem = walk(*command, rest, invocation)) return usage_error(err, *problem, command);

  Context context{service, out, err, *command};
  return command->run(context, invocation);
}

}  // namespace mcpgate::admin
