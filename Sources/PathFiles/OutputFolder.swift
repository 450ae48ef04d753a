import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The output folder of one run, which the run owns for its duration (DESIGN invariants 5 and 8).
///
/// Lifecycle:
///
/// 1. `init(path:)` creates the folder (and missing parents) and takes an exclusive, non-blocking
///    `flock(2)` on `<folder>/.scengine.lock`; a second run into the same folder is refused with
///    the first one's pid.
/// 2. `claim(_:force:)` looks at what is in the folder. Files of earlier scengine runs are removed
///    (the rule is given there); anything else is refused unless `force`, and never removed. An entry where
///    the run must write that is not a regular file (a symbolic link, a folder, a FIFO) is
///    refused even with `force`.
/// 3. `makeSubfolder(_:)` creates a variant folder; `NPYFileWriter`, `CSVPathWriter` and
///    `writeFileAtomically` create their files through the folder. Every name goes through
///    `folderPathComponents`, every file is created with `O_EXCL | O_NOFOLLOW` inside a directory
///    opened with `O_NOFOLLOW`, and a finished file never replaces anything.
/// 4. `finish()` after the manifest has been written releases the lock (and removes the lock
///    file); `discard()` after any failure removes every file and folder the run made, then
///    releases the lock. Releasing the folder without either discards it.
///
/// The lock file doubles as the run's journal: before the run removes anything, it records in
/// the lock file every file it is about to remove or write. A run killed with SIGKILL leaves the
/// lock file (the lock itself goes with the process) and so tells the next run which files were
/// its own, even though no manifest lists them.
///
/// Symbolic links in `path` itself are followed (the caller chose the path); inside the folder
/// nothing is followed.
public final class OutputFolder: @unchecked Sendable {
  /// The folder's path, as given.
  public let path: String
  /// The tag that makes this run's temporary names unique: `<pid>-<8 hex digits>`.
  public let runTag: String
  /// The lock file (and journal), inside the folder.
  public static let lockFileName = ".scengine.lock"
  /// The manifest, which scengine writes last.
  public static let manifestFileName = "manifest.json"
  /// The folder `scengine validate` writes into a run's folder by default, and its files.
  public static let validationFolderName = "validation"
  public static let validationFileNames: Set<String> = ["report.json", "report.html"]

  private let root: DirectoryHandle
  private let lockDescriptor: Int32
  /// Folders that `init` created (the output folder and missing parents), innermost last.
  private let createdFolders: [String]
  private let lock = NSLock()
  /// Guarded by `lock`: the open subfolders by name, and whether this run created them.
  private var subfolders: [String: (handle: DirectoryHandle, created: Bool)] = [:]
  /// Guarded by `lock`: the files this run has finished, relative to the folder.
  private var finished: [String] = []
  /// Guarded by `lock`: whether the lock has been released.
  private var released = false
  /// Whether the lock file holds this run's journal (written by `claim`).
  private var journalWritten = false
  /// The length of the journal in the lock file: progress lines are appended after it.
  private var journalLength = 0
  /// What a killed earlier run recorded of its progress (`recordProgress`), one entry per call,
  /// read when the lock was taken.
  public private(set) var previousProgress: [String] = []

  /// Creates `path` if needed and locks it.
  ///
  /// - Throws: `PathFilesError.unusableFolder` when `path` is empty or a part of it is not a
  ///   directory; `.locked` when another process holds the lock; `.cannotCreate` for other
  ///   failures. Nothing is left behind.
  public init(path: String) throws(PathFilesError) {
    guard !path.isEmpty else {
      throw .unusableFolder(path: path, reason: "the path is empty")
    }
    if path.utf8.contains(0) {
      throw .unusableFolder(path: path, reason: "the path holds a NUL byte")
    }
    self.path = path
    self.runTag = newRunTag()
    let created = try makeFolders(path)
    do throws(PathFilesError) {
      // Messages join names to the path without doubling a trailing slash.
      var base = path
      while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
      root = try DirectoryHandle(path: base)
    } catch {
      removeEmptyFolders(created)
      throw Self.explainOpenFailure(path: path, error: error)
    }
    do throws(PathFilesError) {
      lockDescriptor = try Self.takeLock(in: root)
    } catch {
      removeEmptyFolders(created)
      throw error
    }
    createdFolders = created
    previousProgress = Self.readJournal(lockDescriptor)?.progress ?? []
  }

