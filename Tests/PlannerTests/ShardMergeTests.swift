import Foundation
import PathFiles
import Planner
import ScengineTestSupport
import Testing

/// `run --shard K/N` then `merge`: the merged files are those of a one-machine run, byte for
/// byte, for every model, with stresses, for any shard count, thread count and block size;
/// `merge` refuses shards that do not make one run, each with its own message.
@Suite("sharded runs and merge")
struct ShardMergeTests {
  /// A scenario of the matrix: a curated file or a fixture, and the options of every run.
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    /// A path under `Scenarios/`, or YAML text to write.
    let scenario: String
    let isFile: Bool
    let options: [String]
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "gbm quickstart", scenario: "quickstart.yaml", isFile: true, options: []),
    Case(
      name: "gbm supervisory (historical and correlation stresses)",
      scenario: "supervisory.yaml", isFile: true, options: ["--variant", "adverse"]),
    Case(
      name: "merton jumps", scenario: "flash-crash-jumps.yaml", isFile: true,
      options: ["--emit", "prices,returns,jumps"]),
    Case(
      name: "garch", scenario: "volatility-clustering-garch.yaml", isFile: true,
      options: ["--emit", "prices,variance"]),
    Case(
      name: "regime", scenario: "crisis-2008-regime.yaml", isFile: true,
      options: ["--emit", "prices,regimes"]),
    Case(
      name: "kou",
      scenario: ScenarioFixture.model(
        "{kou: {drift: 0.05, volatility: 0.2, jumps: {intensity: 3, up_probability: 0.3, "
          + "up_mean: 0.04, down_mean: 0.06}}}"), isFile: false,
      options: ["--emit", "prices,jumps"]),
    Case(
      name: "egarch t",
      scenario: ScenarioFixture.model(
        "{garch: {type: egarch, mean: 0.0003, omega: -0.2, alpha: 0.1, beta: 0.97, gamma: -0.08, "
          + "innovations: {student_t: 6}, initial_variance: unconditional_geometric_mean}}"),
      isFile: false, options: []),
    Case(
      name: "schwartz",
      scenario: ScenarioFixture.model(
        "{schwartz: {mean_reversion: {EQ: 1.5, BOND: 4}, long_run_price: {EQ: 80, BOND: 105}, "
          + "volatility: {EQ: 0.3, BOND: 0.1}}}"), isFile: false, options: []),
    Case(
      name: "gbm csv", scenario: "equity-crash.yaml", isFile: true,
      options: ["--format", "csv"]),
    Case(
      name: "merton antithetic",
      scenario: ScenarioFixture.scenario(
        [
          "model":
            "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 5, mean: -0.05, "
            + "stdev: 0.1}}}"
        ], extra: "sampling: {antithetic: true}"), isFile: false,
      options: ["--emit", "prices,returns,jumps"]),
    Case(
      name: "regime antithetic",
      scenario: ScenarioFixture.regime() + "sampling: {antithetic: true}\n", isFile: false,
      options: ["--emit", "prices,regimes"]),
    Case(
      name: "gbm sobol owen",
      scenario: ScenarioFixture.scenario(extra: "sampling: {sobol: {scramble: owen}}"),
      isFile: false, options: []),
    Case(
      name: "garch t sobol shift",
      scenario: ScenarioFixture.scenario(
        [
          "model":
            "model: {garch: {mean: 0.0003, omega: 0.000002, alpha: 0.08, beta: 0.9, "
            + "innovations: {student_t: 6}}}"
        ], extra: "sampling: {sobol: {scramble: shift}}"), isFile: false,
      options: ["--emit", "prices,variance"]),
  ]

  /// Paths per run: uneven for 3, 4 and 7 shards.
  static let paths = 29

  /// The scenario's path, written into `folder` when it is a fixture.
  static func scenarioPath(_ c: Case, in folder: TemporaryDirectory) throws -> String {
    c.isFile
      ? repositoryRoot.appendingPathComponent("Scenarios/\(c.scenario)").path
      : try folder.write(c.scenario, to: "scenario.yaml")
  }

  /// Every file of a run but the manifest, with its bytes.
  static func contents(_ out: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in regularFiles(under: out) where name != "manifest.json" {
      files[name] = try Data(contentsOf: out.appendingPathComponent(name))
    }
    return files
  }

  /// The manifest's file list as comparable strings.
  static func fileList(_ out: URL) throws -> [String] {
    try readManifest(out).files.map {
      "\($0.path) \($0.sha256) \($0.bytes) \($0.dtype ?? "-") \($0.shape ?? [])"
    }
  }

  @Test("merged shards equal the one-machine run for 1, 3, 4 and 7 shards", arguments: cases)
  func mergedEqualsWholeRun(_ c: Case) throws {
    let folder = try TemporaryDirectory("shards")
    defer { folder.remove() }
    let scenario = try Self.scenarioPath(c, in: folder)
    let common = ["--paths", "\(Self.paths)"] + c.options
    let whole = folder.url.appendingPathComponent("whole")
    try ScengineBinary.runScenario(scenario, out: whole, common + ["--threads", "2"])
    let expected = try Self.contents(whole)
    let expectedList = try Self.fileList(whole)
    let wholeManifest = try readManifest(whole)
    // Thread counts 1 and 2 and block sizes 1, 7 and 256 spread over the shards.
    let settings = [
      ["1", "1"], ["2", "7"], ["1", "256"], ["2", "1"], ["1", "7"], ["2", "256"],
    ]
    var turn = 0
    for count in [1, 3, 4, 7] {
      var shardFolders: [String] = []
      for index in 0..<count {
        let out = folder.url.appendingPathComponent("shards\(count)/\(index)-of-\(count)")
        let (threads, block) = (settings[turn % 6][0], settings[turn % 6][1])
        turn += 1
        try ScengineBinary.runScenario(
          scenario, out: out,
          common + ["--shard", "\(index)/\(count)", "--threads", threads, "--block-size", block])
        let shard = try #require(try readManifest(out).shard)
        let lower = index * Self.paths / count
        let upper = (index + 1) * Self.paths / count
        #expect(shard.paths == [lower, upper], "shard \(index)/\(count)")
        shardFolders.append(out.path)
      }
      let merged = folder.url.appendingPathComponent("merged\(count)")
      // Shards in reverse order: merge sorts them by their paths.
      let result = try ScengineBinary.run(["merge", merged.path] + shardFolders.reversed())
      try #require(result.status == 0, "merge of \(count) shards: \(result.stderr)")
      let got = try Self.contents(merged)
      #expect(got.keys.sorted() == expected.keys.sorted(), "\(count) shards: other files")
      for (name, bytes) in expected {
        #expect(got[name] == bytes, "\(c.name), \(count) shards: \(name) differs")
      }
      #expect(try Self.fileList(merged) == expectedList, "\(count) shards: manifest files differ")
      let manifest = try readManifest(merged)
      #expect(manifest.shard == nil)
      #expect(manifest.resolvedSHA256 == wholeManifest.resolvedSHA256)
      #expect(manifest.seed == wholeManifest.seed && manifest.paths == wholeManifest.paths)
    }
  }

  @Test("--shard auto reads a Slurm array task's variables")
  func slurmAuto() throws {
    let folder = try TemporaryDirectory("shard-auto")
    defer { folder.remove() }
    let out = folder.url.appendingPathComponent("s")
    let result = try ScengineBinary.run(
      ["run", quickstartPath, "--paths", "10", "--shard", "auto", "--out", out.path],
      environment: [
        "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4",
        "SLURM_ARRAY_TASK_MAX": "4",
      ])
    try #require(result.status == 0, "\(result.stderr)")
    let shard = try #require(try readManifest(out).shard)
    #expect(shard.index == 2 && shard.count == 4 && shard.paths == [5, 7])
    let missing = try ScengineBinary.run(
      ["run", quickstartPath, "--shard", "auto", "--out", out.path + "2"], environment: [:])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("SLURM_ARRAY_TASK_ID is not set"), "\(missing.stderr)")
    let stepped = try ScengineBinary.run(
      ["run", quickstartPath, "--shard", "auto", "--out", out.path + "3"],
      environment: [
        "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3",
        "SLURM_ARRAY_TASK_MAX": "4",
      ])
    #expect(stepped.status == 2)
    #expect(stepped.stderr.contains("not contiguous"), "\(stepped.stderr)")
  }

  @Test("--shard K/N is checked", arguments: ["4/4", "-1/3", "1/0", "a/b", "1", "1/2/3"])
  func badShard(_ text: String) throws {
    let result = try ScengineBinary.run(["run", quickstartPath, "--shard", text, "--out", "/tmp/x"])
    #expect(result.status == 2, "\(text): \(result.stderr)")
    #expect(result.stderr.contains("--shard"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/x/manifest.json"))
  }

  @Test("a sharded Parquet run is refused with a clear message")
  func parquetRefused() throws {
    let folder = try TemporaryDirectory("shard-parquet")
    defer { folder.remove() }
    let out = folder.url.appendingPathComponent("s")
    let result = try ScengineBinary.run(
      ["run", quickstartPath, "--shard", "0/2", "--format", "parquet", "--out", out.path])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--format npy"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  /// Four shard folders of quickstart (0/3, 1/3, 2/3 and 1/2) and a fifth with another seed.
  struct Shards {
    let folder: TemporaryDirectory
    func path(_ name: String) -> String { folder.path(name) }
  }

  static func makeShards() throws -> Shards {
    let folder = try TemporaryDirectory("merge-refusals")
    func shard(_ name: String, _ extra: [String]) throws {
      try ScengineBinary.runScenario(
        quickstartPath, out: folder.url.appendingPathComponent(name), ["--paths", "12"] + extra)
    }
    try shard("a0", ["--shard", "0/3"])
    try shard("a1", ["--shard", "1/3"])
    try shard("a2", ["--shard", "2/3"])
    try shard("b1", ["--shard", "1/2"])
    try shard("seed", ["--shard", "2/3", "--seed", "99"])
    try shard("emit", ["--shard", "2/3", "--precision", "float32"])
    return Shards(folder: folder)
  }

  /// `merge` of `names` into a new folder, which must fail with status 2, a message holding
  /// `expected`, and no output left.
  func expectRefused(
    _ shards: Shards, _ names: [String], _ expected: String, status: Int32 = 2
  ) throws {
    let out = shards.folder.url.appendingPathComponent("out-\(UUID().uuidString)")
    let result = try ScengineBinary.run(["merge", out.path] + names.map(shards.path))
    #expect(result.status == status, "\(names): \(result.stderr)")
    #expect(
      result.stderr.contains(expected), "\(names): expected '\(expected)' in \(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "one message: \(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out.path), "\(names) left \(out.path)")
  }

  @Test("merge refuses overlapping, missing, foreign and corrupted shards")
  func refusals() throws {
    let shards = try Self.makeShards()
    defer { shards.folder.remove() }
    try expectRefused(shards, ["a0", "a1", "a2", "b1"], "overlap on paths")
    try expectRefused(shards, ["a0", "a1", "a1", "a2"], "overlap on paths 4..<8")
    try expectRefused(shards, ["a0", "a2"], "paths 4..<8 are in no shard given")
    try expectRefused(shards, ["a0", "a2"], "(1-of-3)")
    try expectRefused(shards, ["a0", "a1"], "paths 8..<12 are in no shard given")
    try expectRefused(shards, ["a0", "a1", "seed"], "seed 99")
    try expectRefused(shards, ["a0", "a1", "emit"], "another resolved scenario")
    try expectRefused(shards, ["a0", "nothing"], "cannot read")

    // The output folder inside a shard's folder: the shard's next run would refuse it.
    let inside = shards.path("a0") + "/merged"
    let nested = try ScengineBinary.run(
      ["merge", inside] + ["a0", "a1", "a2"].map(shards.path))
    #expect(nested.status == 2, "\(nested.stderr)")
    #expect(nested.stderr.contains("lies inside the folder of"), "\(nested.stderr)")
    #expect(!FileManager.default.fileExists(atPath: inside), "left \(inside)")

    // A byte changed inside a shard's prices: same size, other hash.
    let prices = URL(fileURLWithPath: shards.path("a1/baseline/prices.npy"))
    var bytes = try Data(contentsOf: prices)
    let original = bytes
    bytes[bytes.count - 3] ^= 0x40
    try bytes.write(to: prices)
    // Found while copying: a failed merge (exit 1), which leaves nothing.
    try expectRefused(shards, ["a0", "a1", "a2"], "does not match the SHA-256", status: 1)
    // A byte of the NPY header changed: also found while copying, a failed merge.
    var header = original
    header[10] ^= 0x01
    try header.write(to: prices)
    try expectRefused(shards, ["a0", "a1", "a2"], "does not start with the NPY header", status: 1)
    // Truncated: refused before anything is written.
    try original.prefix(original.count - 8).write(to: prices)
    try expectRefused(shards, ["a0", "a1", "a2"], "has \(original.count - 8) bytes")
    try original.write(to: prices)

    // Risk figures changed.
    let risk = URL(fileURLWithPath: shards.path("a2/baseline/risk_inputs.npy"))
    var figures = try Data(contentsOf: risk)
    figures[figures.count - 1] ^= 0x01
    try figures.write(to: risk)
    // Found while copying: a failed merge (exit 1), which leaves nothing.
    try expectRefused(shards, ["a0", "a1", "a2"], "does not match the SHA-256", status: 1)

    // Another engine version.
    let manifestURL = URL(fileURLWithPath: shards.path("seed/manifest.json"))
    let text = try String(contentsOf: manifestURL, encoding: .utf8)
      .replacingOccurrences(
        of: "\"version\" : \"\(EngineInfo.version)\"", with: "\"version\" : \"0.0.1\"")
    try text.write(to: manifestURL, atomically: true, encoding: .utf8)
    try expectRefused(shards, ["a0", "a1", "seed"], "written by scengine 0.0.1")

    // A whole run is not a shard.
    let whole = shards.folder.url.appendingPathComponent("whole")
    try ScengineBinary.runScenario(quickstartPath, out: whole, ["--paths", "12"])
    try expectRefused(shards, ["whole"], "is not a shard")
  }

  @Test("merge into the default layout out/<name> leaves out/<name>/shards alone")
  func defaultLayout() throws {
    let folder = try TemporaryDirectory("merge-layout")
    defer { folder.remove() }
    for k in 0..<2 {
      let result = try ScengineBinary.run(
        ["run", quickstartPath, "--paths", "10", "--shard", "\(k)/2", "--progress", "none"],
        in: folder.url)
      try #require(result.status == 0, "\(result.stderr)")
    }
    let shardsDir = "out/quickstart/shards"
    #expect(
      FileManager.default.fileExists(
        atPath: folder.path("\(shardsDir)/1-of-2/manifest.json")))
    let merge = try ScengineBinary.run(
      ["merge", "out/quickstart", "\(shardsDir)/0-of-2", "\(shardsDir)/1-of-2"], in: folder.url)
    try #require(merge.status == 0, "\(merge.stderr)")
    // A second merge into the same folder replaces the first; the shards stay.
    let again = try ScengineBinary.run(
      ["merge", "out/quickstart", "\(shardsDir)/0-of-2", "\(shardsDir)/1-of-2"], in: folder.url)
    try #require(again.status == 0, "\(again.stderr)")
    // A whole run into the folder keeps the shards too.
    let run = try ScengineBinary.run(
      ["run", quickstartPath, "--paths", "10", "--progress", "none"], in: folder.url)
    try #require(run.status == 0, "\(run.stderr)")
    let merged = try readManifest(folder.url.appendingPathComponent("out/quickstart"))
    #expect(merged.shard == nil)
    #expect(
      FileManager.default.fileExists(
        atPath: folder.path("\(shardsDir)/0-of-2/baseline/prices.npy")))
    // The output folder cannot be a shard's own folder.
    let into = try ScengineBinary.run(
      ["merge", "\(shardsDir)/0-of-2", "\(shardsDir)/0-of-2", "\(shardsDir)/1-of-2"],
      in: folder.url)
    #expect(into.status == 2, "\(into.stderr)")
    #expect(
      FileManager.default.fileExists(
        atPath: folder.path("\(shardsDir)/0-of-2/baseline/prices.npy")))
  }
}
