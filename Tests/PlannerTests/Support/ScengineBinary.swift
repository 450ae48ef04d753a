import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The built `scengine` executable: beside the running test executable (`.build/release/` with
/// `swift test -c release`, `.build/debug/` otherwise), or one folder up when the tests run from
/// a bundle.
enum ScengineBinary {
  static let url: URL? = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let folder = exe.deletingLastPathComponent()
    return [folder, folder.deletingLastPathComponent()]
      .map { $0.appendingPathComponent("scengine") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// What a finished run of the binary did.
  struct Result {
    let status: Int32
    let reason: Process.TerminationReason
    let stdout: String
    let stderr: String
  }

  /// Runs scengine with `arguments` in `directory` (default: the test's), with no standard input
  /// and its output captured in files, so that no pipe can fill up.
  static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
    let binary = try #require(url, "scengine not found beside the test executable")
    let capture = try TemporaryDirectory("capture")
    defer { capture.remove() }
    let outURL = capture.url.appendingPathComponent("stdout")
    let errURL = capture.url.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Result(
      status: process.terminationStatus, reason: process.terminationReason,
      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }

  /// Runs `scengine run SCENARIO --out OUT --progress none ARGUMENTS` and requires success.
  @discardableResult
  static func runScenario(_ scenario: String, out: URL, _ arguments: [String] = []) throws -> Result
  {
    let result = try run(["run", scenario, "--out", out.path, "--progress", "none"] + arguments)
    try #require(
      result.reason == .exit && result.status == 0,
      "scengine run \(scenario) \(arguments) exited with \(result.status): \(result.stderr)")
    return result
  }
}

/// A fresh directory under the system's temporary directory; `remove()` deletes it.
struct TemporaryDirectory {
  let url: URL

  init(_ label: String) throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("scengine-planner-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// Writes `text` to `name` inside the directory and returns its path.
  @discardableResult
  func write(_ text: String, to name: String) throws -> String {
    let file = url.appendingPathComponent(name)
    try Data(text.utf8).write(to: file)
    return file.path
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The repository's root, found from this file's path (Tests/PlannerTests/Support/…).
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// The quickstart scenario shipped in `Scenarios/`.
let quickstartPath = repositoryRoot.appendingPathComponent("Scenarios/quickstart.yaml").path

/// Every regular file below `directory`, as paths relative to it, sorted.
func regularFiles(under directory: URL) -> [String] {
  let root = directory.resolvingSymlinksInPath().path
  guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
  var files: [String] = []
  while let name = walker.nextObject() as? String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: "\(root)/\(name)", isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      files.append(name)
    }
  }
  return files.sorted()
}
