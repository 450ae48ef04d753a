import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written under a temporary name, `<path>.partial`, that takes its final name only once
/// it is complete (DESIGN invariant 5: nothing half-written looks finished), and, when asked,
/// once it is on disk.
///
/// Writes are positional (`pwrite(2)`), so any number of threads may write disjoint ranges at
/// once; the descriptor is the only state they share. `commit()` and `abandon()` must be called
/// after every write has returned; each happens at most once, and `abandon()` after `commit()`
/// does nothing.
final class PartialFile: @unchecked Sendable {
  /// The final name, taken by `commit()`.
  let path: String
  /// The name while the file is being written: `path + ".partial"`.
  let partialPath: String
  private let descriptor: Int32
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var state = State.open

  private enum State { case open, committed, abandoned }

  /// Creates (or truncates) `<path>.partial` for reading and writing, mode 0644 before umask.
  init(path: String) throws(PathFilesError) {
    self.path = path
    self.partialPath = path + ".partial"
    let descriptor = open(partialPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .cannotCreate(path: partialPath, errno: errno) }
    self.descriptor = descriptor
  }

  deinit { abandon() }

  /// Writes all of `bytes` at byte `offset`, retrying short writes and `EINTR`.
  func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(PathFilesError) {
    try writeFully(descriptor, bytes, at: offset, path: partialPath)
  }

  /// Writes all of `bytes` at byte `offset`.
  func write(_ bytes: [UInt8], at offset: Int) throws(PathFilesError) {
    // `withUnsafeBytes` rethrows untyped errors; carry the typed one out in a `Result`.
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in try write(raw, at: offset) }
    }
    try result.get()
  }

  /// Sets the file's length (`ftruncate(2)`); the bytes not yet written read as zeros.
  func resize(to length: Int) throws(PathFilesError) {
    while ftruncate(descriptor, off_t(length)) != 0 {
      guard errno == EINTR else { throw .cannotWrite(path: partialPath, errno: errno) }
    }
  }

  /// Hashes the file, closes it and renames it to `path`; with `sync`, first flushes it to disk
  /// (`fsync(2)`) and afterwards the directory, so that the file survives an operating-system
  /// crash. Without `sync` the file is complete for every reader once renamed, but may sit in
  /// the page cache for a while.
  ///
  /// - Returns: the SHA-256 (lowercase hex) and size in bytes of the finished file.
  func commit(sync: Bool) throws(PathFilesError) -> (sha256: String, bytes: Int) {
    lock.lock()
    defer { lock.unlock() }
    precondition(state == .open, "\(partialPath) was already committed or abandoned")
    if sync {
      guard fsync(descriptor) == 0 else { throw .cannotSync(path: partialPath, errno: errno) }
    }
    let (digest, bytes) = try sha256Hex(descriptor: descriptor, path: partialPath)
    state = .committed
    let closed = close(descriptor)
    let closeError = errno
    // The descriptor is released even when close reports an error; only the file remains.
    guard closed == 0 else {
      unlink(partialPath)
      throw .cannotSync(path: partialPath, errno: closeError)
    }
    guard rename(partialPath, path) == 0 else {
      let renameError = errno
      unlink(partialPath)
      throw .cannotRename(from: partialPath, to: path, errno: renameError)
    }
    if sync { syncDirectory(containing: path) }
    return (digest, bytes)
  }

  /// Closes the descriptor and removes `<path>.partial`. Idempotent; safe after any error.
  func abandon() {
    lock.lock()
    defer { lock.unlock() }
    guard state == .open else { return }
    state = .abandoned
    close(descriptor)
    unlink(partialPath)
  }
}

/// Writes all of `bytes` to `descriptor` at byte `offset` with `pwrite(2)`, retrying short
/// writes and `EINTR`; a failure (`ENOSPC`, `EIO`, …) names `path`.
func writeFully(
  _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String
) throws(PathFilesError) {
  var done = 0
  while done < bytes.count {
    let written = pwrite(
      descriptor, bytes.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset + done))
    if written > 0 {
      done += written
    } else if written < 0 && errno == EINTR {
      continue
    } else {
      // A zero-byte write of a non-empty buffer makes no progress: report it as ENOSPC, as
      // POSIX suggests for a device that is full.
      throw .cannotWrite(path: path, errno: written < 0 ? errno : ENOSPC)
    }
  }
}

/// Makes a rename in `path`'s directory durable (`fsync(2)` of the directory). Best effort: some
/// file systems refuse to sync directories, and the file itself is already on disk.
func syncDirectory(containing path: String) {
  let directory: String
  if let slash = path.lastIndex(of: "/") {
    directory = slash == path.startIndex ? "/" : String(path[..<slash])
  } else {
    directory = "."
  }
  let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { return }
  fsync(descriptor)
  close(descriptor)
}
