//! Bundles from someone else's machine: only the members the manifest names are read, each a
//! regular file within its cap, and a `.tar.gz` is decompressed only up to the total cap.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use evidence::bundle::Collection;

/// The lab's bundle of a duplicate-key failure: a manifest naming `replica-error.log` and
/// `source-error.log`, captures and a binlog slice.
fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lab/dup-key/bundle")
}

/// A copy of the example bundle in a new directory, as `DIR/bundle`.
fn copy_of_example() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    for entry in std::fs::read_dir(example()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), bundle.join(entry.file_name())).unwrap();
    }
    (dir, bundle)
}

fn example_collection() -> Collection {
    bundle::load(&example()).expect("the example bundle loads")
}

fn load_error(path: &Path) -> String {
    match bundle::load(path) {
        Ok(_) => panic!("{} loaded", path.display()),
        Err(err) => err.to_string(),
    }
}

fn edit_manifest(bundle: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
}

/// A file of `len` zero bytes that takes no disk space.
fn sparse(path: &Path, len: u64) {
    File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn example_bundles_load_as_directories_and_as_archives() {
    let collection = example_collection();
    assert_eq!(collection.files.len(), 2);
    assert!(collection.binlog_slice.is_some());
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("incident.tar.gz");
    bundle::save(&collection, &archive).unwrap();
    assert_eq!(bundle::load(&archive).unwrap(), collection);
    let copy = dir.path().join("copy");
    bundle::save(&collection, &copy).unwrap();
    assert_eq!(bundle::load(&copy).unwrap(), collection);
}

#[test]
fn a_symlink_to_root_inside_a_directory_is_never_entered() {
    let (_dir, bundle) = copy_of_example();
    std::os::unix::fs::symlink("/", bundle.join("root")).unwrap();
    assert_eq!(bundle::load(&bundle).unwrap(), example_collection());
}

#[test]
fn a_bundle_path_that_is_a_symlink_to_a_directory_loads() {
    let (dir, bundle) = copy_of_example();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    assert_eq!(bundle::load(&link).unwrap(), example_collection());
}

#[test]
fn a_fifo_is_not_opened_unless_named_and_refused_when_named() {
    let (_dir, bundle) = copy_of_example();
    nix::unistd::mkfifo(&bundle.join("pipe"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    assert_eq!(bundle::load(&bundle).unwrap(), example_collection());

    std::fs::remove_file(bundle.join("replica-error.log")).unwrap();
    nix::unistd::mkfifo(
        &bundle.join("replica-error.log"),
        nix::sys::stat::Mode::S_IRWXU,
    )
    .unwrap();
    let err = load_error(&bundle);
    assert!(
        err.ends_with("replica-error.log is a FIFO; a bundle holds regular files only"),
        "{err}"
    );
}

#[test]
fn a_symlinked_log_is_refused_and_its_target_never_read() {
    let (dir, bundle) = copy_of_example();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "root-password-hunter2\n").unwrap();
    std::fs::remove_file(bundle.join("replica-error.log")).unwrap();
    std::os::unix::fs::symlink(&secret, bundle.join("replica-error.log")).unwrap();
    let err = load_error(&bundle);
    assert!(
        err.ends_with("replica-error.log is a symbolic link; a bundle holds regular files only"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));
}

#[test]
fn a_hard_linked_member_is_refused() {
    let (dir, bundle) = copy_of_example();
    std::fs::hard_link(
        bundle.join("source-error.log"),
        dir.path().join("elsewhere"),
    )
    .unwrap();
    let err = load_error(&bundle);
    assert!(
        err.contains("source-error.log has other hard links"),
        "{err}"
    );
}

#[test]
fn a_named_member_that_is_a_directory_is_refused() {
    let (_dir, bundle) = copy_of_example();
    std::fs::remove_file(bundle.join("binlog-slice.bin")).unwrap();
    std::fs::create_dir(bundle.join("binlog-slice.bin")).unwrap();
    let err = load_error(&bundle);
    assert!(
        err.ends_with("binlog-slice.bin is a directory; a bundle holds regular files only"),
        "{err}"
    );
}

#[test]
fn a_huge_member_the_manifest_does_not_name_is_not_read() {
    let (_dir, bundle) = copy_of_example();
    sparse(&bundle.join("core.dump"), 64 << 30);
    assert_eq!(bundle::load(&bundle).unwrap(), example_collection());
}

#[test]
fn a_named_member_over_its_cap_is_refused_before_it_is_read() {
    let (_dir, bundle) = copy_of_example();
    sparse(&bundle.join("replica-error.log"), 8 << 30);
    let err = load_error(&bundle);
    assert!(
        err.ends_with(
            "replica-error.log is larger than 64 MiB, the most a bundle's replica-error.log may hold"
        ),
        "{err}"
    );
    let (_dir, bundle) = copy_of_example();
    sparse(&bundle.join("manifest.json"), 17 << 20);
    let err = load_error(&bundle);
    assert!(err.contains("manifest.json is larger than 16 MiB"), "{err}");
}

#[test]
fn members_adding_up_past_the_total_cap_are_refused() {
    let (_dir, bundle) = copy_of_example();
    edit_manifest(&bundle, |manifest| {
        let files = manifest["files"].as_array_mut().unwrap();
        let template = files[0].clone();
        for n in 0..6 {
            let mut entry = template.clone();
            entry["bundle_name"] = format!("extra-{n}.log").into();
            files.push(entry);
        }
    });
    for n in 0..6 {
        sparse(&bundle.join(format!("extra-{n}.log")), 60 << 20);
    }
    sparse(&bundle.join("captures.json"), 200 << 20);
    let err = load_error(&bundle);
    assert!(
        err.ends_with("its members add up to more than 512 MiB, the most a bundle may hold"),
        "{err}"
    );
}

#[test]
fn log_names_other_than_plain_file_names_are_refused() {
    for name in [
        "../secret",
        "/etc/passwd",
        "logs/replica.log",
        ".hidden",
        "",
        "a\\b",
        "captures.json",
        "source-error.log",
    ] {
        let (_dir, bundle) = copy_of_example();
        edit_manifest(&bundle, |manifest| {
            manifest["files"][0]["bundle_name"] = name.into();
        });
        let err = load_error(&bundle);
        assert!(err.contains("manifest.json names"), "{name}: {err}");
    }
}

#[test]
fn the_writer_refuses_bad_names_and_non_empty_directories() {
    let dir = tempfile::tempdir().unwrap();
    let mut collection = example_collection();
    collection.files[0].entry.bundle_name = "../escaped.log".into();
    let target = dir.path().join("out");
    let err = bundle::save(&collection, &target).unwrap_err().to_string();
    assert!(err.contains("not a plain file name"), "{err}");
    assert!(!target.exists() && !dir.path().join("escaped.log").exists());

    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), "mine").unwrap();
    let err = bundle::save(&example_collection(), &target)
        .unwrap_err()
        .to_string();
    assert!(err.contains("exists and is not empty"), "{err}");
}

