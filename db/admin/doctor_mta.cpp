// SPDX-License-Identifier: MIT
// doctor's MTA checks: the Postfix wiring as postconf(1) reports it
// (master.cf services with -M, their -o overrides with -P, main.cf values
// with -h), or Exim's DKIM_FILTER_COMMAND macro (exim4 -bP macro), against
// what dkim-filter(8) and the shipped examples need.
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "db/admin/doctor.h"
#include "db/admin/process.h"
#include "db/keystore.h"

namespace dkim::admin {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

bool is_filter_binary(const std::string& path) {
  auto slash = path.rfind('/');
  return path.substr(slash == std::string::npos ? 0 : slash + 1) == "dkim-filter";
}

// The value after `option` in argv, empty when absent.
std::string option_value(const std::vector<std::string>& argv, const std::string& option) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--") break;
    if (argv[i] == option) return argv[i + 1];
    if (argv[i].rfind(option + "=", 0) == 0) return argv[i].substr(option.size() + 1);
  }
  return {};
}

class Postconf {
 public:
  explicit Postconf(std::string dir) : dir_(std::move(dir)) {}
  ProgramResult run(std::vector<std::string> args) const {
    std::vector<std::string> argv{"postconf"};
    if (!dir_.empty()) argv.insert(argv.end(), {"-c", dir_});
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  }
  std::string value(const std::string& name) const {
    auto r = run({"-h", name});
    std::string v = r.status == 0 ? r.out : "";
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
  }
  /// Where main.cf is: DIR, else postconf's config_directory (which it
  /// cannot tell without a main.cf: then Debian's /etc/postfix).
  std::string main_cf() const {
    if (!dir_.empty()) return dir_ + "/main.cf";
    std::string dir = value("config_directory");
    return (dir.empty() ? std::string("/etc/postfix") : dir) + "/main.cf";
  }

 private:
  std::string dir_;
};

// One master.cf entry that pipes mail into dkim-filter.
struct PipeService {
  std::string name;                         ///< "dkimfilter"
  std::map<std::string, std::string> attr;  ///< user=, flags=, null_sender=...
  std::vector<std::string> argv;            ///< from argv= on
};

std::vector<PipeService> pipe_services(const std::vector<std::string>& master) {
  std::vector<PipeService> out;
  for (const auto& line : master) {
    auto w = words(line);
    if (w.size() < 9 || w[7] != "pipe") continue;
    PipeService s;
    s.name = w[0];
    bool in_argv = false;
    for (size_t i = 8; i < w.size(); ++i) {
      if (in_argv) {
        s.argv.push_back(w[i]);
      } else if (w[i].rfind("argv=", 0) == 0) {
        in_argv = true;
        s.argv.push_back(w[i].substr(5));
      } else if (auto eq = w[i].find('='); eq != std::string::npos) {
        s.attr[w[i].substr(0, eq)] = w[i].substr(eq + 1);
      }
    }
    if (!s.argv.empty() && is_filter_binary(s.argv[0])) out.push_back(std::move(s));
  }
  return out;
}

// "-f ${sender}" and "-- ... ${recipient}", which the example's README explains.
void check_argv(const PipeService& s, const MtaExpectations& expect, Findings& out) {
  const std::string svc = "Postfix service " + s.name;
  const auto& a = s.argv;
  if (::access(a[0].c_str(), X_OK) != 0)
    out.add(svc + " runs " + a[0] + ", which is not an executable file: all mail through it waits",
            "correct argv= in master.cf (the package installs /usr/sbin/dkim-filter)");
  auto user = s.attr.count("user") ? s.attr.at("user") : "";
  user = user.substr(0, user.find(':'));
  if (user != expect.user)
    out.add(svc + " runs dkim-filter as " + (user.empty() ? "(no user=)" : user) + ", not " + expect.user,
            "set user=" + expect.user + " in master.cf, or check that account: doctor --user " + user);
  if (!s.attr.count("null_sender") || !s.attr.at("null_sender").empty())
    out.add(svc + " lacks an empty null_sender=: bounces get MAILER-DAEMON as their envelope sender",
            "add null_sender= to the service's attributes in master.cf");
  bool f_sender = false, rcpt_after_dashes = false, dashes = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "-f" && i + 1 < a.size() && a[i + 1] == "${sender}") f_sender = true;
    if (a[i] == "--") dashes = true;
    if (dashes && a[i] == "${recipient}") rcpt_after_dashes = true;
  }
  if (!f_sender)
    out.add(svc + ": argv= lacks \"-f ${sender}\" (two arguments)", "write -f ${sender} in argv=");
  if (!rcpt_after_dashes)
    out.add(svc + ": argv= lacks \"-- ${recipient}\" at its end", "end argv= with -- ${recipient}");
  std::string db = option_value(a, "--db");
  if (db.empty()) db = "/var/lib/dkim-filter/dkim.db";
  if (db != expect.db_path)
    out.add(svc + " uses the database " + db + ", doctor checked " + expect.db_path,
            "run dkim-filter-admin --db " + db + " doctor");
}

