import Processes
import Shocks

/// `regime: {regimes: {NAME: {drift, volatility, correlation, jumps}}, transition, initial}`:
/// Markov regime switching (`RegimeSwitchingProcess`). A regime without its own `correlation`
/// uses the file's top-level one.
struct RegimeModel: ScenarioModel {
  static let keys = ["regime"]
  static func parameters(key: String) -> [ModelParameter] {
    [.regimes] + regimeParameters + [.transition, .regimeInitial]
  }

  /// The parameters of each regime, under `regimes.NAME`.
  static let regimeParameters: [ModelParameter] =
    [.drift, .volatility, .correlation] + JumpDiffusionModel.jumpParameters(kou: false)

  let regime: RegimeSwitchingProcess

  static func parse(_ f: YAMLField, key: String, parser: ScenarioParser, context: ModelContext)
    throws(ScenarioError) -> RegimeModel
  {
    var p = try f.mapping()
    let rf = try p.required(ModelParameter.regimes.key, ModelParameter.regimes.doc)
    var rm = try rf.mapping()
    var regimes: [RegimeSwitchingProcess.Regime] = []
    for (name, body) in rm.entries() {
      var b = try body.mapping()
      var fields = ParameterFields()
      let drift = try parser.drift(in: &b, fields: &fields, measure: context.measure)
      let volatility = try parser.perAsset(.volatility, in: &b, fields: &fields)
      var corr: CorrelationMatrix? = nil
      if let cf = b.optional(ModelParameter.correlation.key) {
        corr = try parser.parseCorrelation(cf)
      }
      var jumps: JumpSpecification? = nil
      if let jf = b.optional("jumps") {
        jumps = try JumpDiffusionModel.parseJumps(
          jf, kou: false, parser: parser, fields: &fields)
      }
      try b.finish(allowed: mappingKeys(regimeParameters))
      let regime = RegimeSwitchingProcess.Regime(
        name: name, drift: drift, volatility: volatility, correlation: corr, jumps: jumps)
      // Checked alone first, so that an error names the regime's own field.
      do {
        _ = try RegimeSwitchingProcess(
          initialPrices: context.initial, regimes: [regime], transition: [[1]],
          measure: context.measure)
      } catch {
        throw parser.locate(error, in: fields, otherwise: body)
      }
      regimes.append(regime)
    }
    try rm.finish()
    guard !regimes.isEmpty else { throw rf.error("no regimes given") }
    let tf = try p.required(ModelParameter.transition.key, ModelParameter.transition.doc)
    let rows = try tf.sequence()
    let transition = try rows.map { r throws(ScenarioError) in
      try r.sequence().map { e throws(ScenarioError) in try e.double() }
    }
    var start: [Double]? = nil
    let initialField = p.optional(ModelParameter.regimeInitial.key)
    if let inf = initialField, !inf.isString("stationary") {
      if inf.isMapping {
        var im = try inf.mapping()
        var probs = Array(repeating: 0.0, count: regimes.count)
        for (name, v) in im.entries() {
          guard let i = regimes.firstIndex(where: { $0.name == name }) else {
            throw v.error(
              "unknown regime \(excerpt(name)); regimes are "
                + regimes.map(\.name).joined(separator: ", "))
          }
          probs[i] = try v.double()
        }
        try im.finish()
        start = probs
      } else {
        start = try inf.sequence().map { e throws(ScenarioError) in try e.double() }
      }
    }
    try p.finish(allowed: [
      ModelParameter.regimes.key, ModelParameter.transition.key, ModelParameter.regimeInitial.key,
    ])
    do {
      return RegimeModel(
        regime: try RegimeSwitchingProcess(
          initialPrices: context.initial, regimes: regimes, transition: transition,
          initialDistribution: start, correlation: context.correlation,
          measure: context.measure))
    } catch {
      if case .invalidTransitionMatrix(let what) = error {
        // Problems of the initial distribution are the `initial` key's, the rest the matrix's.
        if what.hasPrefix("initial"), let initialField { throw initialField.error(what) }
        throw tf.error(what)
      }
      throw f.error(parser.describe(error))
    }
  }

  var key: String { "regime" }
  var process: any PriceProcess { regime }
  var regimeNames: [String] { regime.regimes.map(\.name) }

  var record: [String: JSONValue] {
    let m = regime
    var regimes: [String: JSONValue] = [:]
    for (s, r) in m.regimes.enumerated() {
      var o = ParameterRecord()
      o[.drift] = .numbers(r.drift)
      o[.volatility] = .numbers(r.volatility)
      // The correlation the regime really uses: its own, or the top-level one it inherits.
      let used = m.correlations[s]
      o[.correlation] = .array(used.matrix.rowArrays.map { .numbers($0) })
      o.object["correlation_from"] = .string(r.correlation == nil ? "top-level" : "regime")
      if let repair = used.repair {
        o.object["correlation_repair"] = Manifest.Repair(repair).json
      }
      if let j = r.jumps { o.add(j) }
      regimes[r.name] = .object(o.object)
    }
    var r = ParameterRecord(type: key)
    r.object[ModelParameter.regimes.key] = .object(regimes)
    r.object["regime_order"] = .array(m.regimes.map { .string($0.name) })
    r[.transition] = .array(m.transition.map { .numbers($0) })
    r[.regimeInitial] = .numbers(m.initialDistribution)
    return r.object
  }

  /// Each regime as if it held throughout.
  func driftChains(timeStep: Double) -> [DriftChain] {
    regime.regimes.map {
      DriftChain(
        regime: $0.name,
        law: .diffusion(
          drift: $0.drift, volatility: $0.volatility,
          compensation: DriftChain.compensation($0.jumps, assets: regime.assetCount)))
    }
  }
}

extension ModelParameter {
  /// The regimes of a regime-switching model, by name.
  static let regimes = ModelParameter(
    key: "regimes", units: "mapping", shape: .choice,
    domain: "a map of regime names to {drift, volatility, correlation, jumps}",
    doc: "a map of regime names to {drift, volatility, correlation, jumps}")
  /// The per-step transition matrix, rows from, columns to.
  static let transition = ModelParameter(
    key: "transition", units: "per step", shape: .matrix, bounds: 0...1,
    domain: "a stochastic matrix: probabilities, rows summing to 1",
    doc: "per-step transition matrix, rows summing to 1")
  /// The distribution of the regime of step 1.
  static let regimeInitial = ModelParameter(
    key: "initial", units: "probability", shape: .choice, bounds: 0...1,
    domain: "stationary, a list of probabilities in regime order, or a map by regime name",
    defaultValue: "stationary", doc: "the distribution of the regime of step 1")
}
