import Foundation
import Planner
import Processes
import ScengineTestSupport
import Testing

/// `ScenarioLoader.parse` on scenario text, without the binary.
@Suite("Scenario parsing")
struct ScenarioParseTests {
  typealias F = ScenarioFixture

  func parse(_ yaml: String, overrides: ScenarioOverrides = .init()) throws -> ScenarioSpec {
    try ScenarioLoader.parse(yaml: yaml, file: "test.yaml", overrides: overrides)
  }

  func gbm(_ spec: ScenarioSpec) throws -> GeometricBrownianMotion {
    let model = spec.model.process(as: GeometricBrownianMotion.self)
    return try #require(model, "expected a gbm model, got \(spec.model.key)")
  }

  func variant(_ spec: ScenarioSpec, _ name: String) throws -> VariantSpec {
    try #require(spec.variants.first { $0.name == name }, "no variant \(name)")
  }

  @Test("one number applies to every asset")
  func scalarsBroadcast() throws {
    let spec = try parse(
      F.scenario([
        "initial": "initial: 50",
        "model": "model: {gbm: {drift: 0.04, volatility: 0.25}}",
      ]))
    #expect(spec.initialPrices == [50, 50])
    let model = try gbm(spec)
    #expect(model.drift == [0.04, 0.04])
    #expect(model.volatility == [0.25, 0.25])
  }

  @Test("a list gives values in asset order")
  func listsInAssetOrder() throws {
    let spec = try parse(
      F.scenario([
        "initial": "initial: [100, 90]",
        "model": "model: {gbm: {drift: [0.07, 0.03], volatility: [0.18, 0.06]}}",
      ]))
    #expect(spec.initialPrices == [100, 90])
    let model = try gbm(spec)
    #expect(model.drift == [0.07, 0.03])
    #expect(model.volatility == [0.18, 0.06])
  }

  @Test("a map gives values by asset name, in any order")
  func mapsByName() throws {
    let spec = try parse(
      F.scenario([
        "initial": "initial: {BOND: 90, EQ: 110}",
        "model":
          "model: {gbm: {drift: {BOND: 0.03, EQ: 0.07}, volatility: {BOND: 0.06, EQ: 0.18}}}",
        "portfolio": "portfolio: {BOND: 1}",
      ]))
    #expect(spec.initialPrices == [110, 90])
    let model = try gbm(spec)
    #expect(model.drift == [0.07, 0.03])
    #expect(model.volatility == [0.18, 0.06])
    #expect(spec.portfolio == [0, 1], "assets left out of the portfolio weigh 0")
  }

  @Test(
    "dt: 1/252 is a fraction of a year", arguments: ["1/252", "1 / 252", "0.003968253968253968"])
  func fractionalStep(_ dt: String) throws {
    let spec = try parse(F.scenario(["time": "time: {steps: 252, dt: \(dt)}"]))
    #expect(spec.grid.timeStep == 1.0 / 252)
    #expect(spec.grid.steps == 252)
    #expect(spec.dates == nil)
  }

  @Test("dates are business days: Friday 2027-01-08 is followed by Monday 2027-01-11")
  func businessDays() throws {
    let spec = try parse(F.scenario(["time": "time: {steps: 10, dt: 1/252, start: 2027-01-08}"]))
    let dates = try #require(spec.dates)
    #expect(dates.count == 11)
    #expect(dates[0] == "2027-01-08")
    #expect(dates[1] == "2027-01-11")
    #expect(dates[5] == "2027-01-15")
    #expect(dates[6] == "2027-01-18")
  }

  @Test("dates cross month, year and leap-day boundaries")
  func calendarBoundaries() throws {
    let spec = try parse(
      F.scenario(["time": "time: {steps: 3, dt: 1/252, start: 2027-12-30}", "variants": nil]))
    #expect(spec.dates == ["2027-12-30", "2027-12-31", "2028-01-03", "2028-01-04"])
    let leap = try parse(
      F.scenario(["time": "time: {steps: 2, dt: 1/252, start: 2028-02-28}", "variants": nil]))
    #expect(leap.dates == ["2028-02-28", "2028-02-29", "2028-03-01"])
  }

