import Foundation
import Planner
import ScengineTestSupport
import Testing

/// Every curated file in `Scenarios/` runs, found when the tests run (more are added over time).
@Suite("Curated scenarios")
struct CuratedScenarioTests {
  static let scenarios: [String] = {
    let folder = repositoryRoot.appendingPathComponent("Scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
  }()

  @Test("Scenarios/ is found and holds the quickstart")
  func found() {
    #expect(
      Self.scenarios.contains("quickstart.yaml"),
      "found \(Self.scenarios) in \(repositoryRoot.path)")
  }

  @Test("runs with 50 paths and writes a manifest", arguments: scenarios)
  func runs(_ name: String) throws {
    let folder = try TemporaryDirectory("curated")
    defer { folder.remove() }
    let out = folder.url.appendingPathComponent("out")
    let path = repositoryRoot.appendingPathComponent("Scenarios/\(name)").path
    try ScengineBinary.runScenario(path, out: out, ["--paths", "50", "--threads", "2"])
    let manifest = try readManifest(out)
    #expect(manifest.paths == 50)
    #expect(!manifest.files.isEmpty)
    for record in manifest.files {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(record.path).path))
    }
  }
}