  deinit { discard() }

  // MARK: - Claiming the folder

  /// What a run is about to write, and how to recognise files of earlier runs.
  public struct Claim: Sendable {
    /// The subfolders the run writes into (variant names).
    public var subfolders: [String]
    /// Every file the run writes, relative to the folder (the manifest included).
    public var files: [String]
    /// The names scengine writes inside a subfolder whatever the run's options
    /// (`prices.npy`, `prices.csv`, `summary.json`, …).
    public var fileNames: Set<String>

    /// Folders that other scengine commands write into a run's folder, with the names of their
    /// files (`validation` → `report.json`, `report.html`): an earlier run's such folder is
    /// removed with its files, since it describes paths that the new run replaces. A name that
    /// is also one of `subfolders` is the variant's folder.
    public var companionFolders: [String: Set<String>]

    /// Files of `files` already in place that the run keeps (a resumed run's finished
    /// variants, checked by the caller against their SHA-256): neither removed nor refused.
    public var kept: Set<String>

    /// Subfolders left alone: neither removed nor refused (`shards`, the default home of a
    /// sharded run's shard folders, each its own output folder).
    public var ignoredFolders: Set<String>

    /// Creates a claim.
    public init(
      subfolders: [String], files: [String], fileNames: Set<String>,
      companionFolders: [String: Set<String>] = [:], kept: Set<String> = [],
      ignoredFolders: Set<String> = []
    ) {
      self.subfolders = subfolders
      self.files = files
      self.fileNames = fileNames
      self.companionFolders = companionFolders
      self.kept = kept
      self.ignoredFolders = ignoredFolders
    }
  }