  @Test("overlapping volatility multipliers multiply")
  func multipliersMultiply() throws {
    let spec = try parse(
      F.scenario([
        "variants": """
        variants:
          v:
            stresses:
              - volatility: {from: 10, to: 20, multiplier: {EQ: 2}}
              - volatility: {from: 15, to: 30, multiplier: 1.5}
        """
      ]))
    let schedule = try variant(spec, "v").schedule
    let m = try #require(schedule.volatilityMultiplier)
    func at(_ step: Int, _ asset: Int) -> Double { m[(step - 1) * 2 + asset] }
    #expect(at(9, 0) == 1)
    #expect(at(10, 0) == 2)
    #expect(at(10, 1) == 1)
    #expect(at(15, 0) == 3)
    #expect(at(20, 0) == 3)
    #expect(at(20, 1) == 1.5)
    #expect(at(21, 0) == 1.5)
    #expect(at(30, 1) == 1.5)
    #expect(at(31, 0) == 1)
    #expect(schedule.firstStressedStep == 10)
  }

  @Test("shocks at the same step compound")
  func shocksCompound() throws {
    let spec = try parse(
      F.scenario([
        "variants": """
        variants:
          v:
            stresses:
              - shock: {at: 5, returns: {EQ: -0.2}}
              - shock: {at: 5, returns: {EQ: 0.1, BOND: 0.02}}
        """
      ]))
    let schedule = try variant(spec, "v").schedule
    let r = try #require(schedule.shockReturn)
    #expect(abs(r[4 * 2 + 0] - (0.8 * 1.1 - 1)) < 1e-15)
    #expect(abs(r[4 * 2 + 1] - 0.02) < 1e-15)
    #expect(r.enumerated().allSatisfy { $0.offset / 2 == 4 || $0.element == 0 })
    #expect(schedule.firstStressedStep == 5)
    #expect(schedule.volatilityMultiplier == nil)
  }

