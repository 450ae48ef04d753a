import Foundation
import LinearAlgebra
import Processes
import Randomness
import Shocks

extension ScenarioParser {
  func parseVariants(
    _ f: YAMLField?, model: ModelSpec, measure: Measure, correlation: CorrelationMatrix,
    grid: TimeGrid
  ) throws(ScenarioError) -> [VariantSpec] {
    guard let f else {
      return [
        VariantSpec(
          name: "base", stresses: [], schedule: StressSchedule(steps: steps, assets: assets.count))
      ]
    }
    var m = try f.mapping()
    var out: [VariantSpec] = []
    var keptBytes = 0
    var folded: [String: String] = [:]
    for (name, body) in m.entries() {
      if let problem = ScenarioLimits.problem(withName: name) {
        throw body.error(
          "\(excerpt(name, limit: 60)) is not a valid variant name: it \(problem); use 1 to "
            + "\(ScenarioLimits.maximumNameBytes) letters, digits, '-', '_' and '.', not "
            + "starting with '.'")
      }
      if ScenarioLimits.reservedVariantNames.contains(name.lowercased()) {
        throw body.error(
          "'\(name)' is not a valid variant name: the output folder holds "
            + (name.lowercased() == "shards"
              ? "a run's shards in a folder of that name" : "a file of that name"))
      }
      if let other = folded[name.lowercased()] {
        throw body.error(
          "variant '\(name)' differs from variant '\(other)' only by case; their folders would "
            + "be one on a case-insensitive file system")
      }
      folded[name.lowercased()] = name
      if case .only(let kept) = schedules, kept != name {
        // Validated by an earlier parse; only `kept` is compiled now.
        out.append(
          VariantSpec(
            name: name, stresses: [], schedule: StressSchedule(steps: steps, assets: assets.count),
            keep: false))
        continue
      }
      var schedule = StressSchedule(steps: steps, assets: assets.count)
      var stresses: [StressSpec] = []
      if body.isNull {
        // `baseline:` with no value: no stresses. Any other variant left empty is most likely
        // a file whose stresses were lost, so it must say `{}` to mean none.
        guard name == "baseline" else {
          throw body.error(
            "variant \(excerpt(name)) has no value; give {stresses: [...]} (or {} for a variant "
              + "without stresses; only baseline may be left empty)")
        }
      } else {
        var v = try body.mapping()
        if let sf = v.optional("stresses") {
          for item in try sf.sequence() {
            stresses.append(try compileStress(item, into: &schedule, model: model))
            // A stress the model's dynamics give no meaning, as its process says.
            if let problem = model.process.unsupportedStress(in: schedule) {
              throw item.error(problem)
            }
          }
          if let problem = systemicIntensityProblem(schedule, model: model) {
            throw sf.error(problem)
          }
        }
        try v.finish(allowed: ["stresses"])
      }
      out.append(
        VariantSpec(
          name: name, stresses: stresses, schedule: schedule,
          keep: keepsSchedule(schedule, of: name, keptBytes: &keptBytes)))
    }
    try m.finish()
    guard !out.isEmpty else {
      throw f.error("no variants given; omit the key for one variant named base")
    }
    return out
  }

  /// Systemic jumps arrive in every asset at once (one count per step): the jump-intensity
  /// multipliers in force at a step, every stress of the variant compounded, must be alike for
  /// every asset. The problem at the first step where they differ, or nil.
  private func systemicIntensityProblem(_ schedule: StressSchedule, model: ModelSpec) -> String? {
    let n = assets.count
    guard model.unit.process.hasSystemicJumps, n > 1, let arr = schedule.jumpIntensityMultiplier,
      let t = (1...steps).first(where: { t in
        // Equal up to rounding: {A: 1.1, B: 1.4} then {A: 1.4, B: 1.1} compound to 1.54 and
        // 1.5400000000000003 (the simulation draws the count with the largest).
        let first = arr[(t - 1) * n]
        return (1..<n).contains { abs(arr[(t - 1) * n + $0] - first) > 1e-12 * first }
      })
    else { return nil }
    let each =
      (0..<min(n, 6)).map { "\(assets[$0]) × \(arr[(t - 1) * n + $0])" } + (n > 6 ? ["…"] : [])
    return "systemic jumps arrive in every asset at once (one count per step), so the "
      + "jump-intensity stresses in force at a step must multiply every asset's intensity alike; "
      + "at step \(t) they multiply \(each.joined(separator: ", ")), every stress of the variant "
      + "compounded: give one number for all"
  }

