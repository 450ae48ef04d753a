import Foundation
import PathFiles
import ScengineTestSupport
import Testing

@testable import Planner

/// `ScenarioSpec.outputSize` against the files a run writes: NPY and Parquet files to the
/// byte, CSV files within their range, `summary.json` and `manifest.json` from above and close.
@Suite("disk full: the bytes a run writes")
struct DiskFullSizeTests {
  typealias F = ScenarioFixture

  static let garch = F.model("{garch: {omega: 2.0e-6, alpha: 0.05, beta: 0.9}}")
  static let merton = F.model(
    "{merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 2, mean: -0.05, stdev: 0.1}}}")

  /// 300 assets (one-factor correlation), and a variant whose correlation stress's target is
  /// repaired: two 300 × 300 matrices in the manifest, sized without encoding them.
  static let manyAssets = F.assets(
    300,
    [
      "paths": "paths: 9", "time": "time: {steps: 3, dt: 1/252}",
      "correlation": "correlation: \(F.oneFactor(300) { 0.2 + Double($0 % 70) / 100 })",
      "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
      "variants": """
      variants:
        base: {}
        flight:
          stresses:
            - correlation: {from: 1, to: 2, toward: {constant: -0.01, repair: nearest}, weight: 1}
      """,
    ])

  /// 70 assets and three regimes, two with correlations of their own: the model's record holds
  /// a matrix per regime (19,600 numbers with the top-level one).
  static let manyRegimes = F.assets(
    70,
    [
      "paths": "paths: 7", "time": "time: {steps: 4, dt: 1/252}",
      "correlation": "correlation: {constant: 0.2}", "variants": "variants: {baseline: {}}",
      "model": """
      model:
        regime:
          transition: [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]
          regimes:
            calm: {drift: 0.05, volatility: 0.1}
            tense: {drift: 0, volatility: 0.2, correlation: {constant: 0.37}}
            crisis:
              drift: -0.2
              volatility: 0.4
              correlation: \(F.oneFactor(70) { 0.1 + Double($0 % 13) / 17 })
      """,
    ])

  /// Scenarios with their output options: every format, precision and series.
  static let cases: [(name: String, scenario: String)] = [
    ("npy, 300 assets, a repaired stress target", manyAssets),
    ("npy, 70 assets, correlations per regime", manyRegimes),
    ("npy prices", F.scenario()),
    ("npy float32 regimes", F.regime() + "output: {precision: float32, emit: [returns, regimes]}"),
    ("npy variance", garch + "output: {emit: [prices, returns, variance]}"),
    ("npy jumps", merton + "output: {emit: [prices, jumps]}"),
    ("csv", F.scenario(["paths": "paths: 1013"], extra: "output: {format: csv}")),
    (
      "csv, no dates",
      F.scenario(["time": "time: {steps: 20, dt: 1/252}"], extra: "output: {format: csv}")
    ),
    ("parquet regimes", F.regime() + "output: {format: parquet, emit: [returns, regimes]}"),
    (
      "parquet float32 variance",
      garch + "output: {format: parquet, precision: float32, emit: [variance]}"
    ),
    ("parquet jumps", merton + "output: {format: parquet, emit: [jumps]}"),
    (
      "parquet zstd",
      F.regime() + "output: {format: parquet, compression: zstd, emit: [returns, regimes]}"
    ),
  ]

