import Foundation
import PathFiles
import Planner
import ScengineTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `run --resume` after SIGKILL: the finished variants are kept (their hashes checked), the rest
/// recomputed, and the result is byte-identical to an uninterrupted run.
@Suite("resumed runs")
struct ResumeTests {
  /// Three variants that each take a noticeable moment on one thread.
  static let scenario = ScenarioFixture.scenario(
    [
      "paths": "paths: 6000",
      "variants": """
      variants:
        a: {}
        b: {stresses: [{shock: {at: 10, returns: {EQ: -0.2}}}]}
        c: {stresses: [{volatility: {from: 5, to: 200, multiplier: 2}}]}
      """,
    ])

  /// Starts `scengine run` and returns the process.
  static func start(_ arguments: [String]) throws -> Process {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the test executable")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Kills `process` with SIGKILL once `ready()` holds (or it has ended); returns whether it
  /// was killed while running.
  static func kill(_ process: Process, when ready: () -> Bool) -> Bool {
    let started = Date()
    while process.isRunning && !ready() && Date().timeIntervalSince(started) < 60 {
      usleep(300)
    }
    guard process.isRunning else { return false }
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return true
  }

  func exists(_ url: URL, _ name: String) -> Bool {
    FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path)
  }

  /// Whether the run's journal (the lock file) records `variant` as finished.
  func recorded(_ url: URL, _ variant: String) -> Bool {
    guard
      let text = try? String(
        contentsOf: url.appendingPathComponent(".scengine.lock"), encoding: .utf8)
    else { return false }
    return text.contains("\"name\":\"\(variant)\"")
  }

  /// Whether a partial file of `name` (`name.<run>.partial`) is being written.
  func writing(_ url: URL, _ name: String) -> Bool {
    let target = url.appendingPathComponent(name)
    let names =
      (try? FileManager.default.contentsOfDirectory(
        atPath: target.deletingLastPathComponent().path)) ?? []
    return names.contains {
      $0.hasPrefix(target.lastPathComponent + ".") && $0.hasSuffix(".partial")
    }
  }

  @Test(
    "SIGKILL at several points, then --resume, gives the bytes of an uninterrupted run",
    arguments: [[], ["--shard", "1/2"]])
  func killAndResume(_ extra: [String]) throws {
    let folder = try TemporaryDirectory("resume")
    defer { folder.remove() }
    let file = try folder.write(Self.scenario, to: "three.yaml")
    let reference = folder.url.appendingPathComponent("reference")
    try ScengineBinary.runScenario(file, out: reference, ["--threads", "1"] + extra)
    let out = folder.url.appendingPathComponent("out")
    let arguments =
      ["run", file, "--out", out.path, "--threads", "1", "--progress", "none"] + extra

    // 1: killed while the first variant is written; 2: after it finished; 3: after the second.
    var killedAt: [String] = []
    if Self.kill(try Self.start(arguments), when: { writing(out, "a/prices.npy") }) {
      killedAt.append("a")
    }
    if Self.kill(try Self.start(arguments + ["--resume"]), when: { recorded(out, "a") }) {
      killedAt.append("after a")
    }
    if Self.kill(try Self.start(arguments + ["--resume"]), when: { recorded(out, "b") }) {
      killedAt.append("after b")
    }
    #expect(!killedAt.isEmpty, "no run could be killed before it finished")
    #expect(!exists(out, "manifest.json"), "a killed run left a manifest")
    let resumed = try ScengineBinary.run(arguments + ["--resume"])
    try #require(resumed.status == 0, "\(resumed.stderr)")
    if killedAt.contains("after b") {
      #expect(
        resumed.stderr.contains("kept the finished variants a, b"),
        "killed at \(killedAt); stderr: \(resumed.stderr)")
    }
    for name in regularFiles(under: reference) where name != "manifest.json" {
      let a = try Data(contentsOf: reference.appendingPathComponent(name))
      let b = try Data(contentsOf: out.appendingPathComponent(name))
      #expect(a == b, "\(name) differs after resuming (killed at \(killedAt))")
    }
    #expect(regularFiles(under: out).sorted() == regularFiles(under: reference).sorted())
    let expected = try readManifest(reference).files
    #expect(try readManifest(out).files == expected)
  }

  @Test("--resume after a finished run keeps everything; a changed file is recomputed")
  func resumeFinished() throws {
    let folder = try TemporaryDirectory("resume-finished")
    defer { folder.remove() }
    let file = try folder.write(Self.scenario, to: "three.yaml")
    let out = folder.url.appendingPathComponent("out")
    let common = ["--paths", "50"]
    try ScengineBinary.runScenario(file, out: out, common)
    let before = try readManifest(out).files
    let kept = try ScengineBinary.runScenario(file, out: out, common + ["--resume"])
    #expect(kept.stderr.contains("kept the finished variants a, b, c"), "\(kept.stderr)")
    #expect(try readManifest(out).files == before)

    // A damaged file: its variant is run again, the others kept.
    let prices = out.appendingPathComponent("b/prices.npy")
    var bytes = try Data(contentsOf: prices)
    bytes[bytes.count - 1] ^= 0x10
    try bytes.write(to: prices)
    let repaired = try ScengineBinary.runScenario(file, out: out, common + ["--resume"])
    #expect(repaired.stderr.contains("variant b is run again"), "\(repaired.stderr)")
    #expect(repaired.stderr.contains("kept the finished variants a, c"), "\(repaired.stderr)")
    #expect(try readManifest(out).files == before)

    // Another seed: nothing is kept, every file is rewritten.
    let other = try ScengineBinary.runScenario(
      file, out: out, common + ["--resume", "--seed", "8"])
    #expect(other.stderr.contains("not resumed"), "\(other.stderr)")
    #expect(try readManifest(out).files != before)
  }
}
