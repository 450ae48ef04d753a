import Foundation
import ScengineTestSupport
import Testing

/// `scengine validate` through the binary: the report's files, its independence from the
/// thread count, a run's folder taking back its default report folder, and one clear message,
/// status 2 and nothing written for every bad input.
@Suite struct ValidateCommandTests {
  /// A folder with a finished 120-step run `run/` of the two-asset fixture (300 paths) and a
  /// real price file `real.csv` of 200 rows with the run's asset names.
  static func prepared(_ label: String) throws -> TemporaryDirectory {
    let folder = try TemporaryDirectory(label)
    try folder.write(
      ScenarioFixture.scenario([
        "paths": "paths: 300", "time": "time: {steps: 120, dt: 1/252, start: 2027-01-04}",
      ]), to: "scenario.yaml")
    let run = try ScengineBinary.run(
      ["run", "scenario.yaml", "--out", "run"], in: folder.url, timeout: 120)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    try folder.write(
      CalibrateCommandTests.prices(rows: 200).replacingOccurrences(
        of: "date,A,B", with: "date,EQ,BOND"),
      to: "real.csv")
    return folder
  }

  /// The report without its timing, for comparisons.
  static func untimed(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
      .filter { !$0.contains("\"seconds\"") }.joined(separator: "\n")
  }

  @Test("the report is the same for 1 and 2 threads, and a new run removes the old report")
  func reportAndFolder() throws {
    let folder = try Self.prepared("validate")
    defer { folder.remove() }
    for threads in ["1", "2"] {
      let v = try ScengineBinary.run(
        ["validate", "run", "--real", "real.csv", "--out", "out\(threads)", "--threads", threads],
        in: folder.url, timeout: 120)
      #expect(v.status == 0, "stderr: \(v.stderr)")
      #expect(v.stdout.contains("score"), "stdout: \(v.stdout)")
    }
    #expect(
      try Self.untimed(folder.path("out1/report.json"))
        == Self.untimed(folder.path("out2/report.json")))
    let page = try String(contentsOfFile: folder.path("out1/report.html"), encoding: .utf8)
    #expect(page.contains("<svg") && !page.contains("<script") && !page.contains("http"))
    // The default folder is RUN/validation; running again into RUN removes it.
    let v = try ScengineBinary.run(["validate", "run"], in: folder.url, timeout: 120)
    #expect(v.status == 0, "stderr: \(v.stderr)")
    #expect(
      regularFiles(under: folder.url.appendingPathComponent("run/validation")) == [
        "report.html", "report.json",
      ])
    let again = try ScengineBinary.run(
      ["run", "scenario.yaml", "--out", "run"], in: folder.url, timeout: 120)
    #expect(again.status == 0, "stderr: \(again.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.path("run/validation")))
  }

  @Test("bad input: one message naming what is wrong, status 2, nothing written")
  func badInput() throws {
    let folder = try Self.prepared("validate-bad")
    defer { folder.remove() }
    try FileManager.default.copyItem(atPath: folder.path("run"), toPath: folder.path("flipped"))
    let prices = folder.path("flipped/baseline/prices.npy")
    var bytes = try Data(contentsOf: URL(fileURLWithPath: prices))
    bytes[bytes.count - 3] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: prices))
    for name in ["empty", "broken", "huge"] {
      try FileManager.default.createDirectory(
        atPath: folder.path(name), withIntermediateDirectories: true)
    }
    try folder.write("{not json", to: "broken/manifest.json")
    let manifest = try String(contentsOfFile: folder.path("run/manifest.json"), encoding: .utf8)
    try folder.write(
      manifest.replacingOccurrences(of: "\"paths\" : 300", with: "\"paths\" : 9223372036854775807"),
      to: "huge/manifest.json")
    let short = CalibrateCommandTests.prices(rows: 40)
      .replacingOccurrences(of: "date,A,B", with: "date,EQ,BOND")
    try folder.write(short, to: "short.csv")
    try folder.write("x", to: "afile")
    let shard = try ScengineBinary.run(
      ["run", "scenario.yaml", "--out", "shard", "--shard", "1/2"], in: folder.url, timeout: 120)
    #expect(shard.status == 0, "stderr: \(shard.stderr)")
    let cases: [(arguments: [String], message: String)] = [
      (["validate", "missing"], "does not exist"),
      (["validate", "empty"], "has no manifest.json"),
      (["validate", "broken"], "is not a scengine manifest"),
      (["validate", "huge"], "do not describe a run"),
      (["validate", "flipped"], "SHA-256"),
      (["validate", "run", "--variant", "nope"], "--variant 'nope' is not a variant"),
      (["validate", "run", "--columns", "EQ,GOLD"], "'GOLD' is not an asset of the run"),
      (["validate", "run", "--real", "short.csv"], "short.csv"),
      (["validate", "run", "--real", "calibrate-missing.csv"], "calibrate-missing.csv"),
      (["validate", "run", "--out", "afile/"], "is not a folder"),
      (["validate", "run", "--threads", "0"], "--threads"),
      (["validate", "run", "--from", "2023-01-02"], "--real"),
      (["validate", "run", "--out", "run/baseline"], "is inside the run folder run"),
      (["validate", "run", "--out", "run/mine"], "is inside the run folder run"),
      (["validate", "shard"], "shard is shard 1 of 2 of a run (paths 150..<300)"),
    ]
    for c in cases {
      let out = c.arguments.contains("--out") ? [] : ["--out", "out"]
      let r = try ScengineBinary.run(c.arguments + out, in: folder.url, timeout: 60)
      #expect(r.status == 2, "\(c.arguments): status \(r.status), stderr: \(r.stderr)")
      #expect(r.stderr.contains(c.message), "\(c.arguments): stderr: \(r.stderr)")
      // One message (a command-line error adds argument-parser's usage line).
      #expect(r.stderr.split(separator: "\n").count <= 3, "\(c.arguments): \(r.stderr)")
      #expect(
        !FileManager.default.fileExists(atPath: folder.path("out")),
        "\(c.arguments) wrote \(folder.path("out"))")
    }
    // A report file that is not a regular file: refused before the reports there are touched.
    let kept = try ScengineBinary.run(["validate", "run", "--out", "kept"], in: folder.url)
    #expect(kept.status == 0, "\(kept.stderr)")
    let json = try Data(contentsOf: URL(fileURLWithPath: folder.path("kept/report.json")))
    try FileManager.default.removeItem(atPath: folder.path("kept/report.html"))
    try FileManager.default.createDirectory(
      atPath: folder.path("kept/report.html"), withIntermediateDirectories: false)
    let refused = try ScengineBinary.run(["validate", "run", "--out", "kept"], in: folder.url)
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(refused.stderr.contains("kept/report.html is a folder"), "\(refused.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path("kept/report.json"))) == json)
    // A run shorter than the statistics' longest lag.
    try folder.write(
      ScenarioFixture.scenario(["time": "time: {steps: 30, dt: 1/252}"]), to: "short.yaml")
    let run = try ScengineBinary.run(
      ["run", "short.yaml", "--out", "shortrun"], in: folder.url, timeout: 60)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let r = try ScengineBinary.run(["validate", "shortrun", "--out", "out"], in: folder.url)
    #expect(r.status == 2 && r.stderr.contains("at least 60 steps"), "stderr: \(r.stderr)")
  }
}

