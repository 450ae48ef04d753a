import Foundation
import PathFiles
import Planner
import ScengineTestSupport
import Testing

/// `scengine run` end to end: files identical for any thread count and block size (DESIGN
/// invariant 1), and common random numbers across variants (invariant 2).
@Suite("scengine run end to end")
struct EndToEndTests {
  /// Paths per run: more than one block at --block-size 256 and many at 7.
  static let paths = "300"

  /// The files of a run that must be identical byte for byte (not the manifest, which records
  /// timings, threads and the command line).
  static func dataFiles(_ out: URL) -> [String] {
    regularFiles(under: out).filter { $0 != "manifest.json" }
  }

  /// The manifest's file list as (path, sha256, bytes, dtype, shape) strings.
  static func fileList(_ out: URL) throws -> [String] {
    try readManifest(out).files.map {
      "\($0.path) \($0.sha256) \($0.bytes) \($0.dtype ?? "-") \($0.shape ?? [])"
    }
  }

  /// Runs the quickstart once per argument list and requires every run to write the same bytes.
  func expectIdenticalRuns(_ runs: [[String]], common: [String]) throws {
    let folder = try TemporaryDirectory("identical")
    defer { folder.remove() }
    var reference: (out: URL, files: [String], list: [String])?
    for (i, arguments) in runs.enumerated() {
      let out = folder.url.appendingPathComponent("run\(i)")
      try ScengineBinary.runScenario(quickstartPath, out: out, common + arguments)
      let files = Self.dataFiles(out)
      let list = try Self.fileList(out)
      #expect(Set(list.map { String($0.split(separator: " ")[0]) }) == Set(files))
      guard let first = reference else {
        reference = (out, files, list)
        continue
      }
      #expect(files == first.files, "\(arguments) wrote other files")
      #expect(list == first.list, "\(arguments): manifest file lists differ")
      for name in files {
        let a = try Data(contentsOf: first.out.appendingPathComponent(name))
        let b = try Data(contentsOf: out.appendingPathComponent(name))
        #expect(a == b, "\(name) differs between \(runs[0]) and \(arguments)")
      }
    }
  }

  @Test("prices, returns and summaries are byte-identical for any threads and block size")
  func identicalAcrossThreadsAndBlocks() throws {
    try expectIdenticalRuns(
      [
        ["--threads", "1"], ["--threads", "2"], ["--threads", "2", "--block-size", "7"],
        ["--threads", "1", "--block-size", "256"], ["--threads", "2", "--block-size", "256"],
      ],
      common: ["--paths", Self.paths])
  }

  @Test("--sync (fsync before the manifest) writes the same files")
  func syncWritesSameFiles() throws {
    try expectIdenticalRuns(
      [["--threads", "2"], ["--threads", "2", "--sync"]], common: ["--paths", "40"])
  }

  @Test("CSV output is byte-identical for any threads and block size")
  func csvIdentical() throws {
    try expectIdenticalRuns(
      [["--threads", "1"], ["--threads", "2", "--block-size", "7"]],
      common: ["--paths", "40", "--format", "csv", "--emit", "prices"])
  }

  @Test("Parquet output is byte-identical for any threads and block size")
  func parquetIdentical() throws {
    try expectIdenticalRuns(
      [
        ["--threads", "1"], ["--threads", "2", "--block-size", "7"],
        ["--threads", "2", "--block-size", "256"],
      ],
      common: ["--paths", "60", "--format", "parquet", "--emit", "prices,returns"])
  }

  @Test("manifest: shape, dtype and SHA-256 of every file match the files")
  func manifestDescribesFiles() throws {
    let folder = try TemporaryDirectory("manifest")
    defer { folder.remove() }
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(quickstartPath, out: out, ["--paths", "25", "--threads", "2"])
    let manifest = try readManifest(out)
    #expect(manifest.paths == 25)
    #expect(manifest.steps == 252)
    #expect(manifest.assets == ["EQ", "BOND", "GOLD"])
    #expect(manifest.dates?.count == 253)
    #expect(manifest.variants.map(\.name) == ["baseline", "selloff"])
    #expect(manifest.files.count == 6)
    for record in manifest.files {
      let path = out.appendingPathComponent(record.path).path
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      #expect(data.count == record.bytes, "\(record.path)")
      #expect(sha256Hex(of: data) == record.sha256, "\(record.path)")
      if record.path.hasSuffix(".npy") {
        let array = try NPYArray(contentsOf: path)
        #expect(array.descr == record.dtype)
        #expect(array.shape == record.shape)
        #expect(!array.fortranOrder)
      }
    }
    #expect(!regularFiles(under: out).contains { $0.hasSuffix(".partial") })
  }

  @Test("float32 output has dtype <f4 and holds the float64 prices rounded")
  func float32() throws {
    let folder = try TemporaryDirectory("float32")
    defer { folder.remove() }
    let wide = folder.url.appendingPathComponent("f8")
    let narrow = folder.url.appendingPathComponent("f4")
    try ScengineBinary.runScenario(
      quickstartPath, out: wide, ["--paths", "20", "--variant", "selloff"])
    try ScengineBinary.runScenario(
      quickstartPath, out: narrow,
      ["--paths", "20", "--variant", "selloff", "--precision", "float32"])
    let f8 = try NPYArray(contentsOf: wide.appendingPathComponent("selloff/prices.npy").path)
    let f4 = try NPYArray(contentsOf: narrow.appendingPathComponent("selloff/prices.npy").path)
    #expect(f8.descr == "<f8")
    #expect(f4.descr == "<f4")
    #expect(f4.shape == [20, 253, 3])
    #expect(zip(f8.values, f4.values).allSatisfy { Double(Float($0)) == $1 })
    let manifest = try readManifest(narrow)
    #expect(manifest.output.precision == "float32")
    #expect(manifest.files.filter { $0.path.hasSuffix(".npy") }.allSatisfy { $0.dtype == "<f4" })
  }

