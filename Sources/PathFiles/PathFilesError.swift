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
  /// `finish()` was called while paths were still missing: the first missing global path index.
  case incomplete(path: String, firstMissingPath: Int)
  /// `JSONEncoder` rejected a value: the type and the encoder's explanation.
  case cannotEncodeJSON(type: String, reason: String)
  /// `JSONDecoder` rejected a document: the type expected and the decoder's explanation.
  case cannotDecodeJSON(type: String, reason: String)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let code):
      return "cannot create \(path): \(Self.message(for: code))"
    case .cannotWrite(let path, let code):
      return "cannot write \(path): \(Self.message(for: code))"
    case .cannotSync(let path, let code):
      return "cannot sync \(path) to disk: \(Self.message(for: code))"
    case .cannotRename(let from, let to, let code):
      return "cannot rename \(from) to \(to): \(Self.message(for: code))"
    case .cannotRead(let path, let code):
      return "cannot read \(path): \(Self.message(for: code))"
    case .incomplete(let path, let first):
      return "cannot finish \(path): path \(first) and later paths were never written"
    case .cannotEncodeJSON(let type, let reason):
      return "cannot encode \(type) as JSON: \(reason)"
    case .cannotDecodeJSON(let type, let reason):
      return "cannot decode \(type) from JSON: \(reason)"
    }
  }

  /// The C library's text for an `errno` value (`strerror`), or `errno N` when it has none.
  static func message(for code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
  }
}
