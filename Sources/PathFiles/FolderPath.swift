#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The parts of a name that stands for a file inside an output folder (`crash/prices.npy`),
/// checked so that joining it to the folder can never leave the folder (DESIGN invariant 8).
///
/// The name must be relative (no leading `/`), and each `/`-separated part must be non-empty,
/// neither `.` nor `..`, and free of NUL bytes. Names come from scenario files (variant names)
/// and from earlier runs' manifests, so this is checked by every writer and every removal, even
/// where the scenario parser has already checked the names.
///
/// - Returns: the parts, in order (at least one).
/// - Throws: `PathFilesError.unsafeName` with the name and what is wrong with it.
public func folderPathComponents(_ relativePath: String) throws(PathFilesError) -> [String] {
  func refused(_ reason: String) -> PathFilesError {
    .unsafeName(
      relativePath,
      reason: reason + "; expected a relative path whose parts are not empty, '.' or '..'")
  }
  if relativePath.isEmpty { throw refused("the name is empty") }
  if relativePath.utf8.contains(0) { throw refused("it holds a NUL") }
  if relativePath.hasPrefix("/") { throw refused("it is an absolute path") }
  let parts = relativePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
  for part in parts {
    switch part {
    case "": throw refused("it has an empty part")
    case ".", "..": throw refused("it has a '\(part)' part")
    default:
      // A part longer than the file system allows would fail later with a less clear message.
      if part.utf8.count > 255 { throw refused("a part is longer than 255 bytes") }
    }
  }
  return parts
}

/// `folder` and `relativePath` joined with `/`, after `folderPathComponents` has accepted
/// `relativePath`: the one way scengine turns a name into a path below its output folder.
///
/// - Throws: `PathFilesError.unsafeName` when `relativePath` could leave `folder`.
public func joinedFolderPath(_ folder: String, _ relativePath: String) throws(PathFilesError)
  -> String
{
  let parts = try folderPathComponents(relativePath)
  let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
  return ([base] + parts).joined(separator: "/")
}

/// An open directory (`O_DIRECTORY`), the anchor of `openat(2)`, `renameat(2)` and
/// `unlinkat(2)` calls, so that a folder replaced by a symbolic link after it was opened cannot
/// redirect a write. Closed when the last reference goes.
final class DirectoryHandle: Sendable {
  /// The descriptor, open for the handle's lifetime.
  let descriptor: Int32
  /// The directory's path, for messages only.
  let path: String

  /// Opens `path` as a directory, following symbolic links in it (the caller chose the path).
  init(path: String) throws(PathFilesError) {
    let descriptor = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .cannotCreate(path: path, errno: errno) }
    self.descriptor = descriptor
    self.path = path
  }

  /// Opens the subdirectory `name` of `parent` without following a symbolic link.
  init(in parent: DirectoryHandle, name: String) throws(PathFilesError) {
    let path = parent.path + "/" + name
    let descriptor = openat(
      parent.descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      if code == ELOOP || code == ENOTDIR, let kind = parent.kindOfEntry(name) {
        throw .unusableFolder(path: path, reason: "it is \(kind), not a folder")
      }
      throw .cannotCreate(path: path, errno: code)
    }
    self.descriptor = descriptor
    self.path = path
  }

  deinit { close(descriptor) }

  /// What the entry `name` is, without following a symbolic link: `nil` when it does not exist,
  /// otherwise a phrase such as "a symbolic link" or "a folder".
  func kindOfEntry(_ name: String) -> String? {
    guard let mode = modeOfEntry(name) else { return nil }
    return describe(mode: mode)
  }

  /// The `st_mode` of the entry `name` (`fstatat` without following a link), or `nil`.
  func modeOfEntry(_ name: String) -> mode_t? {
    var info = stat()
    guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
    return info.st_mode
  }

  /// The names in the directory (without `.` and `..`), or an error naming it.
  func entries() throws(PathFilesError) -> [String] {
    let copy = dup(descriptor)
    guard copy >= 0 else { throw .cannotRead(path: path, errno: errno) }
    guard let stream = fdopendir(copy) else {
      let code = errno
      close(copy)
      throw .cannotRead(path: path, errno: code)
    }
    defer { closedir(stream) }
    rewinddir(stream)
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }
}

/// A phrase for a file type from `st_mode`: "a regular file", "a folder", "a symbolic link"…
public func describe(mode: mode_t) -> String {
  switch mode & S_IFMT {
  case S_IFREG: return "a regular file"
  case S_IFDIR: return "a folder"
  case S_IFLNK: return "a symbolic link"
  case S_IFIFO: return "a FIFO"
  case S_IFSOCK: return "a socket"
  case S_IFCHR, S_IFBLK: return "a device"
  default: return "a special file"
  }
}

/// Whether `st_mode` is that of a regular file.
func isRegularFile(_ mode: mode_t) -> Bool { mode & S_IFMT == S_IFREG }

/// Whether `st_mode` is that of a directory.
func isDirectory(_ mode: mode_t) -> Bool { mode & S_IFMT == S_IFDIR }

/// The folder part of a path as given: what precedes its last `/` (trailing slashes ignored),
/// `/` for an entry of the root, and `""` for a bare name, like `NSString`'s
/// `deletingLastPathComponent` (which traps on one-character paths in swift-corelibs-foundation).
public func parentFolder(of path: String) -> String {
  var p = Substring(path)
  while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
  guard let slash = p.lastIndex(of: "/") else { return "" }
  if slash == p.startIndex { return "/" }
  var parent = p[..<slash]
  while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
  return String(parent)
}

/// The last name of a path as given (trailing slashes ignored): `fit.yaml` of `sub/../fit.yaml`,
/// the path itself when it has no `/`.
public func lastPathComponent(of path: String) -> String {
  path.split(separator: "/").last.map(String.init) ?? path
}

/// The absolute path of `path` with every symbolic link resolved, or `nil` when it does not
/// exist.
public func resolvedPath(_ path: String) -> String? {
  guard let resolved = realpath(path, nil) else { return nil }
  defer { free(resolved) }
  return String(cString: resolved)
}

/// Where `path` is or would be: its folder resolved (`resolvedPath`, `.` for a bare name) with
/// its last name appended; `nil` when the folder does not exist. Two spellings of one place
/// (`out`, `./out`, `/proc/self/cwd/out`, through a symbolic link to the folder) give one
/// answer, whether or not `path` exists yet.
public func resolvedLocation(of path: String) -> String? {
  let folder = parentFolder(of: path)
  guard let base = resolvedPath(folder.isEmpty ? "." : folder) else { return nil }
  let name = lastPathComponent(of: path)
  return base == "/" ? "/" + name : base + "/" + name
}