  /// Runs `scenario` (a shard of it, with `shard`) and checks `RunPlan.outputSize` against
  /// every file the run wrote.
  func expectEstimateBounds(_ name: String, _ scenario: String, shard: String? = nil) throws {
    let folder = try TemporaryDirectory("diskfull-size")
    defer { folder.remove() }
    let file = try folder.write(scenario, to: "s.yaml")
    let spec = try ScenarioLoader.load(path: file, overrides: .init())
    let out = folder.path("out")
    let command = "scengine run \(file) --out \(out)"
    let plan = RunPlan(
      spec: spec, threads: 2, blockSize: 7, shard: try shard.map { try Shard(parsing: $0) })
    let runner = Runner(
      plan: plan, outputDirectory: out, scenarioSHA256: String(repeating: "0", count: 64),
      command: command)
    let result = try runner.run(cancel: CancellationFlag(), progress: ProgressCounter(total: 1))
    let size = plan.outputSize(command: command)
    var actual: [String: Int] = [:]
    for record in result.manifest.files { actual[record.path] = record.bytes }
    let manifestBytes = try FileManager.default.attributesOfItem(atPath: out + "/manifest.json")
    actual["manifest.json"] = (manifestBytes[.size] as? NSNumber)?.intValue
    #expect(size.files.map(\.path) == result.manifest.files.map(\.path) + ["manifest.json"])
    for estimate in size.files {
      let bytes = try #require(actual[estimate.path], "\(name): \(estimate.path) not written")
      let report =
        "\(name): \(estimate.path): expected \(estimate.leastBytes)...\(estimate.bytes), "
        + "observed \(bytes)"
      if estimate.path.hasSuffix(".npy")
        || (estimate.path.hasSuffix(".parquet") && spec.output.compression == .none)
      {
        #expect(estimate.bytes == bytes && estimate.leastBytes == bytes, "\(report) (exact)")
      } else if estimate.path.hasSuffix(".csv") || estimate.path.hasSuffix(".parquet") {
        // CSV prices take 3 to 24 characters; compressed Parquet pages at most their bound.
        #expect(estimate.leastBytes <= bytes && bytes <= estimate.bytes, "\(report)")
      } else {
        // JSON: every number, timing and count at its longest text, the command line padded
        // to 1 KiB; tolerance 25% and that 1 KiB.
        #expect(
          bytes <= estimate.bytes && estimate.bytes <= bytes + bytes / 4 + 1024, "\(report)")
      }
    }
    let series = spec.assets.count + (spec.portfolio == nil ? 0 : 1)
    #expect(size.riskFigureBytes == 16 * series * plan.paths.count, "\(name): risk figures")
  }

  @Test("the estimate bounds every file of a finished run", arguments: cases)
  func estimateBoundsTheRun(_ c: (name: String, scenario: String)) throws {
    try expectEstimateBounds(c.name, c.scenario)
    let spec = try ScenarioLoader.parse(yaml: c.scenario, file: "s.yaml", baseDirectory: ".")
    #expect(
      spec.outputSize(paths: 0..<spec.paths).bytes == spec.outputBytes(pathCount: spec.paths),
      "\(c.name)")
  }

  @Test(
    "large correlation matrices are sized and written to the byte without the encoder",
    arguments: [(manyAssets, 2), (manyRegimes, 4)])
  func manifestSizedExactly(scenario: String, expectedMatrices: Int) throws {
    let spec = try ScenarioLoader.parse(yaml: scenario, file: "s.yaml", baseDirectory: ".")
    let manifest = spec.longestManifest(files: [], shard: nil, command: "scengine run s.yaml")
    let n = spec.assets.count
    let matrices =
      1 + manifest.variants.compactMap(\.correlationRepairs).joined().count
      + manifest.model.values.flatMap { $0.squareMatrices(n) }.count
    #expect(
      matrices == expectedMatrices,
      "the manifest holds \(matrices) matrices, expected \(expectedMatrices)")
    let encoded = try encodeJSON(manifest)
    let sized = try #require(manifest.encodedBytes())
    #expect(sized == encoded.count, "expected \(encoded.count) bytes, sized \(sized)")
    let written = try manifest.encodedJSON()
    let differ =
      zip(written, encoded).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      ?? min(written.count, encoded.count)
    let context = String(decoding: written[differ...].prefix(80), as: UTF8.self)
    let same = written == encoded  // not in #expect, which would print both arrays
    #expect(
      same,
      "written \(written.count) bytes, the encoder \(encoded.count); first difference at \(differ): \(context)"
    )
    for x in [1.0, -0.0, 0.0, 0.1, -0.30000000000000004, 1e-7, 2.5e-12, -1.0, 0.5] {
      let text = try #require(String(bytes: try encodeJSON([x], pretty: false), encoding: .utf8))
      #expect(Manifest.numberLength(x) == text.count - 2, "\(x) is written \(text)")
    }
  }

  @Test(
    "above 2²⁴ numbers the size is still exact (2,900 assets, a regime with a correlation of its own)"
  )
  func manifestSizedExactlyAboveTwoToThe24() throws {
    let yaml = F.assets(
      2900,
      [
        "paths": "paths: 2", "time": "time: {steps: 2, dt: 1/252}", "correlation": nil,
        "model": """
        model:
          regime:
            transition: [[0.95, 0.05], [0.1, 0.9]]
            regimes:
              calm: {drift: 0.05, volatility: 0.1}
              crisis: {drift: -0.2, volatility: 0.4, correlation: {constant: 0.2}}
        """,
        "variants": "variants: {baseline: {}}",
      ])
    let spec = try ScenarioLoader.parse(yaml: yaml, file: "s.yaml", baseDirectory: ".")
    let manifest = spec.longestManifest(files: [], shard: nil, command: "scengine run s.yaml")
    #expect(manifest.correlation.matrix.count == 2900)
    let sized = try #require(manifest.encodedBytes())
    // The writer, not the encoder (minutes here): the test above compares the two.
    let written = try manifest.encodedJSON().count
    #expect(sized == written, "written \(written) bytes, sized \(sized)")
  }

  @Test(
    "a shard's estimate bounds its files (risk_inputs.npy in place of summary.json)",
    arguments: ["0/3", "2/3", "6/7"])
  func estimateBoundsAShard(_ shard: String) throws {
    try expectEstimateBounds(
      "npy shard \(shard)", Self.garch + "output: {emit: [prices, variance]}", shard: shard)
    try expectEstimateBounds(
      "csv shard \(shard)", F.scenario(["paths": "paths: 1013"], extra: "output: {format: csv}"),
      shard: shard)
  }

  @Test("a shard of the last paths has the longest CSV rows; other shards are no larger")
  func shardPathCount() throws {
    let folder = try TemporaryDirectory("diskfull-shard")
    defer { folder.remove() }
    let file = try folder.write(
      F.scenario(["paths": "paths: 1000"], extra: "output: {format: csv}"), to: "s.yaml")
    let spec = try ScenarioLoader.load(path: file, overrides: .init())
    let last = spec.outputSize(pathCount: 100)
    #expect(last == spec.outputSize(paths: 900..<1000))
    for first in [0, 5, 95, 899] {
      let shard = spec.outputSize(paths: first..<(first + 100))
      #expect(
        shard.bytes <= last.bytes,
        "paths \(first)..<\(first + 100): expected at most \(last.bytes), observed \(shard.bytes)")
    }
  }

  @Test("a huge run's size saturates instead of overflowing")
  func saturation() throws {
    let folder = try TemporaryDirectory("diskfull-huge")
    defer { folder.remove() }
    // Each file holds less than 2^63 bytes (the parser's limit); together they hold more.
    let assets = (0..<134).map { "A\($0)" }.joined(separator: ", ")
    let file = try folder.write(
      F.scenario(
        [
          "paths": "paths: 4294967296", "time": "time: {steps: 1000000, dt: 1/252}",
          "assets": "assets: [\(assets)]", "initial": "initial: 100", "correlation": nil,
          "portfolio": nil, "model": "model: {garch: {omega: 2.0e-6, alpha: 0.05, beta: 0.9}}",
          "variants": "variants: {a: {}, b: {}}",
        ], extra: "output: {emit: [prices, returns, variance]}"), to: "s.yaml")
    let spec = try ScenarioLoader.load(path: file, overrides: .init())
    let size = spec.outputSize(pathCount: spec.paths)
    #expect(size.bytes == .max, "expected Int.max, observed \(size.bytes)")
    #expect(ByteCount.long(size.bytes) == "more than 9.2 EB")
  }
}

