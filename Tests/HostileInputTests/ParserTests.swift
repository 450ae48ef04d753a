import Foundation
import ScengineTestSupport
import Testing

/// Scenario values the parser trapped on, read as something else or took silently: null values,
/// YAML tags, loose numbers, price cells and dates, emit lists, special price files and three
/// misleading messages. Each case runs through `run` and `check` and must be refused with exit
/// status 2, one clean message naming the field, and no file written.
@Suite("hostile input: parser")
struct ParserTests {
  typealias F = ScenarioFixture

  /// The case for both commands.
  static func both(
    _ name: String, _ yaml: String, _ fragment: String, files: [String: String] = [:]
  ) -> [HostileCase] {
    HostileCase.runAndCheck(name, yaml, fragment, files: files)
  }

  static let regimeModel =
    "{regime: {transition: [[0.95, 0.05], [0.05, 0.95]], regimes: {calm: {drift: 0.05, "
    + "volatility: 0.1}, crisis: {drift: -0.2, volatility: 0.4, correlation: {matrix: }}}}}"

  /// Null values that trapped ("Unexpectedly found nil") or were taken as "not given".
  static let nulls: [HostileCase] =
    ["gbm", "merton", "kou", "garch", "regime"].flatMap { kind in
      both(
        "model \(kind) with no body", F.scenario(["model": "model:\n  \(kind):"]),
        "model.\(kind): expected a mapping of keys, got null")
    }
    + both(
      "correlation matrix null", F.scenario(["correlation": "correlation: {matrix: }"]),
      "correlation.matrix: expected a list, got null")
    + both(
      "correlation constant null", F.scenario(["correlation": "correlation: {constant: }"]),
      "correlation.constant: expected a number, got null")
    + both(
      "correlation one_factor null", F.scenario(["correlation": "correlation: {one_factor: }"]),
      "correlation.one_factor: expected a mapping of keys, got null")
    + both(
      "a regime's correlation matrix null", F.model(regimeModel),
      "model.regime.regimes.crisis.correlation.matrix: expected a list, got null")
    + ["shock", "volatility", "drift", "jumps", "regime", "variance", "historical", "correlation"]
    .flatMap { kind in
      both(
        "\(kind) stress with a null body",
        F.scenario(["variants": "variants: {x: {stresses: [{\(kind): }]}}"]),
        "variants.x.stresses[0].\(kind): expected a mapping of keys, got null")
    }
    + both(
      "paths: ~", F.scenario(["paths": "paths: ~"]), "paths: expected a whole number, got null")
    + both("paths with no value", F.scenario(["paths": "paths:"]), "paths: expected a whole number")
    + both("seed: null", F.scenario(["seed": "seed: null"]), "seed: expected a whole number")
    + both(
      "measure: ~", F.scenario(extra: "measure: ~"), "measure: expected text, got null")
    + both(
      "output emit null", F.scenario(extra: "output: {emit: }"),
      "output.emit: expected a list, got null")

  /// Explicit tags and numbers written in other notations.
  static let tagsAndNumbers: [HostileCase] =
    both("seed: !foo 1", F.scenario(["seed": "seed: !foo 1"]), "seed: YAML tag '!foo' is not")
    + both(
      "a python object tag", F.scenario(["name": "name: !!python/object:os.system ls"]),
      "name: YAML tag '!!python/object:os.system' is not supported")
    + both(
      "!!int on a fraction",
      F.model("{gbm: {drift: 0.05, volatility: !!int 0.1}}"),
      "model.gbm.volatility: YAML tag '!!int' is not supported on this value (it reads as float")
    + both(
      "!!str on a number", F.scenario(["paths": "paths: !!str 10"]),
      "paths: YAML tag '!!str' is not supported on this value")
    + both(
      "a tag on a mapping", F.scenario(["initial": "initial: !!set {EQ: 100, BOND: 100}"]),
      "initial: YAML tag '!!set' is not supported")
    + both(
      "a quoted volatility", F.model("{gbm: {drift: 0.05, volatility: \"0.1\"}}"),
      "model.gbm.volatility: expected a number, got the string '0.1'")
    + both(
      "an underscore in paths", F.scenario(["paths": "paths: 1_0"]),
      "paths: expected a whole number, got '1_0'")
    + both("hex paths", F.scenario(["paths": "paths: 0x10"]), "expected a whole number, got '0x10'")
    + both(
      "an underscore in a volatility", F.model("{gbm: {drift: 0.05, volatility: 0.1_5}}"),
      "model.gbm.volatility: expected a number, got '0.1_5'")