  /// Whether the parse keeps `schedule` of variant `name` (see `ScheduleRetention`), counting
  /// what it keeps in `keptBytes`.
  private func keepsSchedule(_ schedule: StressSchedule, of name: String, keptBytes: inout Int)
    -> Bool
  {
    switch schedules {
    case .all: return true
    case .only(let kept): return kept == name
    case .withinBudget(let budget):
      let bytes = schedule.byteCount
      guard keptBytes + bytes <= budget else { return false }
      keptBytes += bytes
      return true
    }
  }

  /// Compiles one stress into the schedule. Overlapping stresses combine: multipliers
  /// multiply, shocks compound, and for overrides (drift, regime, variance, historical,
  /// correlation) the later stress in the list wins.
  func compileStress(_ f: YAMLField, into s: inout StressSchedule, model: ModelSpec)
    throws(ScenarioError)
    -> StressSpec
  {
    var m = try f.mapping()
    let kinds = [
      "shock", "volatility", "correlation", "drift", "jumps", "regime", "variance", "historical",
    ]
    guard m.keys.count == 1, let kind = m.keys.first else {
      throw f.error(
        "each stress is a mapping with exactly one of \(kinds.joined(separator: ", ")), got \(m.keys.isEmpty ? "none" : m.keys.joined(separator: ", "))"
      )
    }
    guard kinds.contains(kind) else {
      var message = "unknown stress \(excerpt(kind))"
      if let near = nearest(kind, in: kinds) { message += " (did you mean '\(near)'?)" }
      throw f.error(message + "; expected one of \(kinds.joined(separator: ", "))")
    }
    guard let body = m.optional(kind) else { throw f.error("expected a \(kind) stress") }
    try m.finish()
    var b = try body.mapping()
    let n = assets.count
    let latent = model.latentStates
    switch kind {
    case "shock":
      if b.peek("at") == nil, let ff = b.peek("from") ?? b.peek("to") {
        throw ff.error(
          "a shock is instant: give at, the step it applies at, not a window (for a move spread "
            + "over steps, use a drift stress)")
      }
      let at = try step(b.required("at", "the step of the shock"))
      let rf = try b.required("returns", "simple return per asset, e.g. {EQ: -0.2}")
      let returns = try stressValues(rf)
      for (a, r) in returns.sorted(by: { $0.key < $1.key }) where !(r > -1) {
        throw assetField(rf, a).error(
          "return of \(assets[a]) is \(r), expected a simple return > -1")
      }
      try b.finish(allowed: ["at", "returns"])
      var arr = s.shockReturn ?? Array(repeating: 0, count: steps * n)
      for (a, r) in returns { arr[(at - 1) * n + a] = (1 + arr[(at - 1) * n + a]) * (1 + r) - 1 }
      for (a, r) in returns.sorted(by: { $0.key < $1.key }) {
        if let problem = factorProblem(1 + r, compounded: 1 + arr[(at - 1) * n + a], step: at) {
          throw assetField(rf, a).error("return of \(assets[a]) is \(r): \(problem)")
        }
      }
      s.shockReturn = arr
      return StressSpec(kind: kind, from: at, to: at, detail: describe(returns, unit: "return"))
    case "volatility":
      let most = ScenarioLimits.maximumVolatilityMultiplier
      let (from, to, mult) = try multiplyOverWindow(
        &b, body, key: "multiplier", what: "volatility multiplier per asset, e.g. {EQ: 2.5}",
        into: &s.volatilityMultiplier, maximum: most,
        compoundedLimit: { _ in (most, "") })
      return StressSpec(kind: kind, from: from, to: to, detail: describe(mult, unit: "×"))
    case "drift":
      let (from, to) = try window(&b, body)
      let df = try b.required("drift", "annualized drift per asset")
      let drift = try stressValues(df)
      let most = ParameterLimits.maximumDrift
      for (a, v) in drift.sorted(by: { $0.key < $1.key }) where abs(v) > most {
        throw assetField(df, a).error(
          "drift of \(assets[a]) is \(v), expected an annualized drift from -\(Int(most)) to "
            + "\(Int(most))")
      }
      try b.finish(allowed: ["from", "to", "drift"])
      var arr = s.driftOverride ?? Array(repeating: .nan, count: steps * n)
      for t in from...to { for (a, v) in drift { arr[(t - 1) * n + a] = v } }
      s.driftOverride = arr
      return StressSpec(kind: kind, from: from, to: to, detail: describe(drift, unit: "drift"))
    case "correlation":
      let (from, to) = try window(&b, body)
      let tf = try b.required("toward", "the target: {constant: ρ}, {matrix: …} or {one_factor: …}")
      var tm = try tf.mapping()
      let (target, targetField) = try parseMatrixSpec(&tm, field: tf, dimension: n)
      // `repair` may sit in the target (like a top-level correlation's) or beside it.
      let inner = tm.optional("repair")
      try tm.finish(allowed: ["matrix", "constant", "one_factor", "repair"])
      let wf = try b.required("weight", "blend weight in [0, 1]")
      let weight = try wf.double()
      guard weight >= 0 && weight <= 1 else {
        throw wf.error("\(weight), expected a weight in [0, 1]")
      }
      let outer = b.optional("repair")
      if inner != nil, let outer {
        throw outer.error("repair is given twice, here and in toward; give it once")
      }
      var policy = CorrelationMatrix.RepairPolicy.error
      if let rf = inner ?? outer {
        let text = try rf.string()
        guard let p = CorrelationMatrix.RepairPolicy(rawValue: text) else {
          throw rf.error("'\(text)' is not a repair policy; expected error or nearest")
        }
        policy = p
      }
      try b.finish(allowed: ["from", "to", "toward", "weight", "repair"])
      try checkCorrelationCount(
        s.correlationBlends.count + 1, regimes: max(model.regimeNames.count, 1), field: body)
      // The target's factor is not kept: only its blends' are (in the simulation's set-up).
      let valid = try checkedCorrelation(
        target, field: targetField, policy: policy, factors: true)
      s.correlationBlends.append(.init(target: valid.matrix, weight: weight))
      var arr = s.correlationBlend ?? Array(repeating: 0, count: steps)
      for t in from...to { arr[t - 1] = UInt16(s.correlationBlends.count) }
      s.correlationBlend = arr
      var detail = "blend \(weight) toward the target"
      if let r = valid.repair {
        detail +=
          " (target repaired by repair: nearest, Higham 2002: Frobenius distance "
          + "\(r.frobeniusDistance), \(r.eigenvaluesClipped) eigenvalue(s) clipped, smallest input "
          + "eigenvalue \(r.smallestInputEigenvalue))"
      }
      var repaired: CorrelationMatrix? = nil
      if valid.repair != nil {
        do { repaired = try CorrelationMatrix(valid) } catch {
          throw targetField.error(describe(error))
        }
      }
      return StressSpec(
        kind: kind, from: from, to: to, detail: detail, repairedCorrelationTarget: repaired)
    case "jumps":
      guard latent.contains(.jumps) else {
        throw body.error(
          "a jumps stress needs a model with jumps (merton, kou, or regimes with jumps), this is \(model.key)"
        )
      }
      if let af = b.optional("at") {
        let at = try step(af)
        let sf = try b.required("size", "log jump size per asset, e.g. {EQ: -0.15}")
        let sizes = try stressValues(sf)
        try b.finish(allowed: ["at", "size"])
        var arr = s.forcedJump ?? Array(repeating: .nan, count: steps * n)
        var counts = s.forcedJumpCount ?? Array(repeating: 0, count: steps * n)
        for (a, v) in sizes {
          let i = (at - 1) * n + a
          arr[i] = arr[i].isNaN ? v : arr[i] + v
          counts[i] += 1  // two forced jumps at one step are two jumps
        }
        for (a, v) in sizes.sorted(by: { $0.key < $1.key }) {
          if let problem = factorProblem(
            PortableMath.exp(v), compounded: PortableMath.exp(arr[(at - 1) * n + a]), step: at)
          {
            throw assetField(sf, a).error("log jump size of \(assets[a]) is \(v): \(problem)")
          }
        }
        s.forcedJump = arr
        s.forcedJumpCount = counts
        return StressSpec(
          kind: kind, from: at, to: at, detail: "forced jump " + describe(sizes, unit: "log size"))
      }
      let rates = model.largestJumpIntensities
      let perStep = ParameterLimits.maximumJumpsPerStep
      let (from, to, mult) = try multiplyOverWindow(
        &b, body, key: "intensity_multiplier", what: "multiplier of the jump intensity",
        into: &s.jumpIntensityMultiplier, maximum: ScenarioLimits.maximumIntensityMultiplier,
        compoundedLimit: { a in
          let rate = a < rates.count ? rates[a] : 0
          return (
            rate > 0 ? perStep / (rate * timeStep) : .infinity,
            " (an intensity of \(rate) a year times the multiplier gives at most \(Int(perStep)) "
              + "expected jumps in a step of \(timeStep) years)"
          )
        })
      return StressSpec(
        kind: kind, from: from, to: to, detail: "intensity " + describe(mult, unit: "×"))
    case "regime":
      let regimeNames = model.regimeNames
      guard !regimeNames.isEmpty else {
        throw body.error("a regime stress needs a regime model, this is \(model.key)")
      }
      let (from, to) = try window(&b, body)
      let ff = try b.required("force", "the regime's name")
      let name = try ff.string()
      guard let index = regimeNames.firstIndex(of: name) else {
        throw ff.error(
          "unknown regime \(excerpt(name)); regimes are \(regimeNames.joined(separator: ", "))"
        )
      }
      try b.finish(allowed: ["from", "to", "force"])
      var arr = s.forcedRegime ?? Array(repeating: -1, count: steps)
      for t in from...to { arr[t - 1] = Int16(index) }
      s.forcedRegime = arr
      return StressSpec(kind: kind, from: from, to: to, detail: "force \(name)")
    case "variance":
      guard latent.contains(.variance) else {
        throw body.error("a variance stress needs a garch model, this is \(model.key)")
      }
      let at = try step(b.required("at", "the step"))
      let vf = try b.required("variance", "per-step conditional variance per asset")
      let values = try stressValues(vf)
      for (a, v) in values.sorted(by: { $0.key < $1.key }) where !(v > 0) {
        throw assetField(vf, a).error(
          "variance of \(assets[a]) is \(v), expected a per-step variance > 0")
      }
      let variances = ParameterLimits.perStepVariance
      for (a, v) in values.sorted(by: { $0.key < $1.key }) where !variances.contains(v) {
        throw assetField(vf, a).error(
          "variance of \(assets[a]) is \(v), expected a per-step variance from "
            + "\(variances.lowerBound) to \(variances.upperBound)")
      }
      try b.finish(allowed: ["at", "variance"])
      var arr = s.variance ?? Array(repeating: .nan, count: steps * n)
      for (a, v) in values { arr[(at - 1) * n + a] = v }
      s.variance = arr
      return StressSpec(kind: kind, from: at, to: at, detail: describe(values, unit: "variance"))
    default:
      return try compileHistorical(&b, body, into: &s)
    }
  }

