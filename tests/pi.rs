//! Black-box tests of what runs the service on the Pi: the systemd notifications of the
//! real binary (a fake `NOTIFY_SOCKET` in a temp dir stands in for systemd), the
//! systemd unit and the udev rule shipped in the package.

mod common;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A datagram socket playing systemd's notification socket.
struct FakeSystemd {
    socket: UnixDatagram,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl FakeSystemd {
    fn new() -> FakeSystemd {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind notify socket");
        FakeSystemd {
            socket,
            _dir: dir,
            path,
        }
    }

    /// Every message received until `stop` says so or `timeout` passes.
    fn collect_until(
        &self,
        timeout: Duration,
        mut stop: impl FnMut(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut messages = Vec::new();
        let mut buf = vec![0u8; 4096];
        while !stop(&messages) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.socket
                .set_read_timeout(Some(left))
                .expect("read timeout");
            match self.socket.recv(&mut buf) {
                Ok(n) => messages.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    break
                }
                Err(e) => panic!("recv: {e}"),
            }
        }
        messages
    }
}

fn count(messages: &[String], line: &str) -> usize {
    messages
        .iter()
        .flat_map(|m| m.lines())
        .filter(|l| *l == line)
        .count()
}

/// The real binary under a fake systemd; killed on drop.
struct Service {
    child: Child,
    port: u16,
    _data: tempfile::TempDir,
}

impl Service {
    fn spawn(systemd: &FakeSystemd, watchdog_usec: &str, watchdog_pid: Option<&str>) -> Service {
        let data = tempfile::tempdir().expect("temp dir");
        let port = common::free_port();
        let mut cmd = Command::new(common::binary());
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data.path())
            .env("CARENCO_SCANNER_ENABLED", "false")
            .env("NOTIFY_SOCKET", &systemd.path)
            .env("WATCHDOG_USEC", watchdog_usec)
            .env_remove("WATCHDOG_PID")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(pid) = watchdog_pid {
            cmd.env("WATCHDOG_PID", pid);
        }
        Service {
            child: cmd.spawn().expect("spawn carenco-edge"),
            port,
            _data: data,
        }
    }

    fn terminate(&mut self) {
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped yet.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill failed");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_binary_tells_systemd_it_is_ready_only_once_health_answers() {
    let systemd = FakeSystemd::new();
    let service = Service::spawn(&systemd, "200000", None);
    let messages = systemd.collect_until(Duration::from_secs(20), |m| count(m, "READY=1") > 0);
    assert_eq!(count(&messages, "READY=1"), 1, "{messages:?}");
    // READY means the listener is bound: /health answers at once, no retry needed.
    let r = reqwest::blocking::get(format!("http://127.0.0.1:{}/health", service.port))
        .expect("GET /health right after READY=1");
    assert_eq!(r.status(), 200);
    let ready = messages
        .iter()
        .find(|m| m.lines().any(|l| l == "READY=1"))
        .expect("ready message");
    assert!(
        ready.contains("STATUS=0 uploads queued"),
        "READY carries the first status line: {ready:?}"
    );
}

#[test]
fn the_binary_pings_the_watchdog_at_half_watchdog_usec_and_says_stopping_on_sigterm() {
    let systemd = FakeSystemd::new();
    // WatchdogSec=0.4s: pings every 200 ms. WATCHDOG_PID unset means "this process".
    let mut service = Service::spawn(&systemd, "400000", None);
    let start = Instant::now();
    let messages = systemd.collect_until(Duration::from_secs(20), |m| {
        count(m, "READY=1") == 1 && count(m, "WATCHDOG=1") >= 4
    });
    let elapsed = start.elapsed();
    assert_eq!(count(&messages, "READY=1"), 1, "{messages:?}");
    assert!(count(&messages, "WATCHDOG=1") >= 4, "{messages:?}");
    // Four pings at 200 ms take at least 600 ms after the first one: the interval is
    // honoured, not a burst.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("STATUS=") && m.contains("uploads queued")),
        "status updates accompany the pings: {messages:?}"
    );

    service.terminate();
    let rest = systemd.collect_until(Duration::from_secs(20), |m| count(m, "STOPPING=1") > 0);
    assert_eq!(count(&rest, "STOPPING=1"), 1, "{rest:?}");
    let status = service.child.wait().expect("wait");
    assert!(status.success(), "clean exit after SIGTERM: {status}");
}

