//! Publishing a run (SPEC 4.2, 4.4): where its outputs go, checked before anything is read,
//! and how they appear there, whole.
//!
//! At the start, `--out` (and the `--junit` file) are checked: `--out` must be able to be a
//! directory, and no output of the run may replace or remove an input. Then one staging
//! directory `.cpbatch-XXXXXXXXXX` is made in `--out` (and one beside the `--junit` file),
//! and every report of the run is written inside it, mirroring the final layout. The commit
//! renames them into place under an flock on `--out`, as one journal that also removes the
//! reports of an earlier run that this run did not write; a step that fails undoes the
//! steps before it. A run that ends before its commit (exit 2, a signal) removes its staging
//! directory, and `--out` too if it made it.

pub mod journal;
mod live;
mod names;
mod staging;

use std::fs::File;
use std::path::{Path, PathBuf};

pub use live::clean_up_on_signals;
pub use names::{distinct, folders, safe_stem};
pub use staging::{Staging, TEMP_PREFIX, create_new};

use crate::Config;
use crate::error::FileError;
use crate::report::Destination;
use journal::Step;
use names::{Identity, identity, link_identity};

/// Every report file of one batch (SPEC 4.2): the names by which cpbatch knows its files.
pub const REPORT_NAMES: [&str; 8] = [
    "accepted.csv",
    "rejected.csv",
    "transfers.csv",
    "findings.csv",
    "summary.json",
    "accepted.xlsx",
    "rejected.xlsx",
    "transfers.xlsx",
];
/// The file a run of several batches adds (SPEC 5.1).
pub const RUN_SUMMARY: &str = "run-summary.json";
/// The files of `cpbatch watch` (SPEC 7). A run of either command into a directory leaves
/// there only its own reports: it knows the other's too.
pub const WATCH_NAMES: [&str; 5] = [
    "proposed.csv",
    "proposed.xlsx",
    "review.csv",
    "review.xlsx",
    "watch-summary.json",
];

/// Every name a run may write, or remove, at the top of `--out`.
fn top_names() -> impl Iterator<Item = &'static str> {
    REPORT_NAMES
        .into_iter()
        .chain([RUN_SUMMARY])
        .chain(WATCH_NAMES)
}

/// The outputs of a run: staged, then committed whole, or dropped without a trace.
pub struct Publisher {
    out: Option<Out>,
    junit: Option<(PathBuf, Staging)>,
    /// Directories made for the run, parents first: removed unless the run commits.
    created: Vec<PathBuf>,
}

struct Out {
    dir: PathBuf,
    staging: Staging,
    /// The folders this run writes reports into (several batches).
    folders: Vec<String>,
}

/// An input of the run, which no output may replace.
struct Input {
    id: Identity,
    what: &'static str,
    path: PathBuf,
}

impl Publisher {
    /// Checks where the run's outputs go, before any input is read; `folders` are the report
    /// folders of the batches when there are several (empty for one batch).
    pub fn start(config: &Config, folders: &[String]) -> Result<Publisher, FileError> {
        let inputs = inputs(config);
        if let Some(junit) = &config.junit {
            check_junit(junit, &inputs)?;
        }
        let mut publisher = Publisher {
            out: None,
            junit: None,
            created: Vec::new(),
        };
        if let Some(dir) = &config.out {
            check_out(dir, config, folders, &inputs)?;
            publisher.make_dirs(dir)?;
            let staging = staging_in(dir)?;
            publisher.out = Some(Out {
                dir: dir.clone(),
                staging,
                folders: Vec::new(),
            });
        }
        if let Some(junit) = &config.junit {
            let parent = parent_of(junit);
            publisher.make_dirs(&parent)?;
            publisher.junit = Some((junit.clone(), staging_in(&parent)?));
        }
        Ok(publisher)
    }