  /// `historical: {at, file, column | columns, assets, from, to}`: the log-returns dated `from`
  /// to `to` (inclusive) in the price column, replayed from step `at` on every path. The return
  /// dated `d` is `ln(P_d / P_previous row)`, so a window of `m` rows replays `m` returns, the
  /// first from the row before `from`, which the file must hold.
  func compileHistorical(_ b: inout MappingReader, _ body: YAMLField, into s: inout StressSchedule)
    throws(ScenarioError) -> StressSpec
  {
    let n = assets.count
    let at = try step(b.required("at", "the first step of the replay"))
    let ff = try b.required("file", "a CSV of dated prices, relative to the scenario file")
    let name = try ff.string()
    let path = name.hasPrefix("/") ? name : "\(baseDirectory)/\(name)"
    var columns: [Int: String] = [:]
    if b.keys.contains("column") && b.keys.contains("columns") {
      throw body.error(
        "give only one of column and columns (one column for the assets, or a column per asset)")
    }
    if b.keys.contains("assets") && b.keys.contains("columns") {
      throw body.error(
        "assets goes with column (the assets that replay it); columns already names its assets")
    }
    if let cf = b.optional("columns") {
      var cm = try cf.mapping()
      guard !cm.keys.isEmpty else {
        throw cf.error("an empty map replays nothing; give {ASSET: column} for at least one asset")
      }
      for (asset, col) in cm.entries() {
        guard let i = assets.firstIndex(of: asset) else {
          throw col.error(
            "unknown asset \(excerpt(asset)); assets are \(assets.joined(separator: ", "))")
        }
        columns[i] = try col.string()
      }
      try cm.finish()
    } else {
      let column = try b.required("column", "the price column (or columns: {ASSET: column})")
        .string()
      var targets = Array(0..<n)
      if let af = b.optional("assets") {
        let listed = try af.sequence()
        guard !listed.isEmpty else {
          throw af.error(
            "an empty list replays nothing; name at least one asset, or leave out "
              + "assets to replay the column for every asset")
        }
        targets = try listed.map { x throws(ScenarioError) in
          let a = try x.string()
          guard let i = assets.firstIndex(of: a) else {
            throw x.error(
              "unknown asset \(excerpt(a)); assets are \(assets.joined(separator: ", "))")
          }
          return i
        }
        if let twice = targets.indices.first(where: { targets[..<$0].contains(targets[$0]) }) {
          throw af.error("lists \(excerpt(assets[targets[twice]])) twice; name each asset once")
        }
      }
      for i in targets { columns[i] = column }
    }
    let fromField = try b.required("from", "first date, YYYY-MM-DD")
    let toField = try b.required("to", "last date, YYYY-MM-DD")
    let from = try BusinessDays.parse(try fromField.string(), field: fromField)
    let to = try BusinessDays.parse(try toField.string(), field: toField)
    guard from <= to else { throw toField.error("\(to) is before \(from)") }
    try b.finish(allowed: ["at", "file", "column", "columns", "assets", "from", "to"])
    let table: PriceTable
    do { table = try PriceTable.read(path: path, requireDateColumn: true) } catch {
      throw error.reported(at: ff)
    }
    let first = table.rows.first.map { BusinessDays.day(fromOrdinal: $0.key) }
    let last = table.rows.last.map { BusinessDays.day(fromOrdinal: $0.key) }
    // A window the data does not cover would silently replay fewer returns than asked for.
    if let first, let last, from < first || to > last {
      let offending = from < first || from > last ? fromField : toField
      throw offending.error(
        "the window \(from)…\(to) is not covered by price file \(path), whose dates run from \(first) to \(last)"
      )
    }
    // The return dated `from` needs the price of the row before it.
    if let first, from <= first {
      throw fromField.error(
        "price file \(path) has no row before \(from) (its first date is \(first)); the return "
          + "dated \(from) is ln(P_\(from) / P_previous row), so the file must start before the "
          + "window")
    }
    var arr = s.historicalReturn ?? Array(repeating: .nan, count: steps * n)
    var count = 0
    for (a, column) in columns {
      let returns: [Double]
      do {
        returns = try table.logReturns(
          column: column, from: BusinessDays.ordinal(from), to: BusinessDays.ordinal(to))
      } catch {
        throw error.reported(at: ff)
      }
      count = returns.count
      guard at + returns.count - 1 <= steps else {
        throw body.error(
          "the replay of \(returns.count) returns from step \(at) ends at step \(at + returns.count - 1), after the last step \(steps)"
        )
      }
      for (j, r) in returns.enumerated() { arr[(at - 1 + j) * n + a] = r }
      if let (j, r) = returns.enumerated().first(where: {
        factorProblem(PortableMath.exp($0.element), compounded: 1, step: at + $0.offset) != nil
      }) {
        throw ff.error(
          "the replayed log return \(j + 1) of column \(excerpt(column)) is \(r), a price move by "
            + "a factor of \(PortableMath.exp(r)); expected a factor \(Self.stressFactorRange) (is the price "
            + "file right?)")
      }
    }
    s.historicalReturn = arr
    return StressSpec(
      kind: "historical", from: at, to: at + count - 1, detail: "\(name) \(from)…\(to)",
      inputFile: path)
  }

