import Foundation
import PathFiles

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of a scenario file, read once: from a regular file, or from a pipe, a FIFO or a
/// terminal (`scengine run <(generate-scenario)`, `/dev/stdin`), which can be read only once
/// and whose size is not known in advance.
public struct ScenarioFile: Sendable {
  /// The largest scenario file read (64 MiB): a longer one is refused rather than read
  /// without end (`/dev/zero`).
  public static let maximumBytes = 64 << 20

  /// The bytes as read (the manifest records their SHA-256).
  public let bytes: [UInt8]
  /// The bytes as text.
  public let text: String
  /// The folder against which relative paths in the file resolve: the file's own folder, or
  /// the current folder for a file that is not a regular file (a pipe has no folder).
  public let baseDirectory: String

  /// Reads the file at `path`.
  public static func read(path: String) throws(ScenarioError) -> ScenarioFile {
    let contents: BoundedFile
    do { contents = try BoundedFile(path: path, limit: maximumBytes) } catch {
      throw ScenarioError(
        file: path, field: "", message: "cannot read scenario file: \(error.reason)")
    }
    let bytes = contents.bytes
    guard let text = String(bytes: bytes, encoding: .utf8) else {
      let valid = String(decoding: bytes, as: UTF8.self).unicodeScalars
        .prefix { $0 != "\u{FFFD}" }
      let line = valid.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
      throw ScenarioError(
        file: path, field: "", line: line,
        message: "cannot read scenario file: it is not UTF-8 text")
    }
    var base = "."
    if contents.isRegularFile {
      let folder = parentFolder(of: path)
      if !folder.isEmpty { base = folder }
    }
    return ScenarioFile(bytes: bytes, text: text, baseDirectory: base)
  }
}

/// The bytes of a file read to its end, from a regular file, a pipe, a FIFO or a device, with
/// a limit so that an endless one (`/dev/zero`) is refused instead of read without end.
///
/// A named FIFO that no program has open for writing would block a plain `read` forever (as it
/// blocks `cat`). It is opened without blocking instead, and is refused if no writer has come
/// within `writerWait`; once one has, it is read to its end like a pipe.
public struct BoundedFile {
  /// Why a file could not be read, in words.
  public struct Failure: Error {
    public let reason: String
  }

  public let bytes: [UInt8]
  public let isRegularFile: Bool

  /// Reads at most `limit` bytes of `path`. With `regularOnly`, anything that is not a regular
  /// file (after following symlinks) is refused before it is opened, so that a FIFO or a device
  /// cannot block the read or feed it without end; the check is repeated on the open descriptor.
  ///   - writerWait: how long a named FIFO may stay without a writer before it is refused.
  public init(
    path: String, limit: Int, regularOnly: Bool = false, writerWait: Duration = .seconds(5)
  ) throws(Failure) {
    if regularOnly {
      var before = stat()
      guard stat(path, &before) == 0 else {
        let code = errno
        throw Failure(reason: code == ENOENT ? "no such file" : String(cString: strerror(code)))
      }
      if let kind = Self.irregularKind(before.st_mode) {
        throw Failure(reason: "it is \(kind), not a regular file")
      }
    }
    // Without O_NONBLOCK, opening a FIFO blocks until a writer opens it.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else {
      let code = errno
      throw Failure(reason: code == ENOENT ? "no such file" : String(cString: strerror(code)))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw Failure(reason: String(cString: strerror(errno)))
    }
    let kind = Int(status.st_mode) & Int(S_IFMT)
    if kind == Int(S_IFDIR) { throw Failure(reason: "it is a directory") }
    if regularOnly, let kind = Self.irregularKind(status.st_mode) {
      throw Failure(reason: "it is \(kind), not a regular file")
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    if kind == Int(S_IFIFO), !Self.isAnonymousPipe(descriptor) {
      try Self.awaitWriter(descriptor, into: &bytes, chunk: &chunk, wait: writerWait)
    }
    // Reads block from here on (a pipe with a writer, a terminal).
    let flags = fcntl(descriptor, F_GETFL)
    guard flags >= 0, fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
      throw Failure(reason: String(cString: strerror(errno)))
    }
    while true {
      let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
      if count == 0 { break }
      if count < 0 {
        if errno == EINTR { continue }
        throw Failure(reason: String(cString: strerror(errno)))
      }
      bytes += chunk[..<count]
      guard bytes.count <= limit else {
        throw Failure(reason: "it is larger than \(limit >> 20) MiB")
      }
    }
    self.bytes = bytes
    isRegularFile = kind == Int(S_IFREG)
  }

  /// Waits, reading without blocking, until a named FIFO has a writer: a read that would block
  /// (`EAGAIN`) means one has it open, and bytes mean one has written; a read of 0 bytes
  /// means none has it open yet. Refused if none has come within `wait`.
  private static func awaitWriter(
    _ descriptor: Int32, into bytes: inout [UInt8], chunk: inout [UInt8], wait: Duration
  ) throws(Failure) {
    let clock = ContinuousClock()
    let deadline = clock.now + wait
    while true {
      let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
      if count > 0 {
        bytes += chunk[..<count]
        return
      }
      if count < 0 {
        if errno == EAGAIN || errno == EWOULDBLOCK { return }
        if errno == EINTR { continue }
        throw Failure(reason: String(cString: strerror(errno)))
      }
      // A writer that came and went without writing leaves the FIFO hung up: an empty file.
      var hangup = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      if poll(&hangup, 1, 0) == 1, hangup.revents & Int16(POLLHUP) != 0 { return }
      guard clock.now < deadline else {
        let seconds =
          Double(wait.components.seconds)
          + Double(wait.components.attoseconds) / 1e18
        throw Failure(
          reason: "it is a FIFO (named pipe) that no program opened for writing within "
            + "\(seconds.formatted()) s")
      }
      usleep(20_000)
    }
  }

  /// Whether an open descriptor is an anonymous pipe (`<(command)`, a shell pipe as
  /// `/dev/stdin`) rather than a named FIFO: the kernel names its target `pipe:[inode]`.
  private static func isAnonymousPipe(_ descriptor: Int32) -> Bool {
    var target = [UInt8](repeating: 0, count: 64)
    let count = target.withUnsafeMutableBufferPointer {
      $0.withMemoryRebound(to: CChar.self) {
        readlink("/proc/self/fd/\(descriptor)", $0.baseAddress!, $0.count)
      }
    }
    guard count > 0 else { return false }
    return String(decoding: target[..<count], as: UTF8.self).hasPrefix("pipe:")
  }

  /// What a non-regular file is, in words, or nil for a regular file.
  static func irregularKind(_ mode: mode_t) -> String? {
    switch Int(mode) & Int(S_IFMT) {
    case Int(S_IFREG): return nil
    case Int(S_IFDIR): return "a directory"
    case Int(S_IFIFO): return "a FIFO (named pipe)"
    case Int(S_IFCHR): return "a character device"
    case Int(S_IFBLK): return "a block device"
    case Int(S_IFSOCK): return "a socket"
    default: return "a special file"
    }
  }
}

/// The C library's `read`, which the static `ScenarioFile.read` hides.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int)
  -> Int
{
  read(descriptor, buffer, count)
}