    /// The staging directory for `--out`, the staged folder and the final folder of a
    /// batch's reports (`folder` `None` with one batch); `None` without `--out`.
    pub fn reports(&mut self, folder: Option<&str>) -> Option<Destination<'_>> {
        let out = self.out.as_mut()?;
        let (staged, dir) = match folder {
            Some(folder) => {
                out.folders.push(folder.to_string());
                (PathBuf::from(folder), out.dir.join(folder))
            }
            None => (PathBuf::new(), out.dir.clone()),
        };
        Some(Destination {
            staging: &mut out.staging,
            staged,
            dir,
        })
    }

    /// The staging directory beside the `--junit` file, and that file.
    pub fn junit(&mut self) -> Option<(&mut Staging, &Path)> {
        self.junit
            .as_mut()
            .map(|(path, staging)| (staging, path.as_path()))
    }

    /// Puts every staged file in place and removes the earlier run's reports that this run
    /// did not write, all or nothing.
    pub fn commit(mut self) -> Result<(), FileError> {
        let _locked = match &self.out {
            Some(out) => Some(lock_dir(&out.dir)?),
            None => None,
        };
        let out_steps = self.out.as_ref().map(out_steps).unwrap_or_default();
        let junit_steps: Vec<Step> = self.junit.iter().flat_map(|(_, s)| place(s)).collect();
        // Hidden, so that no batch folder staged beside it can have its name.
        let keep_out = self.out.as_ref().map(|o| o.staging.path().join(".old"));
        let keep_junit = self.junit.as_ref().map(|(_, s)| s.path().join(".old"));
        let mut groups: Vec<(&[Step], &Path)> = Vec::new();
        for (steps, keep) in [(&out_steps, &keep_out), (&junit_steps, &keep_junit)] {
            if let Some(keep) = keep {
                live::making(|| std::fs::create_dir(keep))
                    .map_err(|e| crate::report::output_error(keep, &e))?;
                groups.push((steps, keep));
            }
        }
        // A signal waits for the commit: what a reader sees is the old run or this one.
        let mut live = live::lock();
        let done = journal::run(&groups);
        if done.is_ok() {
            live.forget_created(&self.created);
            self.created.clear();
        }
        drop(live);
        if let Some(out) = &self.out
            && let Ok(dir) = File::open(&out.dir)
        {
            let _ = dir.sync_all();
        }
        done.map_err(|failure| {
            let reason = if failure.path.is_dir() {
                "a directory of that name is in the way".to_string()
            } else {
                failure.error.to_string()
            };
            FileError::Output {
                path: failure.path.display().to_string(),
                reason: if failure.undone {
                    format!("{reason}; no report was replaced")
                } else {
                    format!("{reason}; putting the earlier reports back failed too")
                },
            }
        })
    }

    /// Makes `dir` and its missing parents, remembering each one made.
    fn make_dirs(&mut self, dir: &Path) -> Result<(), FileError> {
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && std::fs::symlink_metadata(a).is_err())
            .collect();
        for made in missing.into_iter().rev() {
            let mut live = live::lock();
            std::fs::create_dir(made).map_err(|e| crate::report::output_error(made, &e))?;
            live.add_created(made);
            self.created.push(made.to_path_buf());
        }
        Ok(())
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // Staging directories first: a directory made for the run is then empty again.
        self.out = None;
        self.junit = None;
        let mut live = live::lock();
        live.forget_created(&self.created);
        for dir in self.created.drain(..).rev() {
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

/// The directory a file is in (`.` for a bare name).
pub fn parent_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An flock on a directory, held while it lives: runs into one `--out` take turns to
/// clean up and to commit.
pub fn lock_dir(dir: &Path) -> Result<File, FileError> {
    let file = File::open(dir).map_err(|e| crate::report::output_error(dir, &e))?;
    file.lock()
        .map_err(|e| crate::report::output_error(dir, &e))?;
    Ok(file)
}

/// A staging directory in `dir`, made under the directory's lock after removing what
/// killed runs left there.
pub fn staging_in(dir: &Path) -> Result<Staging, FileError> {
    let _locked = lock_dir(dir)?;
    let leftovers: Vec<&str> = top_names().collect();
    staging::remove_leftovers(dir, &leftovers);
    Staging::new_in(dir)
}

/// Writes one file whole: staged beside it, then renamed into place (its directory is made
/// if needed, and stays).
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let dir = parent_of(path);
    std::fs::create_dir_all(&dir).map_err(|e| crate::report::output_error(&dir, &e))?;
    let mut staging = staging_in(&dir)?;
    staging.write(Path::new("file"), path, write)?;
    let keep = staging.path().join(".old");
    live::making(|| std::fs::create_dir(&keep))
        .map_err(|e| crate::report::output_error(&keep, &e))?;
    let steps = place(&staging);
    let live = live::lock();
    let done = journal::run(&[(&steps, &keep)]);
    drop(live);
    done.map_err(|failure| crate::report::output_error(path, &failure.error))
}

/// Steps that put a staging directory's files in place.
fn place(staging: &Staging) -> Vec<Step> {
    staging
        .files()
        .iter()
        .map(|(from, to)| Step::Place {
            from: from.clone(),
            to: to.clone(),
        })
        .collect()
}

/// The commit of `--out`: this run's folders and files, then the earlier run's reports that
/// this run did not write taken away, and its folders once empty.
fn out_steps(out: &Out) -> Vec<Step> {
    let earlier = earlier_folders(&out.dir);
    let mut steps: Vec<Step> = out
        .folders
        .iter()
        .map(|f| Step::Folder(out.dir.join(f)))
        .collect();
    steps.extend(place(&out.staging));
    let written: Vec<&PathBuf> = out.staging.files().iter().map(|(_, to)| to).collect();
    let mut stale = |path: PathBuf| {
        if !written.contains(&&path) {
            steps.push(Step::Remove(path));
        }
    };
    for name in top_names() {
        stale(out.dir.join(name));
    }
    for folder in earlier.iter().chain(&out.folders) {
        for name in REPORT_NAMES {
            stale(out.dir.join(folder).join(name));
        }
    }
    for folder in earlier.iter().filter(|f| !out.folders.contains(f)) {
        steps.push(Step::FolderIfEmpty(out.dir.join(folder)));
    }
    steps
}

