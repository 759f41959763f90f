//! `planmap serve` as a child process on a loopback port, and the bounded
//! runs of outside programs (GDAL, QGIS, node with Chromium) that the
//! real-client tests drive against it.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub const LAYERS: &str = "tests/fixtures/layers";

/// `planmap serve` on a free loopback port, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub data: PathBuf,
}

impl Server {
    pub fn start() -> Server {
        Server::start_on(LAYERS)
    }

    /// `planmap serve` on the catalog in `layers` (relative to the checkout).
    pub fn start_on(layers: &str) -> Server {
        Server::start_with(layers, &[])
    }

    /// The same, with more of `serve`'s flags.
    pub fn start_with(layers: &str, flags: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        // A data directory of its own, so the test leaves nothing in the checkout.
        let data = std::env::temp_dir().join(format!("planmap-clients-{port}"));
        let child = Command::new(env!("CARGO_BIN_EXE_planmap"))
            .args(["serve", "--layers", layers, "--addr", &addr, "--data"])
            .arg(&data)
            .args(flags)
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("planmap starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "planmap did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server {
            child,
            base: format!("http://{addr}"),
            data,
        }
    }

    /// A new token of `role`, made by the command line on the server's store.
    pub fn token(&self, role: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_planmap"))
            .args(["token", "create", "--role", role, "--name", role, "--data"])
            .arg(&self.data)
            .output()
            .expect("planmap token create runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .expect("the token is printed")
            .trim()
            .to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Whether `program args…` runs and succeeds.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True when the client is there; otherwise skips (or fails under CI).
pub fn available(client: &str, program: &str, args: &[&str]) -> bool {
    if runs(program, args) {
        return true;
    }
    assert!(
        std::env::var("PLANMAP_CLIENT_TESTS").as_deref() != Ok("1"),
        "{client} is not installed but PLANMAP_CLIENT_TESTS=1; run tests/clients/install.sh"
    );
    println!("skipped: {client} not installed");
    false
}

/// Runs a command with a time limit; returns (success, stdout + stderr).
pub fn run_bounded(mut command: Command, limit: Duration) -> (bool, String) {
    let out_path = std::env::temp_dir().join(format!(
        "planmap-client-{}-{:?}.log",
        std::process::id(),
        std::thread::current().id()
    ));
    let file = std::fs::File::create(&out_path).unwrap();
    let mut child = command
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("client starts");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    match status {
        Some(s) => (s.success(), output),
        None => (false, format!("{output}\n(killed after {limit:?})")),
    }
}
