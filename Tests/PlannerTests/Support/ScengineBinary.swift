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

/// The repository's root, found from this file's path (Tests/PlannerTests/Support/…).
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// The quickstart scenario shipped in `Scenarios/`.
let quickstartPath = repositoryRoot.appendingPathComponent("Scenarios/quickstart.yaml").path
