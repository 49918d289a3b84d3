//! TLS against a real MariaDB with certificates the test makes (openssl): a connection asked to
//! verify the certificate gets TLS and says which; one whose CA did not sign the server's is
//! refused, naming the server and never the password; REQUIRED against a server without TLS
//! is refused.

use std::path::Path;
use std::process::Command;

use session::dsn::{Dsn, Endpoint};
use session::option_file::ClientDefaults;
use session::tls::SslMode;
use session::{Session, Timeouts};
use testlab::{Lab, LabOptions};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian's openssl package)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server certificate it signs for 127.0.0.1; a second CA that signs nothing.
fn certificates(dir: &Path) {
    for ca in ["ca", "other-ca"] {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN=repldoctor test {ca}"),
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName = IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
}

/// The lab's root account (no password); `password` is given only where the login must fail
/// before it is sent.
/// One server with TLS on, its certificates made in `dir`.
async fn tls_lab(dir: &Path) -> Lab {
    certificates(dir);
    let file = |name: &str| dir.join(name).display().to_string();
    Lab::start(
        1,
        &LabOptions {
            extra: vec![
                format!("ssl-ca={}", file("ca.pem")),
                format!("ssl-cert={}", file("server.pem")),
                format!("ssl-key={}", file("server.key")),
            ],
            ..LabOptions::default()
        },
    )
    .await
    .unwrap()
}

fn endpoint(port: u16, mode: SslMode, ca: Option<&Path>, password: bool) -> Endpoint {
    let credentials = if password { "root:S3cretPass" } else { "root" };
    let dsn = Dsn::parse(&format!("mysql://{credentials}@127.0.0.1:{port}")).unwrap();
    let mut endpoint = Endpoint::resolve(&dsn, &ClientDefaults::default(), None);
    endpoint.tls.mode = mode;
    endpoint.tls.ca = ca.map(Path::to_path_buf);
    endpoint
}

#[tokio::test]
async fn verified_tls_is_negotiated_and_a_stranger_certificate_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lab = tls_lab(dir.path()).await;
    let port = lab.server(0).port();
    let ca = dir.path().join("ca.pem");
    for mode in [
        SslMode::VerifyCa,
        SslMode::VerifyIdentity,
        SslMode::Required,
    ] {
        let mut session = Session::connect(
            &endpoint(port, mode, Some(&ca), false),
            "replica",
            Timeouts::default(),
        )
        .await
        .unwrap_or_else(|err| panic!("{mode:?}: {err}"));
        let tls = session
            .tls()
            .cloned()
            .unwrap_or_else(|| panic!("{mode:?}: no TLS"));
        assert!(
            tls.version
                .as_deref()
                .is_some_and(|v| v.starts_with("TLSv1")),
            "{mode:?}: {tls:?}"
        );
        session.close().await;
    }
    let stranger = dir.path().join("other-ca.pem");
    let err = Session::connect(
        &endpoint(port, SslMode::VerifyCa, Some(&stranger), true),
        "replica",
        Timeouts::default(),
    )
    .await
    .expect_err("a certificate the given CA did not sign is refused");
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("S3cretPass"), "{text}");
}

#[tokio::test]
async fn required_tls_against_a_server_without_it_is_refused() {
    let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
    let port = lab.server(0).port();
    let err = Session::connect(
        &endpoint(port, SslMode::Required, None, true),
        "replica",
        Timeouts::default(),
    )
    .await
    .expect_err("no TLS offered, TLS required");
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("S3cretPass"), "{text}");
}

/// What was negotiated is said with -v and kept in the bundle's manifest.
#[tokio::test]
async fn collect_says_and_records_the_tls_it_got() {
    let dir = tempfile::tempdir().unwrap();
    let lab = tls_lab(dir.path()).await;
    let file = |name: &str| dir.path().join(name).display().to_string();
    let bundle = dir.path().join("bundle");
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["-v", "collect", "--replica", &lab.server(0).dsn()])
        .args(["--ssl-mode", "VERIFY_IDENTITY", "--ssl-ca", &file("ca.pem")])
        .args(["-o", &bundle.display().to_string()])
        .env("HOME", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{stderr}"
    );
    let port = lab.server(0).port();
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}: TLS TLSv1")),
        "{stderr}"
    );
    let manifest = std::fs::read_to_string(bundle.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"tls\": \"TLSv1"), "{manifest}");
}