#[test]
fn a_watchdog_meant_for_another_process_is_not_pinged() {
    let systemd = FakeSystemd::new();
    // WATCHDOG_PID names another process (pid 1): sd_watchdog_enabled(3) says no.
    let _service = Service::spawn(&systemd, "100000", Some("1"));
    let messages = systemd.collect_until(Duration::from_secs(20), |m| count(m, "READY=1") > 0);
    assert_eq!(count(&messages, "READY=1"), 1, "{messages:?}");
    // With a 100 ms timeout a wrongly enabled watchdog would ping every 50 ms.
    let later = systemd.collect_until(Duration::from_millis(500), |_| false);
    assert_eq!(count(&later, "WATCHDOG=1"), 0, "{later:?}");
}

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// One udev rule: its `KEY=="value"` matches and `KEY="value"` / `KEY+="value"`
/// assignments, in order.
#[derive(Debug)]
struct UdevRule {
    matches: Vec<(String, String)>,
    assigns: Vec<(String, String)>,
}

impl UdevRule {
    fn matched(&self, key: &str) -> Option<&str> {
        self.matches
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn assigned(&self, key: &str) -> Option<&str> {
        self.assigns
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses udev rule syntax (`man 7 udev`) strictly enough to check what it matches:
/// comma-separated `KEY OP "VALUE"` pairs, `#` comments, no line continuations.
fn parse_udev(text: &str) -> Vec<UdevRule> {
    let mut rules = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        assert!(!line.ends_with('\\'), "no continuations expected: {line}");
        let mut rule = UdevRule {
            matches: Vec::new(),
            assigns: Vec::new(),
        };
        for pair in line.split("\", ").map(str::trim) {
            let op_at = pair
                .find(['=', '!', '+', ':'])
                .unwrap_or_else(|| panic!("no operator in {pair:?} of {line}"));
            let key = pair[..op_at].to_string();
            let rest = &pair[op_at..];
            let (op, value) = ["==", "!=", "+=", ":=", "="]
                .iter()
                .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v)))
                .unwrap_or_else(|| panic!("bad operator in {pair:?}"));
            let value = value
                .trim_start_matches('"')
                .trim_end_matches('"')
                .to_string();
            match op {
                "==" | "!=" => rule.matches.push((key, value)),
                _ => rule.assigns.push((key, value)),
            }
        }
        rules.push(rule);
    }
    rules
}

const UDEV_RULE: &str = "udev/99-carenco-footscanner.rules";

#[test]
fn the_udev_rule_names_only_the_mats_adapter_footscanner() {
    let rules = parse_udev(&repo_file(UDEV_RULE));
    let tty: Vec<_> = rules
        .iter()
        .filter(|r| r.matched("SUBSYSTEM") == Some("tty"))
        .collect();
    assert_eq!(tty.len(), 1, "exactly one tty rule: {rules:?}");
    let tty = tty[0];
    assert_eq!(tty.assigned("SYMLINK"), Some("footscanner"));
    assert_eq!(tty.assigned("GROUP"), Some("dialout"));
    assert_eq!(tty.assigned("MODE"), Some("0660"));
    assert_eq!(tty.assigned("ENV{ID_MM_DEVICE_IGNORE}"), Some("1"));
    // The service's default port is the name this rule creates.
    assert_eq!(
        format!("/dev/{}", tty.assigned("SYMLINK").unwrap_or_default()),
        carenco_edge::config::DEFAULT_SCANNER_PORT
    );
    let vendor = tty.matched("ATTRS{idVendor}").expect("vendor id matched");
    let product = tty.matched("ATTRS{idProduct}").expect("product id matched");
    for id in [vendor, product] {
        assert!(
            id.len() == 4
                && id
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "udev compares ids as lower-case four-digit hex strings: {id:?}"
        );
    }
}

