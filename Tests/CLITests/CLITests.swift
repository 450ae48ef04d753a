import Foundation
import ScengineTestSupport
import Testing

/// The binary under test.
typealias Scengine = ScengineBinary

/// Little-endian 32-bit words from bytes.
func littleEndianWords(_ data: Data) -> [UInt32] {
  stride(from: 0, to: data.count - 3, by: 4).map { i in
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[data.startIndex + i + $1]) << (8 * $1) }
  }
}

@Suite("scengine command line")
struct CLITests {
  @Test("--version prints 0.1.0")
  func version() throws {
    let result = try Scengine.run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
  }

  @Test("rng --seed 0 --count 4 prints the first Random123 known-answer vector")
  func knownAnswer() throws {
    let result = try Scengine.run(["rng", "--seed", "0", "--count", "4"])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout == "6627e8d5 e169c58d bc57ac4c 9b00dbd8\n")
  }

  /// The first eight words of the stream of seed 1, path 0, substream 0: Philox4x32-10 under
  /// key (1, 0) at counters (0, 0, 0, 0) and (1, 0, 0, 0), from an independent implementation.
  static let seedOneWords: [UInt32] = [
    0xe3e8_0670, 0xe50a_0ebc, 0x95f2_22c0, 0xb615_aa27,
    0xac08_141b, 0xdfc5_ccbe, 0x79c0_7a47, 0xa7f6_6093,
  ]

  @Test("rng --raw --seed 1 --count 8 writes the stream's words as 32 little-endian bytes")
  func rawWords() throws {
    let raw = try Scengine.run(["rng", "--raw", "--seed", "1", "--count", "8"])
    #expect(raw.status == 0, "stderr: \(raw.stderr)")
    #expect(raw.stdoutData.count == 32)
    #expect(littleEndianWords(raw.stdoutData) == Self.seedOneWords)
    let text = try Scengine.run(["rng", "--seed", "1", "--count", "8"])
    let printed = text.stdout.split(whereSeparator: \.isWhitespace).compactMap {
      UInt32($0, radix: 16)
    }
    #expect(printed == Self.seedOneWords, "text output: \(text.stdout)")
  }

  @Test("rng --raw without --count exits 0 soon after its reader closes the pipe")
  func closedPipe() throws {
    let binary = try #require(Scengine.url)
    // The braces report scengine's own exit status on descriptor 3; `head` closes the pipe
    // after 100 bytes. `timeout` bounds the run if the writer never notices.
    let script = """
      exec 3>&1
      { "$0" rng --raw --seed 1; echo "$?" >&3; } | head -c 100 >/dev/null
      """
    let start = Date()
    let result = try Scengine.run(
      ["timeout", "-s", "KILL", "60", "/bin/sh", "-c", script, binary.path],
      executable: URL(fileURLWithPath: "/usr/bin/env"))
    let elapsed = Date().timeIntervalSince(start)
    #expect(result.status == 0, "shell status \(result.status), stderr: \(result.stderr)")
    #expect(result.stdout == "0\n", "scengine's exit status: \(result.stdout)")
    #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
    #expect(elapsed < 10, "took \(elapsed) s")
  }

  @Test(
    "Bad rng arguments exit non-zero with a message naming the option",
    arguments: [
      (["rng", "--seed", "1", "--path", "-1"], "--path must be between 0 and 4294967295, got -1"),
      (["rng", "--seed", "1", "--path=-1"], "--path must be between 0 and 4294967295, got -1"),
      (["rng", "--seed", "1", "--path", "4294967296"], "--path must be between 0 and 4294967295"),
      (["rng", "--seed", "1", "--count", "0"], "--count must be at least 1"),
      (["rng", "--seed", "-1"], "--seed"),
      (["rng"], "--seed"),
    ])
  func badArguments(_ arguments: [String], message: String) throws {
    let result = try Scengine.run(arguments)
    #expect(result.reason == .exit && result.status != 0, "status \(result.status)")
    #expect(result.stdout.isEmpty, "stdout: \(result.stdout)")
    #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
  }
}