// Postfix FILTER_README: the re-injection smtpd must not filter again.
void check_smtp_listener(const PipeService& s, const std::string& target,
                         const std::vector<std::string>& master, const std::vector<std::string>& overrides,
                         Findings& out) {
  bool listed = false;
  for (const auto& line : master) {
    auto w = words(line);
    if (w.size() >= 8 && w[1] == "inet" && (w[0] == target || w[0] == target.substr(target.rfind(':') + 1)))
      listed = true;
  }
  if (!listed) {
    out.add("Postfix service " + s.name + " re-injects to " + target +
                ", but master.cf has no smtpd there: its mail waits",
            "add the re-injection service of /usr/share/doc/dkim-filter/examples/postfix/master.cf");
    return;
  }
  bool empty_filter = false;
  for (const auto& o : overrides)
    if (o.rfind(target + "/inet/content_filter =", 0) == 0 && words(o).size() == 2) empty_filter = true;
  if (!empty_filter)
    out.add("the re-injection smtpd " + target +
                " has no \"-o content_filter=\": signed mail loops back into " + s.name,
            "add -o content_filter= to " + target + " in master.cf");
}

void check_postfix(const MtaExpectations& expect, Findings& out) {
  Postconf pc(expect.postfix_config);
  struct stat st {};
  if (::stat(pc.main_cf().c_str(), &st) != 0) {
    out.add("Postfix is installed but has no " + pc.main_cf() + " (not configured)",
            "cp /usr/share/postfix/main.cf.debian " + pc.main_cf() + ", then apply examples/postfix");
    return;
  }
  auto master = lines(pc.run({"-M"}).out);
  auto overrides = lines(pc.run({"-P"}).out);
  auto services = pipe_services(master);
  PostfixView view{[&pc](const std::string& name) { return pc.value(name); }, overrides, master};
  bool milter = check_postfix_milter(view, expect, out);
  if (services.empty() && !milter) {
    if (expect.mta == "postfix")
      out.add("no Postfix pipe(8) service runs dkim-filter and no milter list names dkim-filter-milter's " +
                  expect.milter_socket + ": nothing is signed",
              "apply /usr/share/doc/dkim-filter/examples/postfix-milter (or examples/postfix for the pipe)");
    return;
  }
  if (pc.value("disable_mime_output_conversion") != "yes")
    out.add(
        "disable_mime_output_conversion is not yes: Postfix may convert 8-bit mail after signing and break "
        "its body hash (RFC 6376 section 5.3)",
        "postconf -e disable_mime_output_conversion=yes");
  std::string main_filter = pc.value("content_filter");
  for (const auto& s : services) {
    check_argv(s, expect, out);
    std::string smtp = option_value(s.argv, "--smtp");
    if (!smtp.empty()) check_smtp_listener(s, smtp, master, overrides, out);
    bool used = main_filter.rfind(s.name + ":", 0) == 0;
    for (const auto& o : overrides) {
      auto w = words(o);
      if (w.size() == 3 && o.find("/content_filter =") != std::string::npos &&
          w[2].rfind(s.name + ":", 0) == 0)
        used = true;
    }
    if (!used)
      out.add("no Postfix service hands mail to " + s.name + ": nothing is signed",
              "add -o content_filter=" + s.name + ":dummy to the submission and submissions services");
    for (const auto& o : overrides) {
      auto w = words(o);
      if (smtp.empty() && w.size() == 3 && o.rfind("pickup/", 0) == 0 &&
          o.find("/content_filter =") != std::string::npos && w[2].rfind(s.name + ":", 0) == 0)
        out.add(
            "pickup has -o content_filter=" + w[2] + ", but " + s.name +
                " re-injects through sendmail, which enters through pickup: a loop",
            "re-inject over SMTP (--smtp, examples/postfix/master-smtp.cf) or remove the filter from pickup");
    }
    if (main_filter.rfind(s.name + ":", 0) == 0 && smtp.empty())
      out.add("main.cf sets content_filter = " + main_filter +
                  ": mail re-injected through sendmail is filtered again, without end",
              "postconf -X content_filter, and set -o content_filter=" + s.name + ":dummy on submission");
  }
}

void check_exim(const MtaExpectations& expect, Findings& out) {
  auto r = run_program({"exim4", "-bP", "macro", "DKIM_FILTER_COMMAND"});
  if (!r.started) r = run_program({"exim", "-bP", "macro", "DKIM_FILTER_COMMAND"});
  if (!r.started) return;
  auto eq = r.out.find('=');
  if (r.status != 0 || eq == std::string::npos) {
    if (expect.mta == "exim")
      out.add(
          "Exim has no DKIM_FILTER_COMMAND macro: nothing is signed",
          "cp -r /usr/share/doc/dkim-filter/examples/exim/conf.d/. /etc/exim4/conf.d/ && update-exim4.conf");
    return;
  }
  auto argv = words(r.out.substr(eq + 1));
  if (argv.empty() || ::access(argv[0].c_str(), X_OK) != 0)
    out.add("Exim's DKIM_FILTER_COMMAND runs " + (argv.empty() ? std::string("nothing") : argv[0]) +
                ", which is not an executable file: remote deliveries wait",
            "correct DKIM_FILTER_COMMAND in /etc/exim4/conf.d/main/05_dkim-filter");
  std::string db = option_value(argv, "--db");
  if (!db.empty() && db != expect.db_path)
    out.add("Exim's DKIM_FILTER_COMMAND uses the database " + db + ", doctor checked " + expect.db_path,
            "run dkim-filter-admin --db " + db + " doctor --user Debian-exim");
}

}  // namespace

void check_mta(const MtaExpectations& expect, Findings& out) {
  if (expect.mta == "none") return;
  bool postfix = run_program({"postconf", "-d", "-h", "mail_version"}).started;
  if (expect.mta == "postfix" && !postfix) {
    out.add("Postfix is not installed (postconf not found)", "apt-get install postfix");
    return;
  }
  if (postfix && expect.mta != "exim") check_postfix(expect, out);
  if (expect.mta != "postfix") check_exim(expect, out);
}

}  // namespace dkim::admin