  @Test("quickstart: the sell-off equals the baseline before step 21 on every path")
  func quickstartCommonRandomNumbers() throws {
    let folder = try TemporaryDirectory("crn-quickstart")
    defer { folder.remove() }
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(quickstartPath, out: out, ["--paths", "50"])
    let base = try NPYArray(contentsOf: out.appendingPathComponent("baseline/prices.npy").path)
    let stressed = try NPYArray(contentsOf: out.appendingPathComponent("selloff/prices.npy").path)
    #expect(base.shape == [50, 253, 3])
    #expect(stressed.shape == base.shape)
    var before = true
    var differsAt21 = false
    for path in 0..<50 {
      for t in 0...20 {
        for a in 0..<3 where base[path, t, a] != stressed[path, t, a] { before = false }
      }
      if base[path, 21, 0] != stressed[path, 21, 0] { differsAt21 = true }
    }
    #expect(before, "prices differ before step 21")
    #expect(differsAt21, "the sell-off changed nothing at step 21")
  }

  @Test("a shock alone multiplies the price at its step by 1 + r and changes nothing else")
  func shockAlone() throws {
    let k = 30
    let folder = try TemporaryDirectory("crn-shock")
    defer { folder.remove() }
    let file = try folder.write(
      ScenarioFixture.scenario([
        "variants":
          "variants: {baseline: {}, shocked: {stresses: [{shock: {at: \(k), returns: {EQ: -0.20}}}]}}",
        "paths": "paths: 64",
      ]), to: "shock.yaml")
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(file, out: out, ["--threads", "2", "--block-size", "5"])
    let base = try NPYArray(contentsOf: out.appendingPathComponent("baseline/prices.npy").path)
    let shocked = try NPYArray(contentsOf: out.appendingPathComponent("shocked/prices.npy").path)
    #expect(base.shape == [64, 253, 2])
    var worst = 0.0
    var worstLater = 0.0
    for path in 0..<64 {
      for t in 0..<k {
        for a in 0..<2 {
          #expect(base[path, t, a] == shocked[path, t, a], "path \(path), index \(t), asset \(a)")
        }
      }
      worst = max(worst, abs(shocked[path, k, 0] / base[path, k, 0] - 0.8))
      for t in k...252 {
        worstLater = max(worstLater, abs(shocked[path, t, 0] / base[path, t, 0] - 0.8))
        #expect(shocked[path, t, 1] == base[path, t, 1], "BOND moved on path \(path) at \(t)")
      }
    }
    #expect(worst <= 1e-12, "stressed/baseline at step \(k) is 0.8 ± \(worst)")
    #expect(worstLater <= 1e-10, "after step \(k) the ratio drifts from 0.8 by \(worstLater)")
  }

  static let egarch =
    "{garch: {type: egarch, mean: 0, omega: -0.4, alpha: 0.1, beta: 0.95, gamma: -0.05}}"

  /// A GARCH `volatility` multiplier of 0 (or one small enough that m² σ² underflows) is a
  /// stress the README allows: the variance in force is 0 and the recursion carries on. It had
  /// failed the run as a collapsed recursion.
  @Test(
    "a GARCH volatility multiplier of 0 or 1e-160 runs, with the variance m² σ² in force",
    arguments: [
      ("0", "float64", egarch), ("1e-160", "float64", egarch), ("1e-20", "float32", egarch),
      // m² underflows to a subnormal while m² σ² (σ² near 99) does not.
      ("1e-162", "float64", "{garch: {omega: 0.99, alpha: 0, beta: 0.99, initial_variance: 1}}"),
    ])
  func garchZeroMultiplier(_ m: String, _ precision: String, _ model: String) throws {
    let folder = try TemporaryDirectory("garch-zero")
    defer { folder.remove() }
    let file = try folder.write(
      ScenarioFixture.scenario([
        "time": "time: {steps: 20, dt: 1/252}", "paths": "paths: 40", "portfolio": nil,
        "model": "model: \(model)",
        "variants":
          "variants: {baseline: {}, s: {stresses: [{volatility: {from: 2, to: 5, "
          + "multiplier: {EQ: \(m)}}}]}}",
      ]) + "output: {emit: [prices, variance], precision: \(precision)}\n", to: "s.yaml")
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(file, out: out, [])
    func load(_ name: String) throws -> NPYArray {
      try NPYArray(contentsOf: out.appendingPathComponent(name).path)
    }
    let (base, stressed) = (try load("baseline/variance.npy"), try load("s/variance.npy"))
    let multiplier = Double(m)!
    for path in 0..<40 {
      for t in 0..<20 {
        // (m σ)², as the engine forms it; near 0 the subnormals hold a few digits only.
        let sd = base[path, t, 0].squareRoot() * multiplier
        let expected = (1...4).contains(t) ? sd * sd : base[path, t, 0]
        let rounded = precision == "float32" ? Double(Float(expected)) : expected
        #expect(
          abs(stressed[path, t, 0] - rounded) <= 1e-12 * abs(rounded) + 200
            * Double.leastNonzeroMagnitude,
          "path \(path), step \(t + 1): variance \(stressed[path, t, 0]), expected \(rounded)")
      }
    }
    let (p0, p1) = (try load("baseline/prices.npy"), try load("s/prices.npy"))
    #expect(p1[0, 20, 1] == p0[0, 20, 1], "BOND is not stressed")
  }
}