  /// `{from, to, KEY: multiplier per asset}`: multiplies `schedule` (steps × assets, 1 where
  /// absent) by each asset's multiplier over the window, so overlapping windows compound.
  ///
  /// Each multiplier must be at most `maximum`, and the compounded multiplier of asset `a` at
  /// every step at most `compoundedLimit(a).0` (`.1` explains the limit in messages).
  func multiplyOverWindow(
    _ b: inout MappingReader, _ body: YAMLField, key: String, what: String,
    into schedule: inout [Double]?, maximum: Double,
    compoundedLimit: (Int) -> (Double, String)
  ) throws(ScenarioError) -> (Int, Int, [Int: Double]) {
    let n = assets.count
    let (from, to) = try window(&b, body)
    let mf = try b.required(key, what)
    let mult = try stressValues(mf)
    for (a, v) in mult.sorted(by: { $0.key < $1.key }) where !(v >= 0) {
      throw assetField(mf, a).error("multiplier of \(assets[a]) is \(v), expected a number ≥ 0")
    }
    for (a, v) in mult.sorted(by: { $0.key < $1.key }) where v > maximum {
      throw assetField(mf, a).error(
        "multiplier of \(assets[a]) is \(v), expected a number from 0 to \(maximum)")
    }
    try b.finish(allowed: ["from", "to", key])
    var arr = schedule ?? Array(repeating: 1, count: steps * n)
    for t in from...to { for (a, v) in mult { arr[(t - 1) * n + a] *= v } }
    for a in mult.keys.sorted() {
      let (most, why) = compoundedLimit(a)
      for t in from...to where !(arr[(t - 1) * n + a] <= most) {
        throw assetField(mf, a).error(
          "at step \(t) (with any other multiplier there), the multiplier of \(assets[a]) compounds to "
            + "\(arr[(t - 1) * n + a]), expected at most \(most)\(why)")
      }
    }
    schedule = arr
    return (from, to, mult)
  }

