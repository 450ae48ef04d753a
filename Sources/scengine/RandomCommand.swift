import ArgumentParser
import Randomness

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `scengine rng`: the raw output of one path's Philox stream.
struct RandomCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rng",
    abstract: "Print the raw Philox4x32-10 output of one path's stream.",
    discussion: """
      Words are the generator's 32-bit outputs in counter order. With --raw they go to \
      standard output as little-endian binary, for external test batteries:

        scengine rng --raw --seed 1 | dieharder -g 200 -a

      Without --count, --raw never stops; it exits quietly when the reader closes the pipe.
      """
  )

  // Numeric options take the next argument even when it starts with a dash, so that
  // `--path -1` is reported as out of range (by `validate`) rather than as a missing value.
  @Option(parsing: .unconditional, help: "The 64-bit seed (the Philox key).")
  var seed: UInt64

  @Option(
    parsing: .unconditional, help: "The path index whose stream is printed (0 to 4294967295).")
  var path: Int = 0

  @Option(
    parsing: .unconditional,
    help: "The substream: 0 diffusion, 1 mixing, 2 jumps, 3 regimes, 4 innovations.")
  var substream: UInt32 = 0

  @Option(
    parsing: .unconditional,
    help: "How many 32-bit words to print (default: 16 as text; unbounded with --raw).")
  var count: UInt64?

  @Flag(help: "Write binary words to standard output instead of hexadecimal text.")
  var raw = false

  func validate() throws {
    guard path >= 0 && path <= PathStream.maximumPathIndex else {
      throw ValidationError(
        "--path must be between 0 and \(PathStream.maximumPathIndex), got \(path).")
    }
    if !raw && count == nil { return }
    if let count, count == 0 { throw ValidationError("--count must be at least 1.") }
  }

  func run() throws {
    var stream = PathStream(seed: seed, path: path, substream: substream)
    if raw {
      try writeRaw(&stream)
      return
    }
    let total = count ?? 16
    var line: [String] = []
    var text = ""
    var emitted: UInt64 = 0
    while emitted < total {
      let b = stream.nextBlock()
      for word in [b.0, b.1, b.2, b.3] where emitted < total {
        line.append(hex(word))
        emitted += 1
      }
      text += line.joined(separator: " ") + "\n"
      line.removeAll(keepingCapacity: true)
      // SIGPIPE is ignored (`prepareProcess`): a reader that has gone away ends the output.
      if text.utf8.count >= 1 << 16 {
        guard printOutput(text) else { return }
        text = ""
      }
    }
    if !text.isEmpty { printOutput(text) }
  }

  private func hex(_ word: UInt32) -> String {
    let digits = String(word, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// Streams words in 64 KiB chunks; a closed pipe (EPIPE) ends the run with status 0.
  private func writeRaw(_ stream: inout PathStream) throws {
    signal(SIGPIPE, SIG_IGN)
    let wordsPerChunk = 16_384
    var chunk = [UInt32](repeating: 0, count: wordsPerChunk)
    var remaining = count ?? UInt64.max
    while remaining > 0 {
      let n = Int(min(UInt64(wordsPerChunk), remaining))
      var i = 0
      while i < n {
        let b = stream.nextBlock()
        for word in [b.0, b.1, b.2, b.3] where i < n {
          chunk[i] = UInt32(littleEndian: word)
          i += 1
        }
      }
      let ok = chunk.withUnsafeBytes { bytes in writeAll(bytes.baseAddress!, n * 4) }
      if !ok { return }
      remaining -= UInt64(n)
    }
  }

  /// Writes `length` bytes to standard output; false when the reader has gone away.
  private func writeAll(_ start: UnsafeRawPointer, _ length: Int) -> Bool {
    var offset = 0
    while offset < length {
      let written = write(1, start + offset, length - offset)
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }
}
