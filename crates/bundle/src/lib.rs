//! Bundles on disk: writing a collection to a directory or a `.tar.gz`, and reading it back.
//!
//! The format itself (manifest, captures, files, slice) is `evidence::bundle`'s; this crate
//! holds the file and archive handling only.
//!
//! A bundle comes from someone else's machine, so it is read as an untrusted archive: only the
//! members the manifest names are read, by names of the form the writer produces; each must be
//! a regular file (no symbolic link, hard link, FIFO or device); each member and the whole
//! bundle have a size cap, and a `.tar.gz` is decompressed at most to the total cap, whatever
//! its members are called.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use thiserror::Error;

use evidence::bundle::{
    Capture, CapturedFile, Collection, FORMAT_NAME, FORMAT_VERSION, Manifest, SLICE_FILE,
};

const MANIFEST_FILE: &str = "manifest.json";
const CAPTURES_FILE: &str = "captures.json";

/// The most `manifest.json` may hold. A real one lists a few hundred statements: tens of KiB.
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// The most `captures.json` may hold: every statement's rows, up to `--max-rows` each.
pub const MAX_CAPTURES_BYTES: u64 = 256 << 20;
/// The most one log file may hold; `collect` keeps a log's last megabyte.
pub const MAX_LOG_BYTES: u64 = 64 << 20;
/// The most `binlog-slice.bin` may hold: `collect` keeps at most 64 MiB of events, plus the
/// magic and the FORMAT_DESCRIPTION before them.
pub const MAX_SLICE_BYTES: u64 = 65 << 20;
/// The most a whole bundle may hold: its members together, and everything a `.tar.gz`
/// decompresses to (named members or not).
pub const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// The longest member name read or written: a file name on every file system.
const MAX_NAME_BYTES: usize = 255;

/// A bundle that cannot be written or read. Names the path and what was wrong.
#[derive(Debug, Error)]
#[error("bundle {path}: {reason}")]
pub struct BundleError {
    pub path: String,
    pub reason: String,
}

