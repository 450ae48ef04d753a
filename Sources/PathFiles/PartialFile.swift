import CSystemCalls
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written under a temporary name, `<name>.<run>.partial`, that takes its final name only
/// once it is complete (DESIGN invariant 5: nothing half-written looks finished), and, when asked,
/// once it is on disk.
///
/// `<run>` is the writing process's id and a random number (`12345-9f3a0c1e`), so two runs, or
/// two writers, never share a temporary file. The temporary file is created with `O_EXCL` and
/// `O_NOFOLLOW` inside an open directory (`openat(2)`): it is always a new regular file, never a
/// file or symbolic link that was already there. `commit` publishes it without replacing
/// anything that is not a regular file (and, for an output folder's files, without replacing
/// anything at all: the folder was cleared of earlier runs' files before the run began).
///
/// Writes are positional (`pwrite(2)`), so any number of threads may write disjoint ranges at
/// once; the descriptor is the only state they share. `commit()` and `abandon()` must be called
/// after every write has returned; each happens at most once, and `abandon()` after `commit()`
/// does nothing.
final class PartialFile: @unchecked Sendable {
  /// What `commit` may replace at the final name.
  enum Replacing {
    /// Nothing: an existing entry makes `commit` fail (the output folder's files).
    case nothing
    /// A regular file (never a symbolic link, folder or other special file).
    case regularFile
  }

  /// The final path, for messages: the directory's path and the final name.
  let path: String
  /// The temporary path while the file is being written, for messages.
  let partialPath: String
  /// The directory holding both names.
  private let directory: DirectoryHandle
  private let name: String
  private let partialName: String
  private let replacing: Replacing
  private let descriptor: Int32
  /// Told the final name once the file has taken it (the output folder's record of its files).
  private let onCommit: (@Sendable () -> Void)?
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var state = State.open

  private enum State { case open, committed, abandoned }

  /// Creates `<name>.<run>.partial` in `directory` for reading and writing, mode 0644 before
  /// umask, refusing to open anything that already exists.
  ///
  /// - Parameters:
  ///   - directory: the open directory that holds the file.
  ///   - name: the final name, one path component.
  ///   - path: the final name as messages show it (the directory's path and `name`).
  ///   - run: the run tag that makes the temporary name unique (`newRunTag()`).
  ///   - replacing: what `commit` may replace at the final name.
  ///   - onCommit: called once the file has its final name.
  init(
    directory: DirectoryHandle, name: String, path: String, run: String, replacing: Replacing,
    onCommit: (@Sendable () -> Void)? = nil
  ) throws(PathFilesError) {
    self.directory = directory
    self.name = name
    self.partialName = "\(name).\(run).partial"
    self.path = path
    self.partialPath = "\(path).\(run).partial"
    self.replacing = replacing
    self.onCommit = onCommit
    let descriptor = openat(
      directory.descriptor, partialName,
      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .cannotCreate(path: partialPath, errno: errno) }
    self.descriptor = descriptor
  }

  /// Creates the temporary file of `path` in `path`'s directory (following symbolic links in
  /// the directory part, which the caller chose), with a fresh run tag; `commit` replaces a
  /// regular file at `path`, and nothing else.
  convenience init(path: String) throws(PathFilesError) {
    let (folder, name) = splitPath(path)
    let directory: DirectoryHandle
    do {
      directory = try DirectoryHandle(path: folder)
    } catch {
      // Name the file the caller asked for, as opening it would have.
      throw .cannotCreate(path: path + ".partial", errno: errorNumber(of: error))
    }
    try self.init(
      directory: directory, name: name, path: path, run: newRunTag(), replacing: .regularFile)
  }

  deinit { abandon() }

  /// Writes all of `bytes` at byte `offset`, retrying short writes and `EINTR`.
  ///
  /// A failure (`ENOSPC`, `EIO`, …) names the final path: the temporary name means nothing to
  /// the user, and the run that sees the error removes the file.
  func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(PathFilesError) {
    try writeFully(descriptor, bytes, at: offset, path: path)
  }