  /// Makes the folder this run's: records `claim` in the journal, removes the manifest of an
  /// earlier run (so that nothing vouches for old files), then every file of earlier runs, and
  /// their subfolders once empty.
  ///
  /// A file belongs to an earlier scengine run when it is
  /// - listed by the folder's `manifest.json` or by the journal a killed run left,
  /// - `manifest.json` itself, or a scratch file `.scengine-….tmp` in the folder, or
  /// - in a subfolder of this run or of those lists, named as scengine names its files
  ///   (`claim.fileNames`),
  /// or is a temporary file (`NAME.partial`, `NAME.<pid>-<hex>.partial`) of one of these.
  /// Every other entry (a file, a symbolic link, a non-empty folder) is the user's: the claim is
  /// refused unless `force`, and the entry is left alone either way. Empty folders are ignored.
  ///
  /// - Throws: `.unsafeName` for a claimed name that could leave the folder; `.notRegularFile`
  ///   or `.unusableFolder` when an entry where the run writes is not a regular file or folder;
  ///   `.foreignFiles` without `force`; I/O errors. Nothing has been removed when it throws,
  ///   except after an I/O error while removing.
  public func claim(_ claim: Claim, force: Bool) throws(PathFilesError) {
    for name in claim.files { _ = try folderPathComponents(name) }
    for name in claim.subfolders {
      guard try folderPathComponents(name).count == 1 else {
        throw .unsafeName(name, reason: "a folder name must be one part")
      }
      if name == Self.manifestFileName || name == Self.lockFileName || isScratchName(name)
        || isPartialName(name, of: Self.manifestFileName)
      {
        throw .unsafeName(name, reason: "scengine keeps the name for its own file")
      }
    }
    // What earlier runs said they wrote; names that could leave the folder are not theirs.
    var listed = Set<String>()
    let manifestFiles = readManifestFileList()
    let journalFiles = readJournal()?.files ?? []
    // A manifest.json that scengine did not write (nor a killed run's journal lists) is the
    // user's: it is refused like any other entry, and never replaced, even with force.
    if manifestFiles == nil, !journalFiles.contains(Self.manifestFileName),
      let mode = root.modeOfEntry(Self.manifestFileName), isRegularFile(mode)
    {
      throw .unusableFolder(
        path: root.path + "/" + Self.manifestFileName,
        reason: "it is not a manifest scengine wrote; move it away or choose another output "
          + "folder")
    }
    for name in journalFiles + (manifestFiles ?? []) {
      if (try? folderPathComponents(name)) != nil { listed.insert(name) }
    }
    var folders = Set(claim.subfolders)
    let companions = claim.companionFolders.filter { !claim.subfolders.contains($0.key) }
    folders.formUnion(companions.keys)
    for name in listed {
      let parts = name.split(separator: "/")
      if parts.count == 2 { folders.insert(String(parts[0])) }
    }
    let topNames = Set([Self.manifestFileName]).union(listed.filter { !$0.contains("/") })

    var owned: [String] = []
    var foreign: [String] = []
    for name in try root.entries() where name != Self.lockFileName {
      guard let mode = root.modeOfEntry(name) else { continue }
      if claim.ignoredFolders.contains(name) && !claim.subfolders.contains(name)
        && isDirectory(mode)
      {
        continue
      }
      if topNames.contains(name) || topNames.contains(where: { isPartialName(name, of: $0) })
        || isScratchName(name)
      {
        guard isRegularFile(mode) else {
          throw .notRegularFile(path: root.path + "/" + name, kind: describe(mode: mode))
        }
        owned.append(name)
      } else if folders.contains(name) && isDirectory(mode) {
        let folder = try DirectoryHandle(in: root, name: name)
        let names =
          companions[name]
          ?? claim.fileNames.union(
            listed.filter { $0.hasPrefix(name + "/") }.map {
              String($0.dropFirst(name.count + 1))
            })
        for entry in try folder.entries() {
          let relative = name + "/" + entry
          if entry == Self.lockFileName {
            // Another run's output folder (perhaps running): never take its files, even with
            // force.
            throw .unusableFolder(
              path: folder.path, reason: "it is the output folder of another scengine run")
          }
          if names.contains(entry) || names.contains(where: { isPartialName(entry, of: $0) }) {
            guard let entryMode = folder.modeOfEntry(entry) else { continue }
            guard isRegularFile(entryMode) else {
              throw .notRegularFile(
                path: root.path + "/" + relative, kind: describe(mode: entryMode))
            }
            owned.append(relative)
          } else {
            foreign.append(relative)
          }
        }
      } else if claim.subfolders.contains(name) {
        throw .unusableFolder(
          path: root.path + "/" + name,
          reason: "it is \(describe(mode: mode)), not a folder; scengine writes variant files "
            + "only into folders it creates")
      } else if isDirectory(mode),
        (try? DirectoryHandle(in: root, name: name).entries())?.isEmpty
          == true
      {
        continue
      } else {
        foreign.append(name)
      }
    }
    if !foreign.isEmpty && !force {
      throw .foreignFiles(folder: path, names: Array(foreign.prefix(5)), count: foreign.count)
    }

    // Record what is about to be removed and written, then remove: a run killed from here on
    // leaves a journal that lets the next run finish the job.
    owned.removeAll { claim.kept.contains($0) }
    try writeJournal(files: owned + claim.files)
    journalWritten = true
    if owned.contains(Self.manifestFileName) {
      try remove(Self.manifestFileName)
    }
    for name in owned where name != Self.manifestFileName { try remove(name) }
    for name in folders {
      if let mode = root.modeOfEntry(name), isDirectory(mode) {
        unlinkat(root.descriptor, name, AT_REMOVEDIR)  // only when empty
      }
    }
    try writeJournal(files: claim.files)
  }

