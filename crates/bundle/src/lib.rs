//! Bundles on disk: writing a collection to a directory or a `.tar.gz`, and reading it back.
//!
//! The format itself (manifest, captures, files, slice) is `evidence::bundle`'s; this crate
//! holds the file and archive handling only.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use thiserror::Error;

use evidence::bundle::{
    Capture, CapturedFile, Collection, FORMAT_NAME, FORMAT_VERSION, Manifest, SLICE_FILE,
};

const MANIFEST_FILE: &str = "manifest.json";
const CAPTURES_FILE: &str = "captures.json";
/// No member of a bundle we write comes near this; a larger one is not ours.
const MAX_MEMBER_BYTES: u64 = 512 << 20;

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
    let members =
        members(collection).map_err(|err| error(path, format!("cannot encode: {err}")))?;
    if is_archive(path) {
        write_archive(path, &members)
    } else {
        write_directory(path, &members)
    }
}

/// Reads a bundle written by [`save`].
pub fn load(path: &Path) -> Result<Collection, BundleError> {
    let mut members = if path.is_dir() {
        read_directory(path)?
    } else {
        read_archive(path)?
    };
    let mut take = |name: &str| {
        members
            .remove(name)
            .ok_or_else(|| error(path, format!("has no {name}")))
    };
    let manifest: Manifest = serde_json::from_slice(&take(MANIFEST_FILE)?)
        .map_err(|err| error(path, format!("{MANIFEST_FILE} is not a manifest: {err}")))?;
    if manifest.format != FORMAT_NAME {
        return Err(error(
            path,
            format!("{MANIFEST_FILE} says format '{}'", manifest.format),
        ));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(error(
            path,
            format!(
                "format version {} is newer than this repldoctor reads ({FORMAT_VERSION})",
                manifest.format_version
            ),
        ));
    }
    let captures: Vec<Capture> = serde_json::from_slice(&take(CAPTURES_FILE)?)
        .map_err(|err| error(path, format!("{CAPTURES_FILE}: {err}")))?;
    let mut files = Vec::with_capacity(manifest.files.len());
    for entry in &manifest.files {
        let bytes = take(&entry.bundle_name)?;
        files.push(CapturedFile {
            entry: entry.clone(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    let binlog_slice = match &manifest.binlog_slice {
        Some(_) => Some(take(SLICE_FILE)?),
        None => None,
    };
    Ok(Collection {
        manifest,
        captures,
        files,
        binlog_slice,
    })
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
    for (name, bytes) in members {
        let file = path.join(name);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| error(path, format!("cannot create {}: {err}", parent.display())))?;
        }
        std::fs::write(&file, bytes)
            .map_err(|err| error(path, format!("writing {name}: {err}")))?;
    }
    Ok(())
}

fn write_archive(path: &Path, members: &[(String, Vec<u8>)]) -> Result<(), BundleError> {
    let file = std::fs::File::create(path).map_err(|err| error(path, err.to_string()))?;
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

fn read_directory(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let mut members = BTreeMap::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|err| error(path, err.to_string()))?;
        for entry in entries {
            let entry = entry.map_err(|err| error(path, err.to_string()))?;
            let file = entry.path();
            if file.is_dir() {
                pending.push(file);
                continue;
            }
            let Ok(name) = file.strip_prefix(path) else {
                continue;
            };
            let name = name.to_string_lossy().into_owned();
            let bytes = read_bounded(std::fs::File::open(&file), path, &name)?;
            members.insert(name, bytes);
        }
    }
    Ok(members)
}

fn read_bounded(
    file: std::io::Result<impl Read>,
    path: &Path,
    name: &str,
) -> Result<Vec<u8>, BundleError> {
    let mut bytes = Vec::new();
    file.and_then(|f| f.take(MAX_MEMBER_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|err| error(path, format!("reading {name}: {err}")))?;
    if bytes.len() as u64 > MAX_MEMBER_BYTES {
        return Err(error(
            path,
            format!("{name} is larger than {MAX_MEMBER_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

fn read_archive(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let file = std::fs::File::open(path).map_err(|err| error(path, err.to_string()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive
        .entries()
        .map_err(|err| error(path, format!("not a .tar.gz: {err}")))?;
    let mut members = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|err| error(path, format!("not a .tar.gz: {err}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map_err(|err| error(path, err.to_string()))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_owned();
        let bytes = read_bounded(Ok(entry), path, &name)?;
        members.insert(name, bytes);
    }
    Ok(members)
}