/// One part of a hand-made `.tar.gz`.
enum Part {
    /// Tar bytes as they are (headers, small contents), padded to a 512-byte block.
    Bytes(Vec<u8>),
    /// This many MiB of zeros, compressed once and repeated: gigabytes in a few MB.
    ZeroMib(u64),
}

/// A gzip stream of the parts. Every part ends in a full flush, so the one compressed MiB of
/// zeros holds no reference to what came before it and can be repeated as it is. No trailer:
/// the reader must stop long before the end.
fn gzip(parts: &[Part]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut compress = Compress::new(Compression::best(), false);
    let mut deflate = |input: &[u8]| {
        let mut out = Vec::with_capacity(input.len() + 4096);
        compress
            .compress_vec(input, &mut out, FlushCompress::Full)
            .unwrap();
        assert!(
            out.len() < out.capacity(),
            "the output buffer was big enough"
        );
        out
    };
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let zero_mib = deflate(&vec![0; 1 << 20]);
    for part in parts {
        match part {
            Part::Bytes(bytes) => {
                let mut padded = bytes.clone();
                padded.resize(bytes.len().div_ceil(512) * 512, 0);
                out.extend(deflate(&padded));
            }
            Part::ZeroMib(mib) => {
                for _ in 0..*mib {
                    out.extend_from_slice(&zero_mib);
                }
            }
        }
    }
    out
}

fn tar_header(name: &str, size: u64, entry_type: tar::EntryType) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    // Written as bytes: `set_path` refuses the names a hostile archive holds.
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(entry_type);
    header.set_cksum();
    header.as_bytes().to_vec()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

#[test]
fn an_archive_of_unnamed_members_of_zeros_stops_at_the_total_cap() {
    let mut parts = vec![
        Part::Bytes(example_entry("manifest.json")),
        Part::Bytes(example_entry("captures.json")),
    ];
    for n in 0..8 {
        parts.push(Part::Bytes(tar_header(
            &format!("zeros-{n}"),
            500 << 20,
            tar::EntryType::Regular,
        )));
        parts.push(Part::ZeroMib(500));
    }
    let bomb = gzip(&parts);
    assert!(bomb.len() < 8 << 20, "{} bytes compressed", bomb.len());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bomb.tar.gz", &bomb);
    let err = load_error(&path);
    assert!(
        err.ends_with("decompresses to more than 512 MiB, the most a bundle may hold"),
        "{err}"
    );
}

