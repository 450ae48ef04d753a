import Foundation
import ScengineTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension ScengineBinary {
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
