import Foundation

/// The built `scengine` executable and a way to run it, shared by the test targets that drive
/// the command line end to end.
public enum ScengineBinary {
  /// `scengine` beside the running test executable (`.build/release/` with
  /// `swift test -c release`, `.build/debug/` otherwise), or one folder up when the tests run
  /// from a bundle.
  public static let url: URL? = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let folder = exe.deletingLastPathComponent()
    return [folder, folder.deletingLastPathComponent()]
      .map { $0.appendingPathComponent("scengine") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// The binary could not be found.
  public struct NotFound: Error, CustomStringConvertible {
    public var description: String { "scengine not found beside the test executable" }
  }

  /// What a finished run did.
  public struct Result: Sendable {
    public let status: Int32
    public let reason: Process.TerminationReason
    /// Standard output and error as bytes.
    public let stdoutData: Data
    public let stderrData: Data
    /// Standard output and error as UTF-8 text.
    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
  }

  /// The process did not end within its time limit (it was killed).
  public struct TimedOut: Error, CustomStringConvertible {
    public let arguments: [String]
    public let seconds: Double
    public var description: String {
      "scengine \(arguments.joined(separator: " ")) did not end within \(seconds) s (killed)"
    }
  }

  /// Runs `executable` (default: scengine) with `arguments` in `directory` (default: the
  /// test's), with no standard input and its output captured in files, so that no pipe can
  /// fill up. A process still running after `timeout` seconds is killed and `TimedOut` thrown.
  /// With `environment`, the process gets this process's environment without its `SLURM_`
  /// variables, plus `environment`.
  public static func run(
    _ arguments: [String], executable: URL? = nil, in directory: URL? = nil,
    timeout: Double = 600, environment: [String: String]? = nil
  ) throws -> Result {
    guard let binary = executable ?? url else { throw NotFound() }
    let capture = FileManager.default.temporaryDirectory
      .appendingPathComponent("scengine-capture-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: capture) }
    let outURL = capture.appendingPathComponent("stdout")
    let errURL = capture.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment {
      process.environment = ProcessInfo.processInfo.environment
        .filter { !$0.key.hasPrefix("SLURM_") }
        .merging(environment) { _, new in new }
    }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(2_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      throw TimedOut(arguments: arguments, seconds: timeout)
    }
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Result(
      status: process.terminationStatus, reason: process.terminationReason,
      stdoutData: try Data(contentsOf: outURL), stderrData: try Data(contentsOf: errURL))
  }
}
