//! A throwaway PostgreSQL server for tests: the Debian/PostgreSQL server binaries (`initdb`,
//! `postgres`) run in a temporary directory, reachable only on a Unix socket there.
//!
//! One server per test process, started on first use; each test gets its own database. The
//! server is a child of a small shell that waits on our stdin: when the test process ends, for
//! whatever reason, the pipe closes and the shell stops the server and removes its directory.
//! Run as root (as CI does), the server runs as the unprivileged `postgres` user, because
//! `initdb` refuses root.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// A running server.
pub struct PgServer {
    socket_dir: PathBuf,
    /// Held open for the life of the process: closing it stops the server.
    _lifeline: std::process::ChildStdin,
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
static DATABASES: AtomicU64 = AtomicU64::new(0);

/// When set, a missing PostgreSQL is a failure instead of a skip (CI sets it).
pub const REQUIRE_ENV: &str = "LINKX_REQUIRE_POSTGRES";

impl PgServer {
    /// The process's server, started on first use; `Err` says why there is none (no server
    /// binaries here, or they failed).
    pub fn shared() -> Result<&'static PgServer, String> {
        SERVER
            .get_or_init(PgServer::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The URL of a new, empty database on the shared server, or `None` (with the reason printed)
    /// when PostgreSQL cannot run here and `LINKX_REQUIRE_POSTGRES` is not set.
    pub fn fresh_database_url() -> Option<String> {
        match PgServer::shared() {
            Ok(server) => Some(server.create_database()),
            Err(why) if std::env::var_os(REQUIRE_ENV).is_some() => {
                panic!("PostgreSQL is required ({REQUIRE_ENV} is set) but cannot run: {why}")
            }
            Err(why) => {
                eprintln!("skipping the PostgreSQL run: {why}");
                None
            }
        }
    }

    fn url(&self, database: &str) -> String {
        format!(
            "postgres://linkx@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    fn create_database(&self) -> String {
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let name = format!("t{}_{n}", std::process::id());
        let status = Command::new(bin_dir().map(|d| d.join("psql")).unwrap_or_default())
            .args(["-q", "-h"])
            .arg(&self.socket_dir)
            .args(["-U", "linkx", "-d", "postgres", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .status();
        match status {
            Ok(s) if s.success() => self.url(&name),
            other => panic!("cannot create database {name}: {other:?}"),
        }
    }

    fn start() -> Result<PgServer, String> {
        let bin = bin_dir().ok_or(
            "no PostgreSQL server binaries (initdb) found: install Debian's postgresql package",
        )?;
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir = std::env::temp_dir().join(format!(
            "linkx-pg-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if as_root {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir))?;
        }
        let data = dir.join("data");
        let initdb = format!(
            "{} -D {} -U linkx --auth=trust -E UTF8 --locale=C --no-sync >{}/initdb.log 2>&1",
            shell_quote(&bin.join("initdb")),
            shell_quote(&data),
            shell_quote(&dir)
        );
        run(&mut as_user(as_root, &initdb))
            .map_err(|e| format!("{e}; see {}/initdb.log", dir.display()))?;
        // The server lives while our stdin is open; then it stops and its directory goes.
        let serve = format!(
            "{postgres} -D {data} -k {dir} -c listen_addresses= -c max_connections=300 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             >{dir}/server.log 2>&1 & pid=$!; read _; kill -INT $pid; wait $pid; rm -rf {dir}",
            postgres = shell_quote(&bin.join("postgres")),
            data = shell_quote(&data),
            dir = shell_quote(&dir),
        );
        let mut child = as_user(as_root, &serve)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start postgres: {e}"))?;
        let lifeline = child
            .stdin
            .take()
            .ok_or("no stdin for the server's shell")?;
        let server = PgServer {
            socket_dir: dir.clone(),
            _lifeline: lifeline,
        };
        // Ready when it accepts a connection (a fresh cluster takes a second or two).
        let ready = (0..600).any(|_| {
            let ok = Command::new(bin.join("pg_isready"))
                .arg("-q")
                .arg("-h")
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            ok
        });
        if !ready {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!("postgres did not become ready: {log}"));
        }
        Ok(server)
    }
}

/// Where `initdb` and `postgres` are: `LINKX_PG_BIN`, else Debian's versioned directory (the
/// newest), else `PATH`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LINKX_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    debian.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    debian.pop().or_else(|| {
        std::env::var_os("PATH")
            .and_then(|path| std::env::split_paths(&path).find(|dir| dir.join("initdb").is_file()))
    })
}

fn as_user(as_root: bool, script: &str) -> Command {
    if as_root {
        let mut c = Command::new("su");
        c.args(["-s", "/bin/sh", "postgres", "-c", script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    match command.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{command:?} failed: {s}")),
        Err(e) => Err(format!("{command:?}: {e}")),
    }
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Chooses the backend of stores opened by [`open_test_store`]: `postgres` runs a test suite
/// against the throwaway server instead of SQLite.
pub const BACKEND_ENV: &str = "LINKX_TEST_BACKEND";

/// A new store for a test: a SQLite file in `dir`, or, with `LINKX_TEST_BACKEND=postgres`, a
/// fresh database on the throwaway PostgreSQL server (which must be able to run).
pub async fn open_test_store(dir: &Path) -> crate::Store {
    let url = match std::env::var(BACKEND_ENV).as_deref() {
        Ok("postgres") => match PgServer::shared() {
            Ok(server) => server.create_database(),
            Err(why) => panic!("{BACKEND_ENV}=postgres, but PostgreSQL cannot run: {why}"),
        },
        _ => format!("sqlite://{}", dir.join("linkx.db").display()),
    };
    match crate::Store::open(&url).await {
        Ok(store) => store,
        Err(e) => panic!("cannot open the test store {url}: {e}"),
    }
}