fn error(path: &Path, reason: impl Into<String>) -> BundleError {
    BundleError {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// A size for an error message: `64 MiB`.
fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

/// Whether a path names a compressed archive rather than a directory.
pub fn is_archive(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// The bundle's members: name and bytes.
fn members(collection: &Collection) -> Result<Vec<(String, Vec<u8>)>, serde_json::Error> {
    let mut members = vec![
        (
            MANIFEST_FILE.to_owned(),
            serde_json::to_vec_pretty(&collection.manifest)?,
        ),
        (
            CAPTURES_FILE.to_owned(),
            serde_json::to_vec_pretty(&collection.captures)?,
        ),
    ];
    for file in &collection.files {
        members.push((
            file.entry.bundle_name.clone(),
            file.text.clone().into_bytes(),
        ));
    }
    if let Some(slice) = &collection.binlog_slice {
        members.push((SLICE_FILE.to_owned(), slice.clone()));
    }
    Ok(members)
}

/// Writes the bundle: a `.tar.gz` when the path ends so, else a new (or empty) directory.
pub fn save(collection: &Collection, path: &Path) -> Result<(), BundleError> {
    let names = collection
        .files
        .iter()
        .map(|f| f.entry.bundle_name.as_str());
    check_log_names(names).map_err(|reason| error(path, reason))?;
    let members =
        members(collection).map_err(|err| error(path, format!("cannot encode: {err}")))?;
    if is_archive(path) {
        write_archive(path, &members)
    } else {
        write_directory(path, &members)
    }
}

/// Reads a bundle written by [`save`]: a directory (or a symbolic link to one) or a `.tar.gz`.
pub fn load(path: &Path) -> Result<Collection, BundleError> {
    // The path itself is the user's to name, so it may be a symbolic link; nothing in it may.
    let metadata = std::fs::metadata(path).map_err(|err| error(path, err.to_string()))?;
    let result = if metadata.is_dir() {
        read_with(&mut Directory { path })
    } else if metadata.is_file() {
        let file = File::open(path).map_err(|err| error(path, err.to_string()))?;
        read_with(&mut Archive { file })
    } else {
        Err(format!(
            "is a {}, not a directory or a .tar.gz file",
            kind_of(metadata.file_type())
        ))
    };
    result.map_err(|reason| error(path, reason))
}

/// Reads a bundle whose members are already in memory, by name, as [`load`] reads one from
/// disk: the same names, caps and checks. `label` names the bundle in errors.
pub fn load_members(
    label: &str,
    members: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<Collection, BundleError> {
    read_with(&mut InMemory { members }).map_err(|reason| BundleError {
        path: label.to_owned(),
        reason,
    })
}

/// A member to read and the most it may hold.
#[derive(Debug, Clone, Copy)]
struct Wanted<'a> {
    name: &'a str,
    cap: u64,
}

/// Where a bundle's members are read from.
trait Members {
    /// The bytes of each wanted member, in order; an error names the member and what was wrong.
    fn read(&mut self, wanted: &[Wanted<'_>]) -> Result<Vec<Vec<u8>>, String>;
}

/// Reads the manifest first, then exactly the members it names.
fn read_with(source: &mut impl Members) -> Result<Collection, String> {
    let manifest_bytes = one(source.read(&[Wanted {
        name: MANIFEST_FILE,
        cap: MAX_MANIFEST_BYTES,
    }])?);
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|err| format!("{MANIFEST_FILE} is not a manifest: {err}"))?;
    if manifest.format != FORMAT_NAME {
        return Err(format!("{MANIFEST_FILE} says format '{}'", manifest.format));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(format!(
            "format version {} is newer than this repldoctor reads ({FORMAT_VERSION})",
            manifest.format_version
        ));
    }
    check_log_names(manifest.files.iter().map(|f| f.bundle_name.as_str()))?;
    // The manifest is read again with the rest, so that the bundle's members add up in one
    // place (and an archive holding two manifests is caught).
    let mut wanted = vec![
        Wanted {
            name: MANIFEST_FILE,
            cap: MAX_MANIFEST_BYTES,
        },
        Wanted {
            name: CAPTURES_FILE,
            cap: MAX_CAPTURES_BYTES,
        },
    ];
    wanted.extend(manifest.files.iter().map(|entry| Wanted {
        name: &entry.bundle_name,
        cap: MAX_LOG_BYTES,
    }));
    if manifest.binlog_slice.is_some() {
        wanted.push(Wanted {
            name: SLICE_FILE,
            cap: MAX_SLICE_BYTES,
        });
    }
    let mut members = source.read(&wanted)?.into_iter();
    if members.next().as_ref() != Some(&manifest_bytes) {
        return Err(format!("{MANIFEST_FILE} changed while the bundle was read"));
    }
    let captures: Vec<Capture> = serde_json::from_slice(&members.next().unwrap_or_default())
        .map_err(|err| format!("{CAPTURES_FILE}: {err}"))?;
    let files = manifest
        .files
        .iter()
        .zip(members.by_ref())
        .map(|(entry, bytes)| CapturedFile {
            entry: entry.clone(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
        .collect();
    let binlog_slice = members.next();
    Ok(Collection {
        manifest,
        captures,
        files,
        binlog_slice,
    })
}

fn one(mut members: Vec<Vec<u8>>) -> Vec<u8> {
    members.pop().unwrap_or_default()
}

/// The log files' names must be ones the writer produces: one plain file name each (letters,
/// digits, `.`, `_`, `-`, not starting with `.`), none twice, none another member's.
fn check_log_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for name in names {
        let plain = !name.is_empty()
            && name.len() <= MAX_NAME_BYTES
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !plain {
            return Err(format!(
                "{MANIFEST_FILE} names a log file {name:?}, which is not a plain file name"
            ));
        }
        if [MANIFEST_FILE, CAPTURES_FILE, SLICE_FILE].contains(&name) || !seen.insert(name) {
            return Err(format!(
                "{MANIFEST_FILE} names {name} as a log file more than once or as another member"
            ));
        }
    }
    Ok(())
}

/// What a file is, for an error that refuses it.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_symlink() {
        "symbolic link"
    } else if file_type.is_dir() {
        "directory"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "device"
    } else {
        "regular file"
    }
}

fn too_large(name: &str, cap: u64) -> String {
    format!(
        "{name} is larger than {}, the most a bundle's {name} may hold",
        mib(cap)
    )
}

fn too_large_in_all() -> String {
    format!(
        "its members add up to more than {}, the most a bundle may hold",
        mib(MAX_TOTAL_BYTES)
    )
}

/// Reads at most `cap` bytes; more is an error naming the member.
fn read_capped(reader: impl Read, name: &str, cap: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("reading {name}: {err}"))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(name, cap));
    }
    Ok(bytes)
}

/// A bundle directory. Its members are opened without following symbolic links and must be
/// regular files with no other hard link (a hard link could name a file its owner may not read).
struct Directory<'a> {
    path: &'a Path,
}

