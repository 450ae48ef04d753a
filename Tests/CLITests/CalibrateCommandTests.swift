import Foundation
import ScengineTestSupport
import Testing

/// `scengine calibrate` end to end through the binary: calibrate a price file, run the fitted
/// scenario, and the paths start from the last prices on the last date.
@Suite struct CalibrateCommandTests {
  /// `rows` business-day rows from 2023-01-02 of two prices following a fixed random walk,
  /// with B's cell on row 10 left empty.
  static func prices(rows: Int = 300) -> String {
    var state: UInt64 = 42
    func noise() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / 9_007_199_254_740_992 - 0.5
    }
    var a = 100.0
    var b = 20.0
    var lines = ["date,A,B"]
    let format = DateFormatter()
    format.dateFormat = "yyyy-MM-dd"
    format.timeZone = TimeZone(identifier: "UTC")
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    var day = calendar.date(from: DateComponents(year: 2023, month: 1, day: 2))!
    for k in 0..<rows {
      let common = noise()
      a *= exp(0.02 * common + 0.01 * noise())
      b *= exp(0.01 * common + 0.015 * noise())
      lines.append("\(format.string(from: day)),\(a),\(k == 10 ? "" : "\(b)")")
      repeat {
        day = calendar.date(byAdding: .day, value: 1, to: day)!
      } while calendar.isDateInWeekend(day)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The float64 values of a version-1 `.npy` file.
  static func npyDoubles(_ data: Data) -> [Double] {
    let headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
    let body = data.dropFirst(10 + headerLength)
    return body.withUnsafeBytes { raw in
      (0..<(body.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
    }
  }

  @Test("calibrate, then run the fitted scenario: it starts from the last prices and date")
  func roundTrip() throws {
    let folder = try TemporaryDirectory("calibrate")
    defer { folder.remove() }
    try folder.write(Self.prices(), to: "prices.csv")
    let fit = try ScengineBinary.run(
      [
        "calibrate", "prices.csv", "--model", "gbm", "--shrinkage", "ledoit-wolf", "--out",
        "fitted.yaml", "--report", "fit.json",
      ], in: folder.url, timeout: 60)
    #expect(fit.status == 0, "stderr: \(fit.stderr)")
    #expect(fit.stderr.isEmpty, "stderr: \(fit.stderr)")
    for fragment in [
      "data     prices.csv",
      "range    2023-01-02 … 2024-02-23: 300 row(s) in the window, 1 dropped",
      "298 return(s) per asset", "Ledoit–Wolf", "wrote fitted.yaml, fit.json",
    ] {
      #expect(fit.stdout.contains(fragment), "stdout lacks '\(fragment)':\n\(fit.stdout)")
    }
    let report = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.url.appendingPathComponent("fit.json")))
        as? [String: Any])
    #expect(report["model"] as? String == "gbm")
    #expect((report["data"] as? [String: Any])?["rows_dropped"] as? Int == 1)
    #expect((report["shrinkage"] as? [String: Any])?["method"] as? String == "ledoit-wolf")
    let yaml = try String(
      contentsOf: folder.url.appendingPathComponent("fitted.yaml"), encoding: .utf8)
    #expect(yaml.contains("start: 2024-02-23"), "\(yaml)")

    let run = try ScengineBinary.run(
      ["run", "fitted.yaml", "--paths", "8", "--out", "out", "--progress", "none"],
      in: folder.url, timeout: 120)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let manifest = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.url.appendingPathComponent("out/manifest.json")))
        as? [String: Any])
    let last = Self.prices().split(separator: "\n").last!.split(separator: ",")
    let lastPrices = [Double(last[1])!, Double(last[2])!]
    #expect(manifest["initial"] as? [Double] == lastPrices)
    #expect((manifest["dates"] as? [String])?.first == "2024-02-23")
    let prices = Self.npyDoubles(
      try Data(contentsOf: folder.url.appendingPathComponent("out/baseline/prices.npy")))
    #expect(prices.count == 8 * 253 * 2)
    for path in 0..<8 {
      let first = Array(prices[(path * 253 * 2)..<(path * 253 * 2 + 2)])
      #expect(first == lastPrices, "path \(path) starts at \(first), expected \(lastPrices)")
    }
  }

  @Test("an indexed file, a column and a window; the report names what was used")
  func indexedWindow() throws {
    let folder = try TemporaryDirectory("calibrate")
    defer { folder.remove() }
    let rows = (1...40).map { "\($0),\(100 + Double($0 % 7)),\(50 + Double($0 % 5))" }
    try folder.write("step,X,Y\n" + rows.joined(separator: "\n") + "\n", to: "p.csv")
    let result = try ScengineBinary.run(
      [
        "calibrate", "p.csv", "--model", "gbm", "--columns", "Y", "--from", "5", "--to", "30",
        "--dt", "1/12", "--report", "fit.json", "--out", "f.yaml",
      ], in: folder.url, timeout: 60)
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.url.appendingPathComponent("fit.json")))
        as? [String: Any])
    let data = try #require(report["data"] as? [String: Any])
    #expect(data["from"] as? String == "5" && data["to"] as? String == "30")
    #expect(data["observations"] as? Int == 25 && data["rows"] as? Int == 26)
    #expect(report["dt"] as? Double == 1.0 / 12)
    #expect(report["correlation"] == nil)
    let yaml = try String(contentsOf: folder.url.appendingPathComponent("f.yaml"), encoding: .utf8)
    #expect(yaml.contains("time: {steps: 252, dt: 0.08333333333333333}"), "\(yaml)")
    // YAML 1.1 reads a plain Y as true: the name is quoted.
    #expect(yaml.contains("initial: {\"Y\": 50.0}"), "\(yaml)")
  }

  @Test("monthly rows fitted with the daily --dt get a warning naming the spacing; --dt 1/12 none")
  func spacingWarning() throws {
    let folder = try TemporaryDirectory("calibrate")
    defer { folder.remove() }
    // 60 month-start rows: gaps of 28 to 31 days.
    var lines = ["date,A"]
    var price = 100.0
    for k in 0..<60 {
      price *= exp(0.01 * sin(Double(k) * 1.7))
      lines.append(String(format: "%04d-%02d-01,%.6f", 2020 + k / 12, k % 12 + 1, price))
    }
    try folder.write(lines.joined(separator: "\n") + "\n", to: "monthly.csv")
    let daily = try ScengineBinary.run(
      ["calibrate", "monthly.csv", "--model", "gbm"], in: folder.url, timeout: 60)
    #expect(daily.status == 0, "stderr: \(daily.stderr)")
    #expect(
      daily.stderr.contains(
        "a median 31 day(s) apart (about 12 a year, as months), but --dt is 1/252")
        && daily.stderr.contains("pass --dt 1/12"), "\(daily.stderr)")
    let monthly = try ScengineBinary.run(
      ["calibrate", "monthly.csv", "--model", "gbm", "--dt", "1/12"], in: folder.url, timeout: 60)
    #expect(monthly.status == 0 && monthly.stderr.isEmpty, "stderr: \(monthly.stderr)")
    // Business-day rows with a monthly --dt: the hint is trading days, not calendar days.
    try folder.write(Self.prices(), to: "daily.csv")
    let wrong = try ScengineBinary.run(
      ["calibrate", "daily.csv", "--model", "gbm", "--dt", "1/12"], in: folder.url, timeout: 60)
    #expect(
      wrong.stderr.contains("as trading days") && wrong.stderr.contains("--dt 1/252"),
      "\(wrong.stderr)")
  }

  @Test("a fit the engine cannot run is refused and nothing is written")
  func unrunnableFit() throws {
    let folder = try TemporaryDirectory("calibrate")
    defer { folder.remove() }
    try folder.write(Self.prices(rows: 30), to: "prices.csv")
    // Daily moves read as moves per 1e-9 years: volatilities far beyond the engine's range.
    let result = try ScengineBinary.run(
      ["calibrate", "prices.csv", "--model", "gbm", "--dt", "1e-9", "--out", "f.yaml"],
      in: folder.url, timeout: 60)
    #expect(result.status == 1, "stderr: \(result.stderr)")
    #expect(result.stderr.contains("the fitted scenario would not run"), "\(result.stderr)")
    #expect(regularFiles(under: folder.url) == ["prices.csv"])
  }

  @Test(
    "every model either fits or says it is not available; none traps",
    arguments: ["merton", "kou", "garch", "gjr", "egarch", "regime"])
  func everyModelEnds(_ model: String) throws {
    let folder = try TemporaryDirectory("calibrate")
    defer { folder.remove() }
    try folder.write(Self.prices(rows: 400), to: "prices.csv")
    let result = try ScengineBinary.run(
      ["calibrate", "prices.csv", "--model", model, "--columns", "A"], in: folder.url,
      timeout: 300)
    #expect(result.reason == .exit, "\(model): ended by signal \(result.status)")
    if result.status != 0 {
      #expect(
        result.stderr.hasPrefix("error: "), "\(model): status \(result.status): \(result.stderr)")
      #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
    }
  }
}