  /// Appends one line of the run's progress (one line of text, such as compact JSON) to its
  /// journal, so that a run killed later leaves it for `--resume` (`previousProgress`). Each
  /// call costs the size of its line only. Call after `claim`.
  public func recordProgress(_ line: String) throws(PathFilesError) {
    precondition(journalWritten, "recordProgress before claim")
    precondition(!line.utf8.contains(UInt8(ascii: "\n")), "a progress line holds a line break")
    let bytes = Array(line.utf8) + [UInt8(ascii: "\n")]
    let lockPath = root.path + "/" + Self.lockFileName
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in
        try writeFully(lockDescriptor, raw, at: journalLength, path: lockPath)
      }
    }
    try result.get()
    journalLength += bytes.count
  }

  /// Whether the file `record.path` in the folder is a regular file (not a link) of
  /// `record.bytes` bytes whose SHA-256 is `record.sha256`. `shouldStop` can interrupt the
  /// hashing (a signal).
  public func holds(_ record: FileRecord, shouldStop: () -> Bool = { false })
    throws(PathFilesError) -> Bool
  {
    guard let parts = try? folderPathComponents(record.path), parts.count <= 2 else {
      return false
    }
    let directory: DirectoryHandle
    if parts.count == 1 {
      directory = root
    } else {
      guard let mode = root.modeOfEntry(parts[0]), isDirectory(mode),
        let handle = try? DirectoryHandle(in: root, name: parts[0])
      else { return false }
      directory = handle
    }
    let descriptor = openat(
      directory.descriptor, parts[parts.count - 1],
      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, isRegularFile(info.st_mode),
      Int(info.st_size) == record.bytes
    else { return false }
    let path = root.path + "/" + record.path
    let (digest, bytes) = try sha256Hex(descriptor: descriptor, path: path, shouldStop: shouldStop)
    return bytes == record.bytes && digest == record.sha256
  }

  /// The bytes of the folder's `manifest.json` (a regular file, at most 256 MiB), or `nil`.
  public func manifestBytes() -> [UInt8]? {
    let descriptor = openat(
      root.descriptor, Self.manifestFileName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, isRegularFile(info.st_mode) else { return nil }
    return Self.readAll(descriptor, limit: 256 << 20)
  }

  /// Removes the file `relativePath` (a regular file, checked by `claim`).
  private func remove(_ relativePath: String) throws(PathFilesError) {
    let parts = try folderPathComponents(relativePath)
    let directory = parts.count == 1 ? root : try DirectoryHandle(in: root, name: parts[0])
    guard parts.count <= 2 else { return }
    if unlinkat(directory.descriptor, parts[parts.count - 1], 0) != 0 {
      let code = errno
      if code != ENOENT { throw .cannotRemove(path: root.path + "/" + relativePath, errno: code) }
    }
  }

  // MARK: - Writing

  /// Creates the subfolder `name` (one path component), or opens it if it exists and is a
  /// folder (not a symbolic link).
  ///
  /// - Throws: `.unsafeName`, `.unusableFolder` when `name` is a symbolic link or a file, or
  ///   `.cannotCreate`.
  public func makeSubfolder(_ name: String) throws(PathFilesError) {
    let parts = try folderPathComponents(name)
    guard parts.count == 1 else {
      throw .unsafeName(name, reason: "a folder name must be one part")
    }
    lock.lock()
    defer { lock.unlock() }
    if subfolders[name] != nil { return }
    var created = true
    if mkdirat(root.descriptor, name, 0o777) != 0 {
      guard errno == EEXIST else {
        throw .cannotCreate(path: root.path + "/" + name, errno: errno)
      }
      created = false
    }
    subfolders[name] = (try DirectoryHandle(in: root, name: name), created)
  }

  /// The directory that holds `relativePath` and the file's own name; the directory must be
  /// the folder itself or a subfolder made by `makeSubfolder`.
  private func location(of relativePath: String) throws(PathFilesError) -> (
    DirectoryHandle, String
  ) {
    let parts = try folderPathComponents(relativePath)
    switch parts.count {
    case 1: return (root, parts[0])
    case 2:
      lock.lock()
      defer { lock.unlock() }
      guard let folder = subfolders[parts[0]] else {
        throw .cannotCreate(path: root.path + "/" + relativePath, errno: ENOENT)
      }
      return (folder.handle, parts[1])
    default:
      throw .unsafeName(relativePath, reason: "scengine writes files at most one folder deep")
    }
  }

  /// A new temporary file for `relativePath`, recorded as this run's once finished.
  func partialFile(_ relativePath: String) throws(PathFilesError) -> PartialFile {
    let (directory, name) = try location(of: relativePath)
    return try PartialFile(
      directory: directory, name: name, path: try joinedFolderPath(root.path, relativePath),
      run: runTag, replacing: .nothing,
      onCommit: { [weak self] in self?.didFinish(relativePath) })
  }

  private func didFinish(_ relativePath: String) {
    lock.lock()
    finished.append(relativePath)
    lock.unlock()
  }

  /// The files this run has finished so far, relative to the folder.
  public var finishedFiles: [String] {
    lock.lock()
    defer { lock.unlock() }
    return finished
  }

  // MARK: - Ending the run

  /// Ends a successful run: releases the lock and removes the lock file. Call it after the
  /// manifest has been written.
  public func finish() {
    lock.lock()
    defer { lock.unlock() }
    releaseLock()
  }

  /// Ends a failed run: removes every file this run finished, its temporary files and the
  /// folders it created once empty, then releases the lock and removes the output folder
  /// itself when the run created it and it is empty. Idempotent; does nothing after `finish()`.
  public func discard() {
    lock.lock()
    defer { lock.unlock() }
    guard !released else { return }
    for relativePath in finished.reversed() {
      if let location = try? unlockedLocation(of: relativePath) {
        unlinkat(location.directory.descriptor, location.name, 0)
      }
    }
    finished = []
    let partialSuffix = ".\(runTag).partial"
    for (_, folder) in subfolders {
      for entry in (try? folder.handle.entries()) ?? [] where entry.hasSuffix(partialSuffix) {
        unlinkat(folder.handle.descriptor, entry, 0)
      }
    }
    for entry in (try? root.entries()) ?? [] where entry.hasSuffix(partialSuffix) {
      unlinkat(root.descriptor, entry, 0)
    }
    for (name, folder) in subfolders where folder.created {
      unlinkat(root.descriptor, name, AT_REMOVEDIR)
    }
    subfolders = [:]
    releaseLock()
    removeEmptyFolders(createdFolders)
  }

  /// `location(of:)` for callers that hold `lock`.
  private func unlockedLocation(of relativePath: String) throws(PathFilesError) -> (
    directory: DirectoryHandle, name: String
  ) {
    let parts = try folderPathComponents(relativePath)
    if parts.count == 1 { return (root, parts[0]) }
    guard parts.count == 2, let folder = subfolders[parts[0]] else {
      throw .unsafeName(relativePath, reason: "not a file of this run")
    }
    return (folder.handle, parts[1])
  }

  /// Removes the lock file (if it is still the one locked, and holds this run's journal or
  /// nothing) and closes it. Caller holds `lock`. A run refused before it claimed the folder
  /// leaves the journal of a killed earlier run in place for the next run to finish its job.
  private func releaseLock() {
    guard !released else { return }
    released = true
    var locked = stat()
    var named = stat()
    if fstat(lockDescriptor, &locked) == 0, journalWritten || locked.st_size == 0,
      fstatat(root.descriptor, Self.lockFileName, &named, AT_SYMLINK_NOFOLLOW) == 0,
      locked.st_dev == named.st_dev && locked.st_ino == named.st_ino
    {
      unlinkat(root.descriptor, Self.lockFileName, 0)
    }
    close(lockDescriptor)
  }

  // MARK: - Lock and journal

  /// What the lock file records: the pid holding the lock and the files it may leave, as one
  /// line of JSON, then the lines of progress the run appended (`recordProgress`).
  struct Journal: Codable {
    var pid: Int32
    var run: String
    var files: [String]
    /// The run's progress lines, for `--resume`; not part of the JSON line.
    var progress: [String]?
  }

  /// Opens (or creates) the lock file and locks it without waiting. The lock file is checked
  /// to be the one in the folder after locking, since a finishing run removes it.
  private static func takeLock(in root: DirectoryHandle) throws(PathFilesError) -> Int32 {
    let lockPath = root.path + "/" + lockFileName
    for _ in 0..<100 {
      let descriptor = openat(
        root.descriptor, lockFileName,
        O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
      guard descriptor >= 0 else {
        let code = errno
        if let mode = root.modeOfEntry(lockFileName), !isRegularFile(mode) {
          throw .notRegularFile(path: lockPath, kind: describe(mode: mode))
        }
        throw .cannotCreate(path: lockPath, errno: code)
      }
      var info = stat()
      guard fstat(descriptor, &info) == 0, isRegularFile(info.st_mode) else {
        close(descriptor)
        throw .notRegularFile(path: lockPath, kind: describe(mode: info.st_mode))
      }
      // A hard link would let the journal written into the lock file change a file elsewhere.
      guard info.st_nlink == 1 else {
        close(descriptor)
        throw .unusableFolder(
          path: lockPath,
          reason: "it has \(info.st_nlink) hard links, so writing it would change a file "
            + "elsewhere; remove it")
      }
      var result = flock(descriptor, LOCK_EX | LOCK_NB)
      while result != 0 && errno == EINTR { result = flock(descriptor, LOCK_EX | LOCK_NB) }
      guard result == 0 else {
        let code = errno
        let holder = readJournal(descriptor)?.pid
        close(descriptor)
        if code == EWOULDBLOCK || code == EAGAIN {
          throw .locked(folder: root.path, pid: holder)
        }
        throw .cannotCreate(path: lockPath, errno: code)
      }
      var named = stat()
      if fstatat(root.descriptor, lockFileName, &named, AT_SYMLINK_NOFOLLOW) == 0,
        named.st_dev == info.st_dev && named.st_ino == info.st_ino
      {
        return descriptor
      }
      // The run that held it removed the lock file meanwhile: lock the new one.
      close(descriptor)
    }
    throw .cannotCreate(path: lockPath, errno: EAGAIN)
  }

  /// The journal in the lock file, or `nil` when it is empty or unreadable. A journal written
  /// as one pretty-printed document (by an earlier version) is read too.
  private static func readJournal(_ descriptor: Int32) -> Journal? {
    guard let bytes = readAll(descriptor, limit: 256 << 20) else { return nil }
    if let whole = try? decodeJSON(Journal.self, from: bytes) { return whole }
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    guard let first = lines.first, var journal = try? decodeJSON(Journal.self, from: Array(first))
    else { return nil }
    // The last line is complete only when it ends with a line break.
    journal.progress = lines.dropFirst().dropLast().map { String(decoding: $0, as: UTF8.self) }
    return journal
  }

  private func readJournal() -> Journal? { Self.readJournal(lockDescriptor) }

  /// Replaces the lock file's content with this run's journal (pid, run tag, `files`).
  private func writeJournal(files: [String]) throws(PathFilesError) {
    let lockPath = root.path + "/" + Self.lockFileName
    let bytes =
      try encodeJSON(Journal(pid: getpid(), run: runTag, files: files), pretty: false)
      + [UInt8(ascii: "\n")]
    while ftruncate(lockDescriptor, 0) != 0 {
      guard errno == EINTR else { throw .cannotWrite(path: lockPath, errno: errno) }
    }
    // `withUnsafeBytes` rethrows untyped errors; carry the typed one out in a `Result`.
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in
        try writeFully(lockDescriptor, raw, at: 0, path: lockPath)
      }
    }
    try result.get()
    journalLength = bytes.count
  }

  /// The `path` of every entry of the folder's `manifest.json` `files` list, or `nil` when
  /// there is no readable manifest.
  private func readManifestFileList() -> [String]? {
    // Only a manifest scengine wrote lists files a run may remove: its engine name, and each
    // file with its SHA-256 and size.
    struct Listed: Decodable {
      var path: String
      var sha256: String
      var bytes: Int
    }
    struct Files: Decodable {
      var engine: String
      var files: [Listed]
    }
    guard let bytes = manifestBytes() else { return nil }
    guard let manifest = try? decodeJSON(Files.self, from: bytes), manifest.engine == "scengine"
    else { return nil }
    return manifest.files.map(\.path)
  }

  /// The whole content of a file from offset 0, or `nil` on an error or beyond `limit` bytes.
  private static func readAll(_ descriptor: Int32, limit: Int) -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes {
        pread(descriptor, $0.baseAddress, $0.count, off_t(bytes.count))
      }
      if count < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if count == 0 { return bytes }
      bytes += chunk[..<count]
      if bytes.count > limit { return nil }
    }
  }

  /// `init`'s error when the folder exists but cannot be opened as a directory.
  private static func explainOpenFailure(path: String, error: PathFilesError) -> PathFilesError {
    guard errorNumber(of: error) == ENOTDIR else { return error }
    return .unusableFolder(
      path: path, reason: "\(escaped(firstNonDirectory(in: path) ?? path)) is not a directory")
  }
}