impl Members for Directory<'_> {
    fn read(&mut self, wanted: &[Wanted<'_>]) -> Result<Vec<Vec<u8>>, String> {
        // Every member is opened and sized before any is read, so that an oversized bundle is
        // refused without reading it.
        let mut opened = Vec::with_capacity(wanted.len());
        let mut total = 0u64;
        for member in wanted {
            let (file, size) = self.open(member.name)?;
            if size > member.cap {
                return Err(too_large(member.name, member.cap));
            }
            total += size;
            if total > MAX_TOTAL_BYTES {
                return Err(too_large_in_all());
            }
            opened.push(file);
        }
        let mut total = 0u64;
        let mut members = Vec::with_capacity(wanted.len());
        for (member, file) in wanted.iter().zip(opened) {
            // A file that grew since it was sized is still read within both caps.
            let bytes = read_capped(file, member.name, member.cap)?;
            total += bytes.len() as u64;
            if total > MAX_TOTAL_BYTES {
                return Err(too_large_in_all());
            }
            members.push(bytes);
        }
        Ok(members)
    }
}

impl Directory<'_> {
    fn open(&self, name: &str) -> Result<(File, u64), String> {
        let file = self.path.join(name);
        let opened = File::options()
            .read(true)
            // No symbolic link is followed, and a FIFO does not block the open.
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(&file);
        let refused = |file_type| {
            format!(
                "{name} is a {}; a bundle holds regular files only",
                kind_of(file_type)
            )
        };
        let opened = match opened {
            Ok(opened) => opened,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("has no {name}"));
            }
            Err(err) => {
                return Err(match std::fs::symlink_metadata(&file) {
                    Ok(metadata) if !metadata.is_file() => refused(metadata.file_type()),
                    _ => format!("cannot open {name}: {err}"),
                });
            }
        };
        let metadata = opened
            .metadata()
            .map_err(|err| format!("cannot read {name}: {err}"))?;
        if !metadata.is_file() {
            return Err(refused(metadata.file_type()));
        }
        if metadata.nlink() > 1 {
            return Err(format!(
                "{name} has other hard links; a bundle holds files of its own only (copy the \
                 bundle to read it)"
            ));
        }
        Ok((opened, metadata.len()))
    }
}

/// A `.tar.gz` bundle. Its entries are read in one pass per call, decompressing at most
/// [`MAX_TOTAL_BYTES`]; entries not wanted are skipped unread (their bytes still count).
struct Archive {
    file: File,
}

impl Members for Archive {
    fn read(&mut self, wanted: &[Wanted<'_>]) -> Result<Vec<Vec<u8>>, String> {
        self.file
            .rewind()
            .map_err(|err| format!("cannot read: {err}"))?;
        let decompressed = std::rc::Rc::new(std::cell::Cell::new(0));
        let stream = Capped {
            inner: flate2::read::GzDecoder::new(std::io::BufReader::new(&self.file)),
            read: decompressed.clone(),
        };
        // Why a tar error happened: past the cap it is the cap, whatever tar made of it.
        let failed = |err: std::io::Error| {
            if decompressed.get() > MAX_TOTAL_BYTES {
                format!(
                    "decompresses to more than {}, the most a bundle may hold",
                    mib(MAX_TOTAL_BYTES)
                )
            } else {
                format!("not a .tar.gz: {err}")
            }
        };
        let mut archive = tar::Archive::new(stream);
        let mut members: Vec<Option<Vec<u8>>> = vec![None; wanted.len()];
        // The manifest alone is usually the archive's first entry: no need to read on.
        let stop_when_found = wanted.len() == 1;
        for entry in archive.entries().map_err(failed)? {
            let entry = entry.map_err(failed)?;
            let path = entry.path_bytes();
            let name = path.strip_prefix(b"./").unwrap_or(&path);
            let Some(index) = wanted.iter().position(|w| w.name.as_bytes() == name) else {
                continue;
            };
            let member = wanted[index];
            if members[index].is_some() {
                return Err(format!("holds {} more than once", member.name));
            }
            let entry_type = entry.header().entry_type();
            if !entry_type.is_file() {
                return Err(format!(
                    "{} is a {} in the archive; a bundle holds regular files only",
                    member.name,
                    tar_kind(entry_type)
                ));
            }
            let size = entry.header().size().map_err(failed)?;
            if size > member.cap {
                return Err(too_large(member.name, member.cap));
            }
            members[index] = Some(read_capped(entry, member.name, member.cap).map_err(|err| {
                if decompressed.get() > MAX_TOTAL_BYTES {
                    failed(std::io::Error::other(err))
                } else {
                    err
                }
            })?);
            if stop_when_found {
                break;
            }
        }
        wanted
            .iter()
            .zip(members)
            .map(|(member, bytes)| bytes.ok_or_else(|| format!("has no {}", member.name)))
            .collect()
    }
}

fn tar_kind(entry_type: tar::EntryType) -> &'static str {
    match entry_type {
        tar::EntryType::Symlink => "symbolic link",
        tar::EntryType::Link => "hard link",
        tar::EntryType::Directory => "directory",
        tar::EntryType::Fifo => "FIFO",
        tar::EntryType::Char | tar::EntryType::Block => "device",
        _ => "special entry",
    }
}