  /// Writes all of `bytes` at byte `offset`.
  func write(_ bytes: [UInt8], at offset: Int) throws(PathFilesError) {
    // `withUnsafeBytes` rethrows untyped errors; carry the typed one out in a `Result`.
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in try write(raw, at: offset) }
    }
    try result.get()
  }

  /// Starts the disk's writeback of the bytes `offset ..< offset + count` without waiting for
  /// it (Linux `sync_file_range(2)` with `SYNC_FILE_RANGE_WRITE`; elsewhere nothing), so that
  /// a file flushed with `commit(sync: true)` reaches the disk while the rest of it is being
  /// written instead of all at the end. A failure here is not an error: the `fsync` of
  /// `commit` reports whatever the disk refused.
  func startWriteback(offset: Int, count: Int) {
    _ = scengine_start_writeback(descriptor, Int64(offset), Int64(count))
  }

  /// Sets the file's length (`ftruncate(2)`); the bytes not yet written read as zeros. A
  /// failure names the final path, as `write` does.
  func resize(to length: Int) throws(PathFilesError) {
    while ftruncate(descriptor, off_t(length)) != 0 {
      guard errno == EINTR else { throw .cannotWrite(path: path, errno: errno) }
    }
  }

  /// Hashes the file, closes it and gives it its final name; with `sync`, first flushes it to
  /// disk (`fsync(2)`) and afterwards the directory, so that the file survives an
  /// operating-system crash. Without `sync` the file is complete for every reader once renamed,
  /// but may sit in the page cache for a while.
  ///
  /// On any failure the temporary file is removed. `shouldStop` is asked while the file is
  /// hashed (see `sha256Hex(descriptor:path:shouldStop:)`).
  ///
  /// - Returns: the SHA-256 (lowercase hex) and size in bytes of the finished file.
  /// - Throws: `PathFilesError` naming the file; `.cannotRename` with `EEXIST` when something
  ///   that `commit` may not replace sits at the final name.
  func commit(
    sync: Bool, shouldStop: () -> Bool = { false },
    digest known: (sha256: String, bytes: Int)? = nil
  ) throws(PathFilesError) -> (
    sha256: String, bytes: Int
  ) {
    lock.lock()
    defer { lock.unlock() }
    precondition(state == .open, "\(partialPath) was already committed or abandoned")
    state = .committed
    let digest: String
    let bytes: Int
    do throws(PathFilesError) {
      if sync {
        guard fsync(descriptor) == 0 else { throw .cannotSync(path: path, errno: errno) }
      }
      if let known {
        (digest, bytes) = known
      } else {
        (digest, bytes) = try sha256Hex(
          descriptor: descriptor, path: partialPath, shouldStop: shouldStop)
      }
    } catch {
      close(descriptor)
      unlinkat(directory.descriptor, partialName, 0)
      throw error
    }
    let closed = close(descriptor)
    let closeError = errno
    // The descriptor is released even when close reports an error; only the file remains.
    guard closed == 0 else {
      unlinkat(directory.descriptor, partialName, 0)
      throw .cannotSync(path: path, errno: closeError)
    }
    do throws(PathFilesError) {
      try publish()
    } catch {
      unlinkat(directory.descriptor, partialName, 0)
      throw error
    }
    onCommit?()
    if sync { fsync(directory.descriptor) }
    return (digest, bytes)
  }

  /// Gives the closed temporary file its final name, replacing what `replacing` allows.
  private func publish() throws(PathFilesError) {
    let folder = directory.descriptor
    if replacing == .regularFile {
      if let mode = directory.modeOfEntry(name), !isRegularFile(mode) {
        throw .notRegularFile(path: path, kind: describe(mode: mode))
      }
      guard renameat(folder, partialName, folder, name) == 0 else {
        throw .cannotRename(from: partialPath, to: path, errno: errno)
      }
      return
    }
    // A hard link fails with EEXIST when the final name is taken, atomically; the temporary
    // name is then removed. File systems without hard links get a check, then a rename (the
    // folder's lock keeps other scengine runs away meanwhile).
    if linkat(folder, partialName, folder, name, 0) == 0 {
      unlinkat(folder, partialName, 0)
      return
    }
    let code = errno
    switch code {
    case EPERM, ENOTSUP, EOPNOTSUPP, EMLINK, ENOSYS:
      if directory.modeOfEntry(name) != nil {
        throw .cannotRename(from: partialPath, to: path, errno: EEXIST)
      }
      guard renameat(folder, partialName, folder, name) == 0 else {
        throw .cannotRename(from: partialPath, to: path, errno: errno)
      }
    default:
      throw .cannotRename(from: partialPath, to: path, errno: code)
    }
  }

  /// Closes the descriptor and removes the temporary file. Idempotent; safe after any error.
  func abandon() {
    lock.lock()
    defer { lock.unlock() }
    guard state == .open else { return }
    state = .abandoned
    close(descriptor)
    unlinkat(directory.descriptor, partialName, 0)
  }
}

/// A tag that makes a temporary name unique to one run: the process id and 32 random bits,
/// `12345-9f3a0c1e`.
func newRunTag() -> String {
  let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
  return "\(getpid())-\(String(repeating: "0", count: 8 - random.count))\(random)"
}

/// Whether `name` is a temporary name that a `PartialFile` writing `finalName` could have used:
/// `<finalName>.partial` (earlier versions) or `<finalName>.<pid>-<hex>.partial`.
func isPartialName(_ name: String, of finalName: String) -> Bool {
  guard name.hasPrefix(finalName + "."), name.hasSuffix(".partial") else { return false }
  let middle = name.dropFirst(finalName.count + 1).dropLast(".partial".count)
  if middle.isEmpty { return name == finalName + ".partial" }
  let halves = middle.split(separator: "-", omittingEmptySubsequences: false)
  return halves.count == 2 && !halves[0].isEmpty && halves[0].allSatisfy(\.isNumber)
    && !halves[1].isEmpty && halves[1].allSatisfy(\.isHexDigit)
}

/// The directory part (`.` when none) and the last part of a path.
func splitPath(_ path: String) -> (directory: String, name: String) {
  guard let slash = path.lastIndex(of: "/") else { return (".", path) }
  let directory = slash == path.startIndex ? "/" : String(path[..<slash])
  return (directory, String(path[path.index(after: slash)...]))
}

/// The `errno` carried by an I/O error, or `EIO` for the others.
func errorNumber(of error: PathFilesError) -> Int32 {
  switch error {
  case .cannotCreate(_, let code), .cannotWrite(_, let code), .cannotSync(_, let code),
    .cannotRead(_, let code), .cannotRename(_, _, let code), .cannotRemove(_, let code):
    return code
  default: return EIO
  }
}

/// Reads into `buffer` from byte `offset` of `descriptor` with `pread(2)` until it is full or
/// the file ends, retrying short reads and `EINTR`.
///
/// - Returns: the bytes read, fewer than `buffer.count` only at the end of the file.
/// - Throws: the `errno` of a failed read, as `.cannotRead` naming `path`.
public func readFully(
  _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
) throws(PathFilesError) -> Int {
  var done = 0
  while done < buffer.count {
    let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
    if n > 0 {
      done += n
    } else if n == 0 {
      break
    } else if errno != EINTR {
      throw .cannotRead(path: path, errno: errno)
    }
  }
  return done
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