  static let historical =
    "historical: {at: 1, file: p.csv, column: close, from: 2008-09-15, to: 2008-09-16}"

  static func prices(_ cell: String, date: String = "2008-09-16") -> [String: String] {
    ["p.csv": "date,close\n2008-09-12,1251.70\n2008-09-15,1192.70\n\(date),\(cell)\n"]
  }

  /// Price cells and dates.
  static let pricesAndDates: [HostileCase] =
    both(
      "a NUL byte inside a price cell", F.stressed(historical),
      "p.csv:4: close: '9\\u{0}6' is not a price: expected a positive", files: prices("9\u{0}6"))
    + both(
      "a hex price cell", F.stressed(historical), "p.csv:4: close: '0x5b' is not a price",
      files: prices("0x5b"))
    + both(
      "an underscore in a price cell", F.stressed(historical), "'1_200' is not a price",
      files: prices("1_200"))
    + both(
      "an infinite price cell", F.stressed(historical), "'inf' is not a price",
      files: prices("inf"))
    + both(
      "a negative year", F.scenario(["time": "time: {steps: 5, dt: 1/252, start: -0001-01-03}"]),
      "time.start: '-0001-01-03' is not a date")
    + both(
      "a signed year", F.scenario(["time": "time: {steps: 5, dt: 1/252, start: +001-01-03}"]),
      "time.start: '+001-01-03' is not a date")
    + both(
      "year 0", F.scenario(["time": "time: {steps: 5, dt: 1/252, start: 0000-01-03}"]),
      "time.start: '0000-01-03' is not a date")
    + both(
      "a grid that ends after 9999",
      F.scenario(["time": "time: {steps: 1000, dt: 1/252, start: 9999-12-30}"]),
      "time.start: 1000 steps from 9999-12-30 end on business day 10003-10-30, after 9999-12-31")
    + both(
      "a historical window from a negative year",
      F.stressed(
        "historical: {at: 1, file: p.csv, column: close, from: -2008-09-15, to: 2008-09-16}"),
      "from: '-2008-09-15' is not a date", files: prices("1213.60"))
    + both(
      "a price file date after 9999", F.stressed(historical),
      "p.csv:4: date: '10000-01-03' is not a date", files: prices("1", date: "10000-01-03"))

  /// Emit lists and the --emit option.
  static let emits: [HostileCase] =
    both(
      "an empty emit list", F.scenario(extra: "output: {emit: []}"),
      "output.emit: the list is empty")
    + both(
      "prices emitted twice", F.scenario(extra: "output: {emit: [prices, prices]}"),
      "output.emit[1]: 'prices' is listed twice")
    + both(
      "an empty emit item", F.scenario(extra: "output: {emit: [prices, '']}"),
      "output.emit[1]: '' cannot be emitted")
    + [
      (["--emit", ""], "--emit: the list is empty"),
      (["--emit", "prices,"], "--emit: item 2 is empty"),
      (["--emit", ",returns"], "--emit: item 1 is empty"),
      (["--emit", "returns,returns"], "--emit: 'returns' is listed twice"),
    ].flatMap { option, fragment in
      [
        HostileCase(
          name: "run \(option)", files: ["s.yaml": F.scenario()],
          arguments: ["run", "s.yaml", "--out", "out", "--progress", "none"] + option,
          fragment: fragment),
        HostileCase(
          name: "check \(option)", files: ["s.yaml": F.scenario()],
          arguments: ["check", "s.yaml"] + option, fragment: fragment),
      ]
    }