/// A reader that fails once more than [`MAX_TOTAL_BYTES`] came through it, counting in a cell
/// the archive's caller can still see.
struct Capped<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.read.get();
        if read > MAX_TOTAL_BYTES {
            return Err(std::io::Error::other("decompressed past the cap"));
        }
        // One byte past the cap is read, to tell "exactly the cap" from "more".
        let room = (MAX_TOTAL_BYTES + 1 - read).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.read.set(read + n as u64);
        if read + n as u64 > MAX_TOTAL_BYTES {
            return Err(std::io::Error::other("decompressed past the cap"));
        }
        Ok(n)
    }
}

/// Members given in memory ([`load_members`]), under the same caps as on disk.
struct InMemory<'a> {
    members: &'a std::collections::BTreeMap<String, Vec<u8>>,
}

impl Members for InMemory<'_> {
    fn read(&mut self, wanted: &[Wanted<'_>]) -> Result<Vec<Vec<u8>>, String> {
        let mut total = 0u64;
        wanted
            .iter()
            .map(|member| {
                let bytes = self
                    .members
                    .get(member.name)
                    .ok_or_else(|| format!("has no {}", member.name))?;
                let size = bytes.len() as u64;
                if size > member.cap {
                    return Err(too_large(member.name, member.cap));
                }
                total += size;
                if total > MAX_TOTAL_BYTES {
                    return Err(too_large_in_all());
                }
                Ok(bytes.clone())
            })
            .collect()
    }
}

fn write_directory(path: &Path, members: &[(String, Vec<u8>)]) -> Result<(), BundleError> {
    if path.exists() {
        let mut entries = std::fs::read_dir(path)
            .map_err(|err| error(path, format!("exists and cannot be read: {err}")))?;
        if entries.next().is_some() {
            return Err(error(
                path,
                "exists and is not empty; give a new directory or a .tar.gz file",
            ));
        }
    }
    std::fs::create_dir_all(path).map_err(|err| error(path, format!("cannot create: {err}")))?;
    for (name, bytes) in members {
        // Names are plain file names (checked); a member never replaces a file already there.
        File::options()
            .write(true)
            .create_new(true)
            .open(path.join(name))
            .and_then(|mut file| file.write_all(bytes))
            .map_err(|err| error(path, format!("writing {name}: {err}")))?;
    }
    Ok(())
}

fn write_archive(path: &Path, members: &[(String, Vec<u8>)]) -> Result<(), BundleError> {
    let file = File::create(path).map_err(|err| error(path, err.to_string()))?;
    let encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut archive = tar::Builder::new(encoder);
    let now = jiff::Timestamp::now().as_second().max(0) as u64;
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(now);
        archive
            .append_data(&mut header, name, bytes.as_slice())
            .map_err(|err| error(path, format!("writing {name}: {err}")))?;
    }
    let encoder = archive
        .into_inner()
        .map_err(|err| error(path, err.to_string()))?;
    encoder
        .finish()
        .and_then(|mut file| file.flush())
        .map_err(|err| error(path, err.to_string()))
}