  @Test("the first stressed step is the earliest of all stresses, and nil without stresses")
  func firstStressedStep() throws {
    let spec = try parse(
      F.scenario([
        "variants": """
        variants:
          baseline: {}
          late:
            stresses:
              - volatility: {from: 40, to: 60, multiplier: 2}
              - drift: {from: 30, to: 35, drift: {EQ: -0.5}}
              - correlation: {from: 25, to: 26, toward: {constant: 0.9}, weight: 0.5}
          neutral:
            stresses:
              - volatility: {from: 3, to: 4, multiplier: 1}
              - shock: {at: 80, returns: 0.01}
        """
      ]))
    #expect(try variant(spec, "baseline").schedule.firstStressedStep == nil)
    #expect(try variant(spec, "baseline").schedule.isEmpty)
    #expect(try variant(spec, "late").schedule.firstStressedStep == 25)
    #expect(
      try variant(spec, "neutral").schedule.firstStressedStep == 80,
      "a multiplier of 1 is no stress")
    #expect(
      spec.variants.map(\.name) == ["baseline", "late", "neutral"], "variants keep file order")
  }

  @Test("the quickstart's sell-off starts at step 21")
  func quickstart() throws {
    let spec = try ScenarioLoader.load(path: quickstartPath)
    #expect(spec.variants.map(\.name) == ["baseline", "selloff"])
    #expect(try variant(spec, "selloff").schedule.firstStressedStep == 21)
    #expect(spec.assets == ["EQ", "BOND", "GOLD"])
    #expect(spec.grid.timeStep == 1.0 / 252)
  }

  @Test("command-line overrides replace the file's values")
  func overrides() throws {
    let spec = try parse(
      F.scenario(),
      overrides: ScenarioOverrides(
        paths: 3, seed: 99, format: .csv, precision: .float32, variants: ["stressed"]))
    #expect(spec.paths == 3)
    #expect(spec.seed == 99)
    #expect(spec.output.format == .csv)
    #expect(spec.output.precision == .float32)
    #expect(spec.variants.map(\.name) == ["stressed"])
  }

  @Test("format parquet keeps every emitted series; its column names may not collide")
  func parquetFormat() throws {
    let spec = try parse(
      F.scenario(), overrides: ScenarioOverrides(format: .parquet, emit: [.prices, .returns]))
    #expect(spec.output.format == .parquet)
    #expect(spec.output.emit == [.prices, .returns])
    let colliding = F.scenario([
      "assets": "assets: [EQ, Return_eq]", "initial": "initial: 100", "correlation": nil,
      "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}", "portfolio": nil,
    ])
    #expect(try parse(colliding, overrides: ScenarioOverrides(format: .parquet)).assets.count == 2)
    let error = #expect(throws: ScenarioError.self) {
      try parse(
        colliding, overrides: ScenarioOverrides(format: .parquet, emit: [.prices, .returns]))
    }
    #expect(error?.message.contains("Parquet column 'return_EQ' would appear twice") == true)
  }

  @Test("output.compression: zstd for Parquet; refused for NPY and CSV and for unknown codecs")
  func compression() throws {
    let zstd = try parse(F.scenario(extra: "output: {format: parquet, compression: zstd}"))
    #expect(zstd.output.compression == .zstd)
    #expect(try parse(F.scenario()).output.compression == .none)
    let cleared = try parse(
      F.scenario(extra: "output: {format: parquet, compression: zstd}"),
      overrides: ScenarioOverrides(format: .npy, compression: OutputSpec.Compression.none))
    #expect(cleared.output.compression == .none && cleared.output.format == .npy)
    let cases: [(String, ScenarioOverrides, String, String)] = [
      (
        "output: {compression: zstd}", .init(), "output.compression",
        "zstd compresses Parquet files only, and the format is npy"
      ),
      (
        "output: {format: parquet, compression: zstd}", .init(format: .csv), "output.compression",
        "zstd compresses Parquet files only, and the format is csv"
      ),
      ("", .init(compression: .zstd), "--compression", "the format is npy"),
      (
        "output: {format: parquet, compression: gzip}", .init(), "output.compression",
        "'gzip' is not a compression; expected none or zstd"
      ),
    ]
    for (extra, overrides, field, message) in cases {
      let error = #expect(throws: ScenarioError.self, "\(extra) \(overrides)") {
        try parse(F.scenario(extra: extra.isEmpty ? nil : extra), overrides: overrides)
      }
      #expect(error?.field == field, "\(extra): field \(error?.field ?? "-")")
      #expect(error?.message.contains(message) == true, "\(extra): \(error?.message ?? "-")")
    }
  }

  @Test("omitted variants give one variant named base; omitted correlation is the identity")
  func defaults() throws {
    let spec = try parse(F.scenario(["variants": nil, "correlation": nil, "portfolio": nil]))
    #expect(spec.variants.map(\.name) == ["base"])
    #expect(spec.correlation.isIdentity)
    #expect(spec.portfolio == nil)
    #expect(spec.output.emit == [.prices])
  }

  @Test("a historical stress replays the file's log-returns dated from…to from its step")
  func historicalReplay() throws {
    let folder = try TemporaryDirectory("historical")
    defer { folder.remove() }
    try folder.write(F.priceCSV, to: "spx.csv")
    let spec = try ScenarioLoader.parse(
      yaml: F.stressed(
        "historical: {at: 10, file: spx.csv, column: close, assets: [EQ], from: 2008-09-15, to: 2008-09-18}"
      ),
      file: "test.yaml", baseDirectory: folder.url.path)
    let schedule = try variant(spec, "stressed").schedule
    let r = try #require(schedule.historicalReturn)
    // Four rows, four returns: the first is the one dated 2008-09-15, from the 09-12 close.
    let closes = [1251.70, 1192.70, 1213.60, 1156.39, 1206.51]
    for j in 0..<4 {
      #expect(r[(9 + j) * 2] == Foundation.log(closes[j + 1] / closes[j]))
      #expect(r[(9 + j) * 2 + 1].isNaN, "BOND is not replayed")
    }
    #expect(r[13 * 2].isNaN)
    #expect(schedule.firstStressedStep == 10)
  }

  @Test("systemic jumps: stresses whose multipliers compound to one for all assets are accepted")
  func systemicMultipliersCompound() throws {
    // Systemic jumps need one multiplier for all assets at a step: it is the product of the
    // stresses in force that counts, not each stress alone.
    let spec = try parse(
      F.scenario([
        "model":
          "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 2, mean: -0.05, "
          + "stdev: 0.1, systemic: true}}}",
        "variants":
          "variants: {s: {stresses: [{jumps: {from: 5, to: 9, intensity_multiplier: {EQ: 2, "
          + "BOND: 3}}}, {jumps: {from: 5, to: 9, intensity_multiplier: {EQ: 3, BOND: 2}}}]}}",
      ]))
    let m = try #require(spec.variants[0].schedule.jumpIntensityMultiplier)
    #expect(m[4 * 2] == 6 && m[4 * 2 + 1] == 6, "step 5: \(m[8]), \(m[9])")
    // Products equal up to rounding (1.848 and 1.8479999999999999) are equal.
    let rounded = try parse(
      F.scenario([
        "model":
          "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 2, mean: -0.05, "
          + "stdev: 0.1, systemic: true}}}",
        "variants":
          "variants: {s: {stresses: [{jumps: {from: 5, to: 10, intensity_multiplier: {EQ: 1.1, "
          + "BOND: 1.4}}}, {jumps: {from: 5, to: 10, intensity_multiplier: 1.2}}, {jumps: {from: "
          + "5, to: 10, intensity_multiplier: {EQ: 1.4, BOND: 1.1}}}]}}",
      ]))
    #expect(rounded.variants.count == 1)
  }

  @Test(
    "notes: what the file asks and the run does not do, and dates that are not the steps' times")
  func notes() throws {
    #expect(try parse(F.scenario()).notes == [])
    // A risk-neutral measure does not use the model's drift.
    let rn = try parse(F.scenario(extra: "measure: {risk_neutral: {rate: 0.03}}"))
    #expect(
      rn.notes == [
        "model.gbm.drift is not used: under the risk-neutral measure the drift is rate − dividend"
      ])
    // --format csv keeps the prices of a file that emits more.
    let csv = try parse(
      F.scenario(extra: "output: {emit: [prices, returns]}"), overrides: .init(format: .csv))
    #expect(csv.output.emit == [.prices])
    #expect(csv.notes.count == 1 && csv.notes[0].hasPrefix("--format csv writes prices only"))
    // Monthly steps dated as consecutive business days.
    let monthly = try parse(
      F.scenario(["time": "time: {steps: 12, dt: 1/12, start: 2027-01-04}"]))
    #expect(monthly.notes.count == 1 && monthly.notes[0].contains("(12 steps a year)"))
    // Steps far from a day either way are described without overflow.
    for (dt, words) in [
      ("1e-19", "(1e+19 steps a year)"), ("5e-324", "(over 1e308 steps a year)"),
      ("100", "(one step in 100.0 years)"),
    ] {
      let notes = try parse(
        F.scenario(["time": "time: {steps: 12, dt: \(dt), start: 2027-01-04}"])
      ).notes
      #expect(notes.count == 1 && notes[0].contains(words), "dt \(dt): \(notes)")
    }
    #expect(
      try parse(F.scenario(["time": "time: {steps: 12, dt: 1/12}"])).notes == [],
      "an undated monthly run is no concern")
  }
}
