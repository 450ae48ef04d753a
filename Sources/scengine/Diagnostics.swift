import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Makes the process safe to run before anything else happens (called first by `main`):
///
/// - Descriptors 0, 1 and 2 are open: a closed one (`scengine run … 2>&-`) is opened on
///   `/dev/null`, so that no file scengine opens later can take its number and receive progress
///   or error text (DESIGN invariant 5).
/// - SIGPIPE is ignored: a reader that goes away (`| head`, `| true`) makes the next write to
///   it fail with `EPIPE`, which stops the printing (see `printOutput`, `printError`) and never
///   the run.
/// - SIGXFSZ is ignored: a write beyond the file-size limit (`ulimit -f`) fails with `EFBIG`, and
///   the run ends with a message and removes its files instead of being killed.
func prepareProcess() {
  for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
    var opened = open("/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY)
    // Without /dev/null (a bare chroot), any descriptor that is not a file will do: the root
    // folder, on which every write fails.
    if opened < 0 { opened = open("/", O_RDONLY | O_DIRECTORY) }
    if opened >= 0 && opened != descriptor {
      dup2(opened, descriptor)
      close(opened)
    }
  }
  signal(SIGPIPE, SIG_IGN)
  signal(SIGXFSZ, SIG_IGN)
}

/// Writes one line to standard error.
func printError(_ message: String) {
  var line = message
  if !line.hasSuffix("\n") { line += "\n" }
  writeStandardError(line)
}

/// Writes text to file descriptor 2 unbuffered (safe from any thread). Once a write has failed
/// (`EPIPE` after the reader has gone, `EBADF`, `ENOSPC`…), standard error is given up: later
/// calls print nothing.
func writeStandardError(_ text: String) {
  standardError.send(text)
}

/// Writes one line to standard output, unbuffered; once a write has failed (the reader has
/// gone away), standard output is given up and nothing more is printed.
///
/// - Returns: whether the text was written (false once standard output is given up).
@discardableResult
func printOutput(_ text: String) -> Bool {
  standardOutput.send(text.hasSuffix("\n") ? text : text + "\n")
}

/// Whether standard error is a terminal.
var standardErrorIsTerminal: Bool { isatty(2) != 0 }

/// A standard stream written with `write(2)`, given up after its first failure.
final class OutputStream: @unchecked Sendable {
  private let descriptor: Int32
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var failed = false
  /// The `errno` of the write that failed (0 for a write of no bytes), once one has.
  private var failure: Int32? = nil

  /// Why the stream was given up, once it has been: the `errno` of the failed write.
  var failureCode: Int32? {
    lock.lock()
    defer { lock.unlock() }
    return failure
  }

  init(descriptor: Int32) { self.descriptor = descriptor }

  /// Writes all of `text`, retrying short writes and `EINTR`; false once the stream has failed.
  @discardableResult
  func send(_ text: String) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    guard !failed else { return false }
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes {
        write(descriptor, $0.baseAddress! + offset, $0.count - offset)
      }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 {
        failed = true
        failure = n < 0 ? errno : 0
        return false
      }
      offset += n
    }
    return true
  }
}

/// Standard output and error, shared by every thread.
let standardOutput = OutputStream(descriptor: 1)
let standardError = OutputStream(descriptor: 2)
