#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes one line to standard error.
func printError(_ message: String) {
  var line = message
  if !line.hasSuffix("\n") { line += "\n" }
  writeStandardError(line)
}

/// Writes text to file descriptor 2 unbuffered (safe from any thread).
func writeStandardError(_ text: String) {
  var bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
    if n <= 0 { return }
    offset += n
  }
}

/// Whether standard error is a terminal.
var standardErrorIsTerminal: Bool { isatty(2) != 0 }