  /// Messages that said the wrong thing.
  static let messages: [HostileCase] =
    both(
      "a key given twice", F.scenario(extra: "seed: 2"),
      "invalid YAML: the key 'seed' appears twice in one mapping; give each key once")
    + both(
      "lists nested too deeply",
      F.scenario(
        extra: "x: " + String(repeating: "[", count: 20000)
          + String(repeating: "]", count: 20000)),
      "invalid YAML: the file nests lists and mappings too deeply")
    + both(
      "a window stress given at", F.stressed("volatility: {at: 3, multiplier: 2}"),
      "volatility.at: this stress holds over a window of steps: give from and to")
    + both(
      "a shock given a window", F.stressed("shock: {from: 3, to: 4, returns: -0.1}"),
      "shock.from: a shock is instant: give at")
    + both(
      "CSV and returns asked for by the file, named at its line",
      F.scenario(extra: "output: {format: csv, emit: [prices, returns]}"),
      "output.emit: CSV output holds prices only; use format npy or parquet to emit prices, "
        + "returns")
    + both(
      "column and columns together",
      F.stressed(
        "historical: {at: 1, file: p.csv, column: close, columns: {EQ: close}, "
          + "from: 2008-09-15, to: 2008-09-16}"),
      "give only one of column and columns", files: prices("1213.60"))
    + both(
      "a replayed factor of 1e298 states the README's range", F.stressed(historical),
      "expected a factor from 1e-6 to 1e6", files: prices("1e301"))
    + both(
      "a shock's factor states the README's range",
      F.stressed("shock: {at: 1, returns: {EQ: 2e6}}"), "expected a factor from 1e-6 to 1e6")
    + both(
      "the median log price is explained by its formula",
      F.model("{gbm: {drift: 10, volatility: 0.1}}").replacingOccurrences(
        of: "steps: 252", with: "steps: 20000"),
      "the median log price at the horizon, log S0 + (μ − λκ − σ²/2)·T = 4.605")

  @Test(arguments: nulls)
  func nullValues(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: tagsAndNumbers)
  func tagsAndLooseNumbers(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: pricesAndDates)
  func priceCellsAndDates(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: emits)
  func emitLists(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: messages)
  func clearMessages(_ c: HostileCase) throws { try c.check() }

  /// A FIFO, a device or a folder as the price file is refused at once (a FIFO used to block
  /// for ever); a symlink to a regular file still reads.
  @Test(arguments: ["check", "run"])
  func specialPriceFiles(_ command: String) throws {
    let sandbox = try TemporaryDirectory("fifo")
    defer { sandbox.remove() }
    try sandbox.write(Self.prices("1213.60")["p.csv"]!, to: "p.csv")
    #expect(mkfifo(sandbox.url.appendingPathComponent("f.fifo").path, 0o600) == 0)
    try FileManager.default.createDirectory(
      at: sandbox.url.appendingPathComponent("d"), withIntermediateDirectories: false)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.url.appendingPathComponent("link.csv").path, withDestinationPath: "p.csv")
    let extra = command == "run" ? ["--out", "out", "--progress", "none"] : []
    for (file, fragment) in [
      ("f.fifo", "f.fifo: it is a FIFO (named pipe), not a regular file"),
      ("/dev/null", "cannot read price file /dev/null: it is a character device, not a regular"),
      ("d", "/d: it is a directory, not a regular file"),
    ] {
      try sandbox.write(
        F.stressed(Self.historical.replacingOccurrences(of: "p.csv", with: file)), to: "s.yaml")
      let result = try ScengineBinary.run(
        [command, "s.yaml"] + extra, in: sandbox.url, timeout: 20)
      #expect(result.reason == .exit && result.status == 2, "\(file): \(result.stderr)")
      #expect(result.stderr.contains(fragment), "\(file): \(result.stderr)")
      HostileCase.expectOneCleanMessage(result.stderr, name: file)
    }
    try sandbox.write(
      F.stressed(Self.historical.replacingOccurrences(of: "p.csv", with: "link.csv")), to: "s.yaml")
    let result = try ScengineBinary.run([command, "s.yaml"] + extra, in: sandbox.url, timeout: 60)
    #expect(result.reason == .exit && result.status == 0, "symlink: \(result.stderr)")
  }
}