#[test]
fn an_archive_member_over_its_cap_is_refused_by_its_header() {
    let bomb = gzip(&[
        Part::Bytes(example_entry("manifest.json")),
        Part::Bytes(tar_header(
            "captures.json",
            300 << 20,
            tar::EntryType::Regular,
        )),
        Part::ZeroMib(300),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let err = load_error(&write(dir.path(), "big.tar.gz", &bomb));
    assert!(
        err.contains("captures.json is larger than 256 MiB"),
        "{err}"
    );
}

/// A well-formed `.tar.gz` of these entries (headers and contents as given), with its end.
fn tar_gz(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for entry in entries {
        let mut padded = entry.clone();
        padded.resize(entry.len().div_ceil(512) * 512, 0);
        encoder.write_all(&padded).unwrap();
    }
    encoder.write_all(&[0; 1024]).unwrap();
    encoder.finish().unwrap()
}

fn entry(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut entry = tar_header(name, bytes.len() as u64, tar::EntryType::Regular);
    entry.extend_from_slice(bytes);
    entry
}

fn example_entry(name: &str) -> Vec<u8> {
    entry(name, &std::fs::read(example().join(name)).unwrap())
}

/// The example's entries, with `replica-error.log`'s replaced by `replica_log`.
fn example_archive_with(replica_log: Vec<u8>) -> Vec<u8> {
    tar_gz(&[
        example_entry("manifest.json"),
        example_entry("captures.json"),
        replica_log,
        example_entry("source-error.log"),
        example_entry("binlog-slice.bin"),
    ])
}

#[test]
fn an_archive_of_the_example_loads() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = example_archive_with(example_entry("replica-error.log"));
    let path = write(dir.path(), "example.tar.gz", &bytes);
    assert_eq!(bundle::load(&path).unwrap(), example_collection());
}

#[test]
fn archive_entries_that_are_not_regular_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for (entry_type, kind) in [
        (tar::EntryType::Symlink, "symbolic link"),
        (tar::EntryType::Link, "hard link"),
        (tar::EntryType::Fifo, "FIFO"),
        (tar::EntryType::Char, "device"),
        (tar::EntryType::Directory, "directory"),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_path("replica-error.log").unwrap();
        header.set_size(0);
        header.set_entry_type(entry_type);
        header.set_link_name("/etc/shadow").unwrap();
        header.set_cksum();
        let bytes = example_archive_with(header.as_bytes().to_vec());
        let err = load_error(&write(dir.path(), "links.tar.gz", &bytes));
        assert!(
            err.ends_with(&format!(
                "replica-error.log is a {kind} in the archive; a bundle holds regular files only"
            )),
            "{err}"
        );
    }
}

#[test]
fn an_archive_holding_a_member_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = tar_gz(&[
        example_entry("manifest.json"),
        example_entry("captures.json"),
        example_entry("replica-error.log"),
        example_entry("source-error.log"),
        example_entry("binlog-slice.bin"),
        entry("./captures.json", b"[]"),
    ]);
    let err = load_error(&write(dir.path(), "twice.tar.gz", &bytes));
    assert!(err.ends_with("holds captures.json more than once"), "{err}");
}

#[test]
fn archive_entries_with_other_paths_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = tar_gz(&[
        entry("../replica-error.log", b"outside"),
        entry("/replica-error.log", b"absolute"),
        entry("logs/replica-error.log", b"nested"),
        example_entry("captures.json"),
        // Repacked with `tar -C bundle .`: every name starts with ./ and the manifest is not
        // first.
        example_entry("./manifest.json"),
        example_entry("./replica-error.log"),
        example_entry("source-error.log"),
        example_entry("binlog-slice.bin"),
    ]);
    let loaded = bundle::load(&write(dir.path(), "paths.tar.gz", &bytes)).unwrap();
    assert_eq!(loaded, example_collection());
}

#[test]
fn a_fifo_given_as_the_bundle_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("incident.tar.gz");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let err = load_error(&fifo);
    assert!(
        err.ends_with("is a FIFO, not a directory or a .tar.gz file"),
        "{err}"
    );
}

#[test]
fn members_in_memory_load_as_on_disk() {
    let mut members = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(example()).unwrap() {
        let entry = entry.unwrap();
        members.insert(
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    assert_eq!(
        bundle::load_members("memory", &members).unwrap(),
        example_collection()
    );
    members.remove("source-error.log");
    let err = bundle::load_members("memory", &members)
        .unwrap_err()
        .to_string();
    assert_eq!(err, "bundle memory: has no source-error.log");
}
