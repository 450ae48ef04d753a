/// Writes a small file (JSON, HTML) so that it appears complete or not at all: the bytes go to
/// `<path>.partial`, which is renamed to `path` once written (and fsynced first with `sync`).
///
/// - Parameters:
///   - data: the whole content.
///   - path: the final file name; its directory must exist. An existing file is replaced.
///   - relativePath: the name relative to the run directory, for the manifest.
/// - Returns: the manifest entry: `relativePath`, SHA-256 and size (no dtype or shape).
/// - Throws: `PathFilesError` naming the file; no partial file is left behind.
public func writeFileAtomically(
  _ data: [UInt8], path: String, relativePath: String, sync: Bool = false
) throws(PathFilesError) -> FileRecord {
  let file = try PartialFile(path: path)
  do throws(PathFilesError) {
    try file.write(data, at: 0)
    let (digest, bytes) = try file.commit(sync: sync)
    return FileRecord(path: relativePath, sha256: digest, bytes: bytes)
  } catch {
    file.abandon()
    throw error
  }
}