  /// Why a stress that multiplies a price by `factor` at step `step` (and, with the other
  /// stresses of the step, by `compounded`) is refused, or `nil`: both must lie within a
  /// factor `ScenarioLimits.maximumStressFactor` up or down.
  func factorProblem(_ factor: Double, compounded: Double, step: Int) -> String? {
    let most = ScenarioLimits.maximumStressFactor
    let range = (1 / most)...most
    if !range.contains(factor) {
      return "a price move by a factor of \(factor), expected a factor \(Self.stressFactorRange)"
    }
    if !range.contains(compounded) {
      return "with the other stresses of step \(step) the price moves by a factor of "
        + "\(compounded), expected a factor \(Self.stressFactorRange)"
    }
    return nil
  }

  /// `ScenarioLimits.maximumStressFactor` as the README states it: "from 1e-6 to 1e6".
  static var stressFactorRange: String {
    let exponent = Int(log10(ScenarioLimits.maximumStressFactor).rounded())
    return "from 1e-\(exponent) to 1e\(exponent)"
  }

  /// Rejects a variant's `count`-th correlation stress when the matrices in force would be too
  /// many or too large: at most `ScenarioLimits.maximumCorrelationStresses` stresses, and
  /// `(count + 1) × regimes` matrices of `assets²` entries (with their factors) within
  /// `ScenarioLimits.maximumCorrelationMatrices` and `maximumCorrelationBytes`.
  func checkCorrelationCount(_ count: Int, regimes: Int, field: YAMLField)
    throws(ScenarioError)
  {
    let most = ScenarioLimits.maximumCorrelationStresses
    guard count <= most else {
      throw field.error("more than \(most) correlation stresses in one variant")
    }
    let n = assets.count
    let matrices = (count + 1).multipliedChecked(by: regimes) ?? .max
    let bytes = [n, n, 16].reduce(matrices) { $0.multipliedChecked(by: $1) ?? .max }
    guard matrices <= ScenarioLimits.maximumCorrelationMatrices,
      bytes <= ScenarioLimits.maximumCorrelationBytes
    else {
      throw field.error(
        "\(count) correlation stresses × \(regimes) regimes need \(matrices) correlation "
          + "matrices of \(n) × \(n) in force, expected at most "
          + "\(ScenarioLimits.maximumCorrelationMatrices) and "
          + "\(ScenarioLimits.maximumCorrelationBytes >> 30) GiB with their factors")
    }
  }

