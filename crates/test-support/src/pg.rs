//! A throwaway PostgreSQL server for the tests that run against the shared
//! job store: `initdb` in a temporary folder, `pg_ctl start` on a free
//! port, one fresh database per manager; a watcher process stops the server
//! and removes the folder when the test process ends.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The PostgreSQL binaries: the newest Debian `postgresql-N` folder, or
/// the ones on `PATH`.
fn bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|it| {
            it.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Runs `cmd` as the `postgres` user when this process is root (PostgreSQL
/// refuses to run as root).
fn as_postgres(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

struct Server {
    port: u16,
    dir: PathBuf,
    /// The `postgres` user's password over TCP; `None`: no password asked.
    password: Option<String>,
}

impl Server {
    /// The URL of database `name`, as the `postgres` user.
    fn url(&self, name: &str) -> String {
        let password = self
            .password
            .as_deref()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        format!(
            "postgres://postgres{password}@127.0.0.1:{}/{name}",
            self.port
        )
    }
}

fn start(password: Option<&str>) -> Server {
    let dir = tempfile::Builder::new()
        .prefix("ocrloom-pg-")
        .tempdir()
        .expect("temporary folder")
        .keep();
    let data = dir.join("data");
    let auth = match password {
        // Over TCP only with the password; the local socket stays open.
        Some(password) => {
            let file = dir.join("password");
            std::fs::write(&file, password).expect("password file");
            vec![
                "--auth-local=trust".to_owned(),
                "--auth-host=scram-sha-256".to_owned(),
                format!("--pwfile={}", file.display()),
            ]
        }
        None => vec!["-A".to_owned(), "trust".to_owned()],
    };
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("chown runs");
        assert!(ok.success(), "chown of {}", dir.display());
    }
    let out = as_postgres(&bin("initdb"))
        .args(&auth)
        .args(["-U", "postgres", "--no-sync", "-E", "UTF8", "-D"])
        .arg(&data)
        .output()
        .expect("initdb runs (is the postgresql package installed? scripts/setup.sh)");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = crate::free_ports(1)[0];
    pg_ctl_start(&dir, port);
    // Stop and remove everything when this process ends, however it ends.
    let pg_ctl = bin("pg_ctl");
    crate::after_exit(&format!(
        "{runuser} {pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        // SAFETY: geteuid has no preconditions.
        runuser = if unsafe { libc::geteuid() } == 0 {
            "runuser -u postgres --"
        } else {
            ""
        },
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    ));
    Server {
        port,
        dir,
        password: password.map(str::to_owned),
    }
}

/// Starts the server of `dir` (its data in `dir/data`) on `port`.
fn pg_ctl_start(dir: &Path, port: u16) {
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    let out = as_postgres(&bin("pg_ctl"))
        .args(["-w", "-t", "30", "-D"])
        .arg(dir.join("data"))
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-o", &opts, "start"])
        .output()
        .expect("pg_ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {} {}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
}

fn create_database(server: &Server) -> String {
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut client = postgres::Client::connect(&server.url("postgres"), postgres::NoTls)
        .expect("admin connection");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    server.url(&name)
}

/// A throwaway server of a test's own, which it may stop and start again
/// (removed when the test process ends, like the shared one).
pub struct OwnServer(Server);

impl OwnServer {
    /// Starts a new server.
    pub fn start() -> Self {
        OwnServer(start(None))
    }

    /// Starts a new server that asks for `password` over TCP (SCRAM), as
    /// a production server does; the URLs of [`OwnServer::fresh_database`]
    /// carry it.
    pub fn with_password(password: &str) -> Self {
        OwnServer(start(Some(password)))
    }

    /// The URL of a new, empty database on it.
    pub fn fresh_database(&self) -> String {
        create_database(&self.0)
    }

    /// Stops the server (`pg_ctl stop -m fast`: connections are cut).
    pub fn stop(&self) {
        let out = as_postgres(&bin("pg_ctl"))
            .args(["-w", "-m", "fast", "-D"])
            .arg(self.0.dir.join("data"))
            .arg("stop")
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the stopped server again, on the same port.
    pub fn restart(&self) {
        pg_ctl_start(&self.0.dir, self.0.port);
    }

    /// Cuts every client connection to `url`'s database, as a network
    /// failure or a server restart would.
    pub fn cut_connections(&self, url: &str) {
        cut_connections(&self.0, url);
    }
}

/// Cuts every client connection to `url`'s database on `server`.
fn cut_connections(server: &Server, url: &str) {
    let name = url.rsplit('/').next().expect("a database name");
    let mut client = postgres::Client::connect(&server.url("postgres"), postgres::NoTls)
        .expect("admin connection");
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&name],
        )
        .expect("terminate");
}

/// Cuts every client connection to `url`'s database on the shared server.
pub fn cut_shared_connections(url: &str) {
    cut_connections(shared(), url);
}

static SERVER: OnceLock<Server> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The URL of a new, empty database on the throwaway server (started at
/// the first call).
pub fn fresh_database() -> String {
    create_database(shared())
}

/// The shared server, started at the first call.
fn shared() -> &'static Server {
    SERVER.get_or_init(|| start(None))
}