/// The batch folders an earlier run of several batches wrote, as its `run-summary.json`
/// lists them: plain names of real directories only, so no file can point a removal
/// outside `--out`.
fn earlier_folders(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join(RUN_SUMMARY)) else {
        return Vec::new();
    };
    let Ok(summary) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let mut folders: Vec<String> = summary["batches"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|batch| batch["stem"].as_str())
        .filter(|stem| names::is_folder_name(stem))
        .filter(|stem| journal::is_real_dir(&dir.join(stem)))
        .map(str::to_string)
        .collect();
    folders.sort();
    folders.dedup();
    folders
}

/// The batches and the snapshot of the run.
fn inputs(config: &Config) -> Vec<Input> {
    let batches = config.batches.iter().map(|b| ("batch file", b));
    let evs = config.evs.iter().map(|e| ("EVS snapshot", e));
    batches
        .chain(evs)
        .filter_map(|(what, path)| {
            identity(path).map(|id| Input {
                id,
                what,
                path: path.clone(),
            })
        })
        .collect()
}

/// The input that `path` is, if any: the file at `path`, or the symlink there.
fn input_at<'a>(path: &Path, inputs: &'a [Input]) -> Option<&'a Input> {
    let ids = [identity(path), link_identity(path)];
    inputs.iter().find(|input| ids.contains(&Some(input.id)))
}

fn check_junit(junit: &Path, inputs: &[Input]) -> Result<(), FileError> {
    if junit.is_dir() {
        return Err(FileError::Output {
            path: junit.display().to_string(),
            reason: "it is a directory: name a file for the JUnit report (--junit)".into(),
        });
    }
    match input_at(junit, inputs) {
        Some(input) => Err(FileError::Usage(format!(
            "--junit {} is the {} {}: name another file for the JUnit report",
            junit.display(),
            input.what,
            input.path.display()
        ))),
        None => Ok(()),
    }
}

/// `--out` must be a directory, or nothing yet; no path the run may replace or remove may
/// be an input, nor the `--junit` file; a batch's folder must be a directory, or nothing.
fn check_out(
    dir: &Path,
    config: &Config,
    folders: &[String],
    inputs: &[Input],
) -> Result<(), FileError> {
    let usage = |text: String| Err(FileError::Usage(format!("--out {} {text}", dir.display())));
    let exists = match (std::fs::symlink_metadata(dir), std::fs::metadata(dir)) {
        (Err(_), _) => false,
        (Ok(_), Ok(meta)) if meta.is_dir() => true,
        (Ok(link), Err(_)) if link.is_symlink() => {
            return usage("is a symbolic link to nothing: name a directory for the reports".into());
        }
        _ => return usage("is a file, not a directory: name a directory for the reports".into()),
    };
    let mut touched: Vec<PathBuf> = top_names().map(|name| dir.join(name)).collect();
    for folder in earlier_folders(dir).iter().chain(folders) {
        touched.extend(REPORT_NAMES.iter().map(|name| dir.join(folder).join(name)));
    }
    if let Some(junit) = &config.junit
        && touched.iter().any(|path| same_place(path, junit, exists))
    {
        return Err(FileError::Usage(format!(
            "--junit {} is a report of --out {}: name another file for the JUnit report",
            junit.display(),
            dir.display()
        )));
    }
    for path in touched.iter().filter(|_| exists) {
        if let Some(input) = input_at(path, inputs) {
            return usage(format!(
                "would replace the {} {} with a report of the same name: choose another --out directory",
                input.what,
                input.path.display()
            ));
        }
    }
    for (folder, batch) in folders.iter().zip(&config.batches) {
        let path = dir.join(folder);
        if std::fs::symlink_metadata(&path).is_ok() && !journal::is_real_dir(&path) {
            return usage(format!(
                "holds {folder}, which is not a directory: the reports of {} go into a folder of that name",
                batch.display()
            ));
        }
    }
    Ok(())
}

/// Two paths that name the same entry: the same file name in the same directory (compared
/// as written while the directory is not there yet).
fn same_place(a: &Path, b: &Path, exists: bool) -> bool {
    let real = |p: &Path| {
        let parent = parent_of(p);
        let parent = if exists {
            parent.canonicalize().ok()?
        } else {
            parent.components().collect()
        };
        Some(parent.join(p.file_name()?))
    };
    matches!((real(a), real(b)), (Some(a), Some(b)) if a == b)
}