  /// Applies `checkCorrelationCount` to the correlation stresses of every variant as written,
  /// before any correlation matrix is validated (a 10,000-asset matrix takes minutes), with
  /// the regimes counted from the model as written. What is not laid out as expected is left
  /// to the parse, which reports it in its place.
  func checkCorrelationCounts(variants: YAMLField?, model: YAMLField?) throws(ScenarioError) {
    var regimes = 1
    if let model, let m = try? model.mapping(), let regime = m.peek("regime"),
      let r = try? regime.mapping(), let named = r.peek("regimes"), let list = try? named.mapping()
    {
      regimes = max(list.keys.count, 1)
    }
    guard let variants, let all = try? variants.mapping() else { return }
    for key in all.keys {
      guard let body = all.peek(key), let v = try? body.mapping(),
        let items = try? v.peek("stresses")?.sequence()
      else { continue }
      var count = 0
      for item in items {
        guard let stress = try? item.mapping(), stress.keys == ["correlation"],
          let correlation = stress.peek("correlation")
        else { continue }
        count += 1
        try checkCorrelationCount(count, regimes: regimes, field: correlation)
      }
    }
  }

  /// A step number in 1…steps.
  func step(_ f: YAMLField) throws(ScenarioError) -> Int {
    let k = try f.int()
    guard k >= 1 && k <= steps else { throw f.error("step \(k) is outside the horizon 1…\(steps)") }
    return k
  }

  /// `from` and `to`, 1 ≤ from ≤ to ≤ steps.
  func window(_ b: inout MappingReader, _ body: YAMLField) throws(ScenarioError) -> (Int, Int) {
    if b.peek("from") == nil, b.peek("to") == nil, let af = b.peek("at") {
      throw af.error(
        "this stress holds over a window of steps: give from and to (from: k, to: k for one "
          + "step), not at")
    }
    let ff = try b.required("from", "first step of the window")
    let tf = try b.required("to", "last step of the window (inclusive)")
    let from = try step(ff)
    let to = try step(tf)
    guard from <= to else {
      throw tf.error("window ends at step \(to), before it starts at \(from)")
    }
    return (from, to)
  }

  func describe(_ values: [Int: Double], unit: String) -> String {
    values.sorted { $0.key < $1.key }.map { "\(assets[$0.key]) \(unit) \($0.value)" }.joined(
      separator: ", ")
  }
}