#[test]
fn every_udev_rule_that_changes_a_device_matches_the_same_vendor_and_product() {
    let rules = parse_udev(&repo_file(UDEV_RULE));
    let changing: Vec<_> = rules
        .iter()
        .filter(|r| r.assigns.iter().any(|(k, _)| k != "GOTO" && k != "LABEL"))
        .collect();
    assert_eq!(
        changing.len(),
        2,
        "the tty rule and the latency rule: {rules:?}"
    );
    fn ids(r: &UdevRule) -> (Option<&str>, Option<&str>) {
        (r.matched("ATTRS{idVendor}"), r.matched("ATTRS{idProduct}"))
    }
    let first = ids(changing[0]);
    assert!(first.0.is_some() && first.1.is_some());
    for rule in &changing {
        assert_eq!(ids(rule), first, "{rule:?}");
        assert!(rule.matched("SUBSYSTEM").is_some(), "{rule:?}");
        // Only exact matches: a glob would also match other adapters.
        for (key, value) in &rule.matches {
            assert!(
                !value.contains(['*', '?', '[', '|']),
                "{key} must not be a pattern: {value:?}"
            );
        }
    }
    // The latency timer is an ftdi_sio attribute; the rule must not touch other drivers.
    let latency = changing
        .iter()
        .find(|r| r.assigned("ATTR{latency_timer}").is_some())
        .expect("an FTDI low-latency rule");
    assert_eq!(latency.matched("DRIVER"), Some("ftdi_sio"));
    // Removal events skip both rules.
    assert_eq!(rules[0].matched("ACTION"), Some("remove"));
    assert_eq!(rules[0].assigned("GOTO"), Some("carenco_footscanner_end"));
    assert_eq!(
        rules.last().and_then(|r| r.assigned("LABEL")),
        Some("carenco_footscanner_end")
    );
}

/// The `Key=value` lines of one section of a systemd unit.
fn unit_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut current = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            current = line.trim_matches(['[', ']']).to_string();
        } else if !line.is_empty() && !line.starts_with('#') && current == section {
            if let Some((k, v)) = line.split_once('=') {
                out.push((k.to_string(), v.to_string()));
            }
        }
    }
    out
}

