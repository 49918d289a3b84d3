//! The template data directory every lab instance copies.
//!
//! `mariadb-install-db` takes seconds; copying its result takes a fraction of that. The template
//! is built once per machine and MariaDB version under the system temp directory, with the
//! accounts the lab needs already created (so no replica ever replays them), and reused by every
//! test process. Building goes to a private directory first and is renamed into place, so
//! concurrent test processes never see a half-built template.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::error::LabError;
use crate::server::{self, ServerConfig};

/// Bump when the template's contents change, so stale templates are not reused.
const TEMPLATE_REVISION: u32 = 1;

/// Finds a MariaDB program in PATH or in the Debian locations.
pub fn find_program(name: &'static str) -> Result<PathBuf, LabError> {
    let path_dirs = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or(LabError::MissingProgram { program: name })
}

/// The version `mariadbd --version` reports, e.g. `10.11.19-MariaDB-0+deb12u1`.
pub fn mariadb_version() -> Result<String, LabError> {
    let mariadbd = find_program("mariadbd")?;
    let output = Command::new(&mariadbd)
        .arg("--version")
        .output()
        .map_err(|err| LabError::io(format!("running {}", mariadbd.display()), err))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .skip_while(|word| *word != "Ver")
        .nth(1)
        .map(str::to_owned)
        .ok_or_else(|| LabError::Command {
            program: format!("{} --version", mariadbd.display()),
            status: output.status.to_string(),
            output: text.into_owned(),
        })
}

/// The template data directory, built on first use.
pub async fn data_dir() -> Result<PathBuf, LabError> {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    if let Some(path) = TEMPLATE.get() {
        return Ok(path.clone());
    }
    let path = build_or_reuse().await?;
    Ok(TEMPLATE.get_or_init(|| path).clone())
}

async fn build_or_reuse() -> Result<PathBuf, LabError> {
    let root = std::env::temp_dir().join("repldoctor-testlab");
    std::fs::create_dir_all(&root)
        .map_err(|err| LabError::io(format!("creating {}", root.display()), err))?;
    let version = mariadb_version()?;
    let ready = root.join(format!("template-{version}-r{TEMPLATE_REVISION}"));
    if ready.join("data").is_dir() {
        return Ok(ready.join("data"));
    }
    let work = tempfile::Builder::new()
        .prefix("building-")
        .tempdir_in(&root)
        .map_err(|err| LabError::io(format!("creating a directory in {}", root.display()), err))?;
    install(work.path())?;
    create_accounts(work.path()).await?;
    let built = work.keep();
    match std::fs::rename(&built, &ready) {
        Ok(()) => {}
        // Another process finished first: use its template and drop ours.
        Err(_) if ready.join("data").is_dir() => {
            let _ = std::fs::remove_dir_all(&built);
        }
        Err(err) => {
            return Err(LabError::io(
                format!("renaming into {}", ready.display()),
                err,
            ));
        }
    }
    Ok(ready.join("data"))
}

fn install(work: &Path) -> Result<(), LabError> {
    let install_db = find_program("mariadb-install-db")?;
    let tmp = work.join("tmp");
    std::fs::create_dir_all(&tmp)
        .map_err(|err| LabError::io(format!("creating {}", tmp.display()), err))?;
    let mut command = Command::new(&install_db);
    command
        .arg("--no-defaults")
        .arg(format!("--datadir={}", work.join("data").display()))
        // Parallel bootstraps that share a tmpdir crash: each gets its own.
        .arg(format!("--tmpdir={}", tmp.display()))
        .arg("--auth-root-authentication-method=normal")
        .arg("--skip-test-db")
        .args(server::STORAGE_OPTIONS);
    if server::running_as_root() {
        command.arg("--user=root");
    }
    let output = command
        .output()
        .map_err(|err| LabError::io(format!("running {}", install_db.display()), err))?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(LabError::Command {
            program: install_db.display().to_string(),
            status: output.status.to_string(),
            output: tail(&text, 20),
        });
    }
    Ok(())
}

/// Creates the lab's accounts with binary logging off, then shuts the server down cleanly.
async fn create_accounts(work: &Path) -> Result<(), LabError> {
    let config = ServerConfig {
        name: "template".into(),
        dir: work.to_owned(),
        server_id: 1,
        binlog: false,
        extra: Vec::new(),
    };
    let mut server = server::Server::launch(config).await?;
    server.exec(&server::account_statements()).await?;
    server.stop();
    Ok(())
}

/// The last `lines` lines of a text, for error messages.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
