#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a path file could not be written, read or encoded.
///
/// Every I/O case carries the file's path and the operating system's error number (`errno`);
/// `description` renders it with `strerror`, e.g.
/// `cannot create out/crash/prices.npy.partial: No space left on device`.
public enum PathFilesError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `open(2)` failed for a file being created (usually its `.partial` name).
  case cannotCreate(path: String, errno: Int32)
  /// `pwrite(2)`, `write(2)` or `ftruncate(2)` failed, e.g. `ENOSPC` or `EIO`.
  case cannotWrite(path: String, errno: Int32)
  /// `fsync(2)` or `close(2)` failed; the data may not have reached the disk.
  case cannotSync(path: String, errno: Int32)
  /// `rename(2)` of a finished `.partial` file to its final name failed.
  case cannotRename(from: String, to: String, errno: Int32)
  /// `open(2)` or `read(2)` failed for a file being read (checksums).
  case cannotRead(path: String, errno: Int32)
  /// `unlink(2)` of an earlier run's file failed.
  case cannotRemove(path: String, errno: Int32)
  /// The run was stopped (a signal) while the file was being finished; it was removed.
  case interrupted(path: String)
  /// `finish()` was called while paths were still missing: the first missing global path index.
  case incomplete(path: String, firstMissingPath: Int)
  /// `JSONEncoder` rejected a value: the type and the encoder's explanation.
  case cannotEncodeJSON(type: String, reason: String)
  /// `JSONDecoder` rejected a document: the type expected and the decoder's explanation.
  case cannotDecodeJSON(type: String, reason: String)
  /// A name that cannot stand for a file inside the output folder (absolute, empty, or with an
  /// empty, `.` or `..` part, or a NUL byte): the name and what is wrong with it.
  case unsafeName(String, reason: String)
  /// The output folder cannot be used as it is: its path and why (empty, not a directory, a
  /// variant folder that is a symbolic link, …).
  case unusableFolder(path: String, reason: String)
  /// An entry where scengine would write or remove one of its own files is not a regular file
  /// (a symbolic link, a folder, a FIFO…): scengine never writes through or replaces it.
  case notRegularFile(path: String, kind: String)
  /// Another process holds the output folder's lock: the folder and, when known, its pid.
  case locked(folder: String, pid: Int32?)
  /// The output folder holds files scengine did not write: the folder, the first few names
  /// (relative to it) and how many there are.
  case foreignFiles(folder: String, names: [String], count: Int)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let code):
      return "cannot create \(escaped(path)): \(Self.message(for: code))"
    case .cannotWrite(let path, let code):
      return "cannot write \(escaped(path)): \(Self.message(for: code))"
    case .cannotSync(let path, let code):
      return "cannot sync \(escaped(path)) to disk: \(Self.message(for: code))"
    case .cannotRename(let from, let to, let code):
      return "cannot rename \(escaped(from)) to \(escaped(to)): \(Self.message(for: code))"
    case .cannotRead(let path, let code):
      return "cannot read \(escaped(path)): \(Self.message(for: code))"
    case .cannotRemove(let path, let code):
      return "cannot remove \(escaped(path)), a file of an earlier run: \(Self.message(for: code))"
    case .interrupted(let path):
      return "stopped while finishing \(escaped(path)); the file was removed"
    case .incomplete(let path, let first):
      return "cannot finish \(escaped(path)): path \(first) and later paths were never written"
    case .cannotEncodeJSON(let type, let reason):
      return "cannot encode \(type) as JSON: \(reason)"
    case .cannotDecodeJSON(let type, let reason):
      return "cannot decode \(type) from JSON: \(reason)"
    case .unsafeName(let name, let reason):
      return "cannot use \(quoted(name)) as a name inside the output folder: \(reason)"
    case .unusableFolder(let path, let reason):
      return "cannot use output folder \(quoted(path)): \(reason)"
    case .notRegularFile(let path, let kind):
      return "\(escaped(path)) is \(kind), not a file scengine wrote; scengine never writes "
        + "through or replaces it: remove it or choose another output folder"
    case .locked(let folder, let pid):
      let owner = pid.map { " (pid \($0))" } ?? ""
      return "another scengine run is writing to \(escaped(folder))\(owner); wait for it to "
        + "finish or choose another output folder"
    case .foreignFiles(let folder, let names, let count):
      let shown = names.map(escaped).joined(separator: ", ")
      let more = count > names.count ? " and \(count - names.count) more" : ""
      let (noun, pronoun) = count == 1 ? ("an entry", "it is") : ("\(count) entries", "they are")
      return "output folder \(escaped(folder)) holds \(noun) scengine did not write "
        + "(\(shown)\(more)); \(pronoun) left alone: move \(pronoun == "it is" ? "it" : "them") "
        + "away, choose another output folder, or pass --force to write beside \(pronoun == "it is" ? "it" : "them")"
    }
  }

  /// The C library's text for an `errno` value (`strerror`), or `errno N` when it has none.
  static func message(for code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
  }
}

/// `text` with control characters (C0, DEL, C1) written as `\u{…}` escapes, so that a name from
/// the file system or the command line cannot move the cursor or hide text in a terminal.
func escaped(_ text: String) -> String {
  var out = ""
  for scalar in text.unicodeScalars {
    if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
      out += "\\u{\(String(scalar.value, radix: 16))}"
    } else {
      out.unicodeScalars.append(scalar)
    }
  }
  return out
}

/// `escaped(text)` in single quotes, so that an empty or space-padded name stays visible.
func quoted(_ text: String) -> String { "'\(escaped(text))'" }
