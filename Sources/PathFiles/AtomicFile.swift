/// Writes a small file (JSON, HTML) so that it appears complete or not at all: the bytes go to
/// `<path>.<run>.partial` (see `PartialFile`), which is renamed to `path` once written (and
/// fsynced first with `sync`).
///
/// - Parameters:
///   - data: the whole content.
///   - path: the final file name; its directory must exist. An existing regular file is
///     replaced; a symbolic link or anything else that is not a regular file is not.
///   - relativePath: the name relative to the run directory, for the manifest.
/// - Returns: the manifest entry: `relativePath`, SHA-256 and size (no dtype or shape).
/// - Throws: `PathFilesError` naming the file; no partial file is left behind.
public func writeFileAtomically(
  _ data: [UInt8], path: String, relativePath: String, sync: Bool = false
) throws(PathFilesError) -> FileRecord {
  try writeAtomically(
    data, into: try PartialFile(path: path), relativePath: relativePath, sync: sync)
}

/// Writes small files that belong together (a report's JSON and HTML) so that the earlier ones
/// stay unless all of them could be written: every file is written in full to its
/// `<path>.<run>.partial` first, and only then renamed, in order. A failure before the renames
/// (a folder that cannot be written, a full disk) leaves every earlier file as it was; only a
/// rename failing after another succeeded (something at the name that may not be replaced)
/// leaves the files mixed.
///
/// - Parameter files: each file's whole content and final path (its directory must exist).
/// - Throws: `PathFilesError` naming the file; no partial file is left behind.
public func writeFilesAtomically(_ files: [(data: [UInt8], path: String)]) throws(PathFilesError) {
  var partials: [PartialFile] = []
  do throws(PathFilesError) {
    for file in files {
      let partial = try PartialFile(path: file.path)
      partials.append(partial)
      try partial.write(file.data, at: 0)
    }
    for partial in partials { _ = try partial.commit(sync: false) }
  } catch {
    for partial in partials { partial.abandon() }
    throw error
  }
}

/// Writes a small file inside an output folder so that it appears complete or not at all; the
/// file never replaces anything (see `OutputFolder`).
///
/// - Parameters:
///   - data: the whole content.
///   - folder: the run's output folder; a file one folder deep needs its subfolder made by
///     `folder.makeSubfolder` first.
///   - relativePath: the name relative to the folder, checked by `folderPathComponents`, and
///     recorded in the `FileRecord`.
///   - sync: whether to flush the file to disk before it takes its name.
/// - Returns: the manifest entry: `relativePath`, SHA-256 and size (no dtype or shape).
/// - Throws: `PathFilesError` naming the file; no partial file is left behind.
public func writeFileAtomically(
  _ data: [UInt8], in folder: OutputFolder, relativePath: String, sync: Bool = false
) throws(PathFilesError) -> FileRecord {
  try writeAtomically(
    data, into: try folder.partialFile(relativePath), relativePath: relativePath, sync: sync)
}

private func writeAtomically(
  _ data: [UInt8], into file: PartialFile, relativePath: String, sync: Bool
) throws(PathFilesError) -> FileRecord {
  do throws(PathFilesError) {
    try file.write(data, at: 0)
    let (digest, bytes) = try file.commit(sync: sync)
    return FileRecord(path: relativePath, sha256: digest, bytes: bytes)
  } catch {
    file.abandon()
    throw error
  }
}
