import Foundation
import ScengineTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// SIGTERM and SIGINT during a long run (DESIGN invariant 5): the run stops promptly, exits
/// non-zero, and leaves no file a reader could mistake for a finished one.
@Suite("Interrupted runs", .serialized)
struct InterruptTests {
  /// Where a run is when the signal arrives.
  struct Case: Sendable, CustomTestStringConvertible {
    let signal: Int32
    /// The scenario: one asset, 252 steps.
    let scenario: String
    /// The file whose temporary file (`NAME.<run>.partial`) shows the run is where the test
    /// wants it.
    let waitFor: String
    /// How long to let it work after that, in microseconds.
    let settle: UInt32
    var testDescription: String {
      "\(Self.names[signal] ?? "signal \(signal)") while writing \(waitFor)"
    }

    static let names: [Int32: String] = [SIGTERM: "SIGTERM", SIGINT: "SIGINT", SIGHUP: "SIGHUP"]

    /// The exit status the shell's convention gives a run stopped by `signal`: 128 + its number.
    var expectedStatus: Int32 {
      128 + signal
    }
  }

  static func scenario(paths: Int, variants: String? = nil) -> String {
    ScenarioFixture.longRun(paths: paths, variants: variants)
  }

  /// Two million paths (about 4 GB of prices, far more than a second's work), and a run of two
  /// variants interrupted in the second, whose first variant's finished files must go too.
  static let cases: [Case] = [
    Case(
      signal: SIGTERM, scenario: scenario(paths: 2_000_000), waitFor: "base/prices.npy",
      settle: 800_000),
    Case(
      signal: SIGINT, scenario: scenario(paths: 2_000_000), waitFor: "base/prices.npy",
      settle: 800_000),
    Case(
      signal: SIGHUP, scenario: scenario(paths: 2_000_000), waitFor: "base/prices.npy",
      settle: 800_000),
    Case(
      signal: SIGTERM, scenario: scenario(paths: 60_000, variants: "{first: {}, second: {}}"),
      waitFor: "second/prices.npy", settle: 0),
  ]

  @Test("the run stops within a second of the signal and leaves nothing behind", arguments: cases)
  func interrupt(_ scenario: Case) throws {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the test executable")
    let folder = try TemporaryDirectory("interrupt")
    defer { folder.remove() }
    let file = try folder.write(scenario.scenario, to: "long.yaml")
    let out = folder.url.appendingPathComponent("out")
    let errURL = folder.url.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let err = try FileHandle(forWritingTo: errURL)
    defer { try? err.close() }

    let process = Process()
    process.executableURL = binary
    process.arguments = ["run", file, "--out", out.path, "--threads", "2", "--progress", "none"]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    try process.run()
    defer { if process.isRunning { process.terminate() } }

    // Wait until the run is writing its prices (the signal handlers are installed by then),
    // then let it work for a moment.
    let target = out.appendingPathComponent(scenario.waitFor)
    let name = target.lastPathComponent
    func writing() -> Bool {
      let names =
        (try? FileManager.default.contentsOfDirectory(
          atPath: target.deletingLastPathComponent().path)) ?? []
      return names.contains { $0.hasPrefix(name + ".") && $0.hasSuffix(".partial") }
    }
    let started = Date()
    while !writing() && process.isRunning && Date().timeIntervalSince(started) < 30 {
      usleep(2_000)
    }
    try #require(writing(), "the run never started writing")
    usleep(scenario.settle)
    try #require(process.isRunning, "the run finished before it could be interrupted")

    let signalled = Date()
    kill(process.processIdentifier, scenario.signal)
    while process.isRunning && Date().timeIntervalSince(signalled) < 10 { usleep(5_000) }
    let elapsed = Date().timeIntervalSince(signalled)
    try #require(!process.isRunning, "still running 10 s after the signal")
    process.waitUntilExit()

    #expect(elapsed < 1.0, "took \(elapsed) s to exit after the signal")
    #expect(process.terminationReason == .exit, "killed by the signal instead of handling it")
    #expect(process.terminationStatus == scenario.expectedStatus)
    let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
    #expect(stderr.contains("interrupted"), "stderr: \(stderr)")
    #expect(
      !FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path))
    let left = regularFiles(under: out)
    #expect(
      left.filter { !$0.hasSuffix(".partial") }.isEmpty, "finished-looking files left: \(left)")
    #expect(left.isEmpty, "files left behind (the lock file included): \(left)")

    // The lock went with the run: a new run into the folder starts at once.
    let again = try ScengineBinary.run(
      ["run", file, "--out", out.path, "--paths", "10", "--progress", "none"], timeout: 60)
    #expect(again.status == 0, "re-run after the signal: \(again.stderr)")
  }

  /// A signal in the first tens of milliseconds, while the run is starting, is never lost: the
  /// run either dies of it before it has written anything, or stops with 143 and no files.
  @Test("a SIGTERM right after start is never lost")
  func earlySignals() throws {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the test executable")
    let folder = try TemporaryDirectory("early-signal")
    defer { folder.remove() }
    let file = try folder.write(Self.scenario(paths: 20_000), to: "long.yaml")
    for attempt in 0..<20 {
      let out = folder.url.appendingPathComponent("out\(attempt)")
      let process = Process()
      process.executableURL = binary
      process.arguments = ["run", file, "--out", out.path, "--progress", "none"]
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(UInt32(2_000 * (attempt % 10 + 1)))
      kill(process.processIdentifier, SIGTERM)
      process.waitUntilExit()
      let left = regularFiles(under: out)
      if process.terminationReason == .exit {
        #expect(
          process.terminationStatus == 143, "attempt \(attempt): exit \(process.terminationStatus)")
      }
      #expect(left.isEmpty, "attempt \(attempt): files left \(left)")
    }
  }
}