/// Whether `name` is a scratch file of a scengine run in its output folder:
/// `.scengine-<what>-<pid>-<number>.tmp` (unlinked as soon as it is created, so only a run
/// killed at that instant leaves one).
func isScratchName(_ name: String) -> Bool {
  name.hasPrefix(".scengine-") && name.hasSuffix(".tmp") && !name.contains("/")
}

/// Creates `path` and its missing parents (like `mkdir -p`).
///
/// - Returns: the folders created, outermost first.
/// - Throws: `.unusableFolder` when a part of the path is not a directory, `.cannotCreate`
///   otherwise; folders created before the failure are removed.
private func makeFolders(_ path: String) throws(PathFilesError) -> [String] {
  let prefixes = leadingPaths(path)
  var created: [String] = []
  for folder in prefixes {
    if mkdir(folder, 0o777) == 0 {
      created.append(folder)
      continue
    }
    let code = errno
    if code == EEXIST { continue }
    removeEmptyFolders(created)
    if code == ENOTDIR {
      throw .unusableFolder(
        path: path,
        reason: "\(escaped(firstNonDirectory(in: path) ?? folder)) is not a directory")
    }
    throw .cannotCreate(path: folder, errno: code)
  }
  return created
}

/// The first leading part of `path` that exists and is not a directory (after following links).
private func firstNonDirectory(in path: String) -> String? {
  for prefix in leadingPaths(path) {
    var info = stat()
    if stat(prefix, &info) == 0, !isDirectory(info.st_mode) { return prefix }
  }
  return nil
}

/// The leading parts of `path`, shortest first, spelled as in `path`: `a`, `a/b`, `a/b/c` for
/// `a/b/c` (`/a`, … for an absolute path).
private func leadingPaths(_ path: String) -> [String] {
  var prefixes: [String] = []
  var index = path.startIndex
  while let slash = path[index...].firstIndex(of: "/") {
    let prefix = String(path[..<slash])
    if !prefix.isEmpty && !prefix.hasSuffix("/") { prefixes.append(prefix) }
    index = path.index(after: slash)
  }
  if !path.isEmpty && !path.hasSuffix("/") { prefixes.append(path) }
  return prefixes
}

/// Removes `folders` innermost first, each only if empty.
private func removeEmptyFolders(_ folders: [String]) {
  for folder in folders.reversed() { rmdir(folder) }
}