/// `DiskBudget`, `FreeSpace` and `ByteCount` without a full disk (the full disks are in
/// Tests/python/test_disk_full.py).
@Suite("disk full: the budget and its messages")
struct DiskFullBudgetTests {
  @Test(
    "byte counts for people",
    arguments: [
      (0, "0 bytes", "0 B"), (1, "1 byte", "1 B"), (999, "999 bytes", "999 B"),
      (1000, "1.0 kB (1,000 bytes)", "1.0 kB"),
      (201_600_128, "201.6 MB (201,600,128 bytes)", "201.6 MB"),
      (12_345_678_901, "12.3 GB (12,345,678,901 bytes)", "12.3 GB"),
    ])
  func byteCounts(_ c: (bytes: Int, long: String, short: String)) {
    #expect(
      ByteCount.long(c.bytes) == c.long, "expected \(c.long), observed \(ByteCount.long(c.bytes))")
    #expect(
      ByteCount.short(c.bytes) == c.short,
      "expected \(c.short), observed \(ByteCount.short(c.bytes))")
  }

  @Test("the free space of a folder yet to be made is its nearest existing parent's")
  func nearestExistingParent() throws {
    let folder = try TemporaryDirectory("diskfull-free")
    defer { folder.remove() }
    let space = try #require(FreeSpace(outputFolder: folder.path("a/b/c")))
    #expect(
      space.folder == folder.url.path, "expected \(folder.url.path), observed \(space.folder)")
    #expect(space.availableBytes > 0 && space.reclaimableBytes == 0)
    try folder.write("", to: "file")
    #expect(FreeSpace(outputFolder: folder.path("file/out")) == nil)
  }

  @Test("an earlier run's files count as free: the run removes them first")
  func earlierRunIsReclaimable() throws {
    let folder = try TemporaryDirectory("diskfull-earlier")
    defer { folder.remove() }
    let file = try folder.write(ScenarioFixture.scenario(), to: "s.yaml")
    let spec = try ScenarioLoader.load(path: file, overrides: .init())
    let out = folder.path("out")
    _ = try Runner(
      plan: RunPlan(spec: spec, threads: 1), outputDirectory: out,
      scenarioSHA256: String(repeating: "0", count: 64), command: "test"
    ).run(cancel: CancellationFlag(), progress: ProgressCounter(total: 1))
    let space = try #require(FreeSpace(outputFolder: out))
    let written = regularFiles(under: URL(fileURLWithPath: out)).reduce(0) { total, name in
      var info = stat()
      return total + (lstat(out + "/" + name, &info) == 0 ? Int(info.st_blocks) * 512 : 0)
    }
    #expect(
      space.reclaimableBytes == written, "expected \(written), observed \(space.reclaimableBytes)")
  }

  @Test("a killed run's files, listed by the journal in its lock file, count as free")
  func killedRunIsReclaimable() throws {
    let folder = try TemporaryDirectory("diskfull-killed")
    defer { folder.remove() }
    try FileManager.default.createDirectory(
      atPath: folder.path("base"), withIntermediateDirectories: true)
    try folder.write(String(repeating: "x", count: 10_000), to: "base/prices.npy")
    try folder.write(String(repeating: "y", count: 5_000), to: "elsewhere.txt")
    try folder.write(
      #"{"files":["base/prices.npy","manifest.json"],"pid":1,"run":"1-0000000f"}"# + "\n"
        + #"{"finished":{"variant":"base"}}"# + "\n", to: ".scengine.lock")
    var info = stat()
    try #require(lstat(folder.path("base/prices.npy"), &info) == 0)
    let expected = Int(info.st_blocks) * 512
    let space = try #require(FreeSpace(outputFolder: folder.url.path))
    #expect(
      space.reclaimableBytes == expected,
      "expected \(expected), observed \(space.reclaimableBytes)")
  }

  @Test("a full disk's message says what the run needed and what was free")
  func explaining() throws {
    let size = OutputSize(
      files: [.init(path: "base/prices.npy", bytes: 201_600_000, leastBytes: 201_600_000)],
      riskFigureBytes: 128, journalBytes: 0)
    let space = FreeSpace(folder: "out", availableBytes: 12_300_000, reclaimableBytes: 0)
    let budget = DiskBudget(folder: "out/x", size: size, space: space)
    let full = "cannot write out/x/base/prices.npy: No space left on device"
    #expect(
      budget.explaining(full) == full + "; the run needs 201.6 MB (201,600,128 bytes) in out/x, "
        + "12.3 MB (12,300,000 bytes) were free when it started")
    let quota = "cannot write out/x/base/prices.npy: Disk quota exceeded"
    #expect(
      budget.explaining(quota) == quota + "; the run needs 201.6 MB (201,600,128 bytes) in out/x")
    let other = "cannot write out/x/base/prices.npy: File too large"
    #expect(budget.explaining(other) == other)
    let refusal = try #require(budget.refusal)
    #expect(
      refusal == "the run needs 201.6 MB (201,600,128 bytes) in out/x, but the file system of out "
        + "has 12.3 MB (12,300,000 bytes) free; free some space or choose another --out, or pass "
        + "--force to try anyway")
    let roomy = FreeSpace(folder: "out", availableBytes: 1_000, reclaimableBytes: 201_599_128)
    #expect(DiskBudget(folder: "out/x", size: size, space: roomy).refusal == nil)
    #expect(DiskBudget(folder: "out/x", size: size, space: nil).refusal == nil)
  }
}