extension ValidateCommandTests {
  @Test("one-character file and folder names are ordinary names for every command")
  func oneCharacterNames() throws {
    let folder = try Self.prepared("validate-names")
    defer { folder.remove() }
    try FileManager.default.copyItem(
      atPath: folder.path("scenario.yaml"), toPath: folder.path("s"))
    let check = try ScengineBinary.run(["check", "s"], in: folder.url, timeout: 60)
    #expect(check.status == 0, "stderr: \(check.stderr)")
    let fit = try ScengineBinary.run(
      ["calibrate", "real.csv", "--model", "gbm", "--out", "f"], in: folder.url, timeout: 60)
    #expect(fit.status == 0, "stderr: \(fit.stderr)")
    let v = try ScengineBinary.run(["validate", "run", "--out", "v"], in: folder.url, timeout: 60)
    #expect(v.status == 0, "stderr: \(v.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder.path("v/report.html")))
  }
}

extension ValidateCommandTests {
  @Test("a real series whose consecutive prices overflow their ratio is bad input, not a hang")
  func overflowingRealSeries() throws {
    let folder = try Self.prepared("validate-overflow")
    defer { folder.remove() }
    var lines = ["index,EQ,BOND"]
    for i in 0..<200 { lines.append("\(i),\(i % 2 == 0 ? "1e300" : "1e-300"),\(100 + i % 3)") }
    try folder.write(lines.joined(separator: "\n") + "\n", to: "wild.csv")
    for arguments in [
      ["validate", "run", "--real", "wild.csv", "--out", "out"],
      ["calibrate", "wild.csv", "--model", "gbm", "--columns", "EQ"],
    ] {
      let r = try ScengineBinary.run(arguments, in: folder.url, timeout: 60)
      #expect(r.status == 2, "\(arguments): status \(r.status), stderr: \(r.stderr)")
      #expect(r.stderr.contains("wild.csv:3: EQ:"), "\(arguments): stderr: \(r.stderr)")
      #expect(r.stderr.contains("not a finite number"), "\(arguments): stderr: \(r.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder.path("out")))
  }
}