#[test]
fn the_units_command_lines_are_ones_the_binary_accepts() {
    let unit = repo_file("systemd/carenco-edge.service");
    let service = unit_section(&unit, "Service");
    let get = |key: &str| -> Vec<String> {
        service
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(get("Type"), ["notify"]);
    assert_eq!(get("WatchdogSec").len(), 1);
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
    // ExecStartPre really validates: run it with the shipped default config.
    for exec in get("ExecStartPre") {
        let args: Vec<&str> = exec.split_whitespace().collect();
        assert_eq!(args[0], "/usr/bin/carenco-edge");
        let args: Vec<String> = args[1..]
            .iter()
            .map(|a| {
                if *a == "/etc/carenco-edge/config.toml" {
                    config.display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let out = Command::new(common::binary())
            .args(&args)
            .output()
            .expect("run validate");
        assert!(out.status.success(), "{exec}: {out:?}");
    }
    // ExecStart names the subcommand and flags that exist (clap rejects unknown ones).
    let exec = get("ExecStart");
    assert_eq!(exec.len(), 1);
    let args: Vec<&str> = exec[0].split_whitespace().skip(1).collect();
    assert_eq!(args.first(), Some(&"serve"));
    let help = Command::new(common::binary())
        .args(["serve", "--help"])
        .output()
        .expect("serve --help");
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(help.contains(flag), "serve has no {flag}: {help}");
    }
}

/// A throwaway root and a PATH of stand-ins for the account and udev tools, which
/// record their calls: the maintainer scripts run for real against it.
struct ScriptSandbox {
    dir: tempfile::TempDir,
}

impl ScriptSandbox {
    fn new(user_exists: bool) -> ScriptSandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        for d in ["bin", "root/etc/carenco-edge", "root/run/udev"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        let log = dir.path().join("calls.log");
        let record = format!("echo \"$(basename \"$0\") $*\" >> '{}'", log.display());
        let exists = if user_exists { "exit 0" } else { "exit 2" };
        for (tool, body) in [
            ("getent", format!("{record}\n{exists}")),
            ("groupadd", record.clone()),
            ("useradd", record.clone()),
            ("usermod", record.clone()),
            ("chown", record.clone()),
            ("udevadm", record.clone()),
            // An existing user not yet in dialout.
            ("id", format!("{record}\necho carenco")),
        ] {
            let path = bin.join(tool);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write stub");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        ScriptSandbox { dir }
    }

    fn run(&self, script: &str, args: &[&str]) {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("sh")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(script))
            .args(args)
            .env("PATH", path)
            .env("DPKG_ROOT", self.dir.path().join("root"))
            .output()
            .expect("run script");
        assert!(out.status.success(), "{script} {args:?}: {out:?}");
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("calls.log")).unwrap_or_default()
    }

    fn env_file(&self) -> std::path::PathBuf {
        self.dir.path().join("root/etc/carenco-edge/env")
    }
}

#[test]
fn postinst_on_a_fresh_system_creates_the_user_in_dialout_the_secrets_file_and_reloads_udev() {
    let sandbox = ScriptSandbox::new(false);
    sandbox.run("debian/postinst", &["configure"]);
    let calls = sandbox.calls();
    assert!(calls.contains("groupadd --system carenco"), "{calls}");
    assert!(
        calls.contains("useradd --system --gid carenco --groups dialout"),
        "{calls}"
    );
    assert!(calls.contains("udevadm control --reload-rules"), "{calls}");
    assert!(
        calls.contains("udevadm trigger --subsystem-match=tty"),
        "{calls}"
    );
    let env = sandbox.env_file();
    assert!(
        calls.contains(&format!("chown root:carenco {}", env.display())),
        "{calls}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&env)
        .expect("env file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640, "secrets are not world-readable");
    let text = std::fs::read_to_string(&env).expect("read env");
    assert!(text.contains("#AWS_SECRET_ACCESS_KEY="), "{text}");
}

#[test]
fn postinst_on_upgrade_keeps_the_user_and_the_kiosks_secrets() {
    let sandbox = ScriptSandbox::new(true);
    std::fs::write(sandbox.env_file(), "GOOGLE_API_KEY=kiosk-key\n").expect("write env");
    sandbox.run("debian/postinst", &["configure", "0.1.0-1"]);
    let calls = sandbox.calls();
    assert!(!calls.contains("useradd"), "{calls}");
    assert!(!calls.contains("groupadd"), "{calls}");
    // `id` says the existing user is not in dialout: it is added.
    assert!(
        calls.contains("usermod --append --groups dialout carenco"),
        "{calls}"
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.env_file()).expect("read env"),
        "GOOGLE_API_KEY=kiosk-key\n"
    );
}

#[test]
fn postrm_purge_removes_the_secrets_but_keeps_the_data() {
    let sandbox = ScriptSandbox::new(true);
    std::fs::write(sandbox.env_file(), "X=1\n").expect("write env");
    let data = sandbox.dir.path().join("root/var/lib/carenco-edge");
    std::fs::create_dir_all(&data).expect("mkdir data");
    std::fs::write(data.join("carenco.db"), b"records").expect("write db");
    sandbox.run("debian/postrm", &["remove"]);
    assert!(sandbox.env_file().exists(), "remove keeps configuration");
    sandbox.run("debian/postrm", &["purge"]);
    assert!(!sandbox.env_file().exists());
    assert_eq!(
        std::fs::read(data.join("carenco.db")).expect("db kept"),
        b"records"
    );
    assert!(sandbox.calls().contains("udevadm control --reload-rules"));
}

#[test]
fn the_debhelper_token_stands_alone_once_in_each_maintainer_script() {
    // cargo-deb replaces every occurrence, comments included, with shell code.
    for script in ["debian/postinst", "debian/postrm"] {
        let text = repo_file(script);
        assert_eq!(text.matches("#DEBHELPER#").count(), 1, "{script}");
        assert!(text.lines().any(|l| l == "#DEBHELPER#"), "{script}");
    }
}
