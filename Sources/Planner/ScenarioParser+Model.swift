import Foundation
import LinearAlgebra
import Processes
import Shocks
import Yams

extension ScenarioParser {
  func parseModel(
    _ f: YAMLField, initial: [Double], correlation: CorrelationMatrix, measure: Measure
  ) throws(ScenarioError) -> ModelSpec {
    var m = try f.mapping()
    let kinds = ["gbm", "merton", "kou", "garch", "regime"]
    let given = m.keys
    guard given.count == 1, let kind = given.first else {
      throw f.error(
        given.isEmpty
          ? "expected exactly one of \(kinds.joined(separator: ", "))"
          : "give exactly one model, got \(given.joined(separator: ", "))")
    }
    // The key's value node carries the line of the unknown model.
    guard let body = m.optional(kind) else { throw f.error("expected a \(kind) model") }
    guard kinds.contains(kind) else {
      var message = "unknown model \(excerpt(kind))"
      if let near = nearest(kind, in: kinds) { message += " (did you mean '\(near)'?)" }
      throw body.error(message + "; expected one of \(kinds.joined(separator: ", "))")
    }
    try m.finish()
    switch kind {
    case "gbm":
      var p = try body.mapping()
      var fields = ParameterFields()
      let (drift, vol) = try diffusion(&p, fields: &fields)
      try p.finish(allowed: ["drift", "volatility"])
      do {
        return .gbm(
          try GeometricBrownianMotion(
            initialPrices: initial, drift: drift, volatility: vol, correlation: correlation,
            measure: measure))
      } catch {
        throw locate(error, in: fields, otherwise: body)
      }
    case "merton", "kou":
      var p = try body.mapping()
      var fields = ParameterFields()
      let (drift, vol) = try diffusion(&p, fields: &fields)
      let jumps = try parseJumps(
        p.required("jumps", "the jump parameters"), kou: kind == "kou", fields: &fields)
      try p.finish(allowed: ["drift", "volatility", "jumps"])
      do {
        return .jumpDiffusion(
          try JumpDiffusion(
            initialPrices: initial, drift: drift, volatility: vol, jumps: jumps,
            correlation: correlation, measure: measure))
      } catch {
        throw locate(error, in: fields, otherwise: body)
      }
    case "garch":
      return .garch(
        try parseGARCH(body, initial: initial, correlation: correlation, measure: measure))
    default:
      return .regime(
        try parseRegime(body, initial: initial, correlation: correlation, measure: measure))
    }
  }

  /// The annualized `drift` and `volatility` per asset that every diffusion model has.
  func diffusion(_ p: inout MappingReader, fields: inout ParameterFields) throws(ScenarioError)
    -> (drift: [Double], volatility: [Double])
  {
    let drift = try perAsset(
      fields.record("drift", p.required("drift", "annualized drift")), what: "drift")
    let volatility = try perAsset(
      fields.record("volatility", p.required("volatility", "annualized volatility")),
      what: "volatility")
    return (drift, volatility)
  }

  /// A model's error reported at the field of the parameter it names (and, for a per-asset
  /// value, at the asset's entry), or at `fallback` when no single field is to blame.
  func locate(_ error: ProcessError, in fields: ParameterFields, otherwise fallback: YAMLField)
    -> ScenarioError
  {
    switch error {
    case .invalidParameter(_, let parameter, let asset, _, _):
      guard let f = fields[parameter] else { return fallback.error(describe(error)) }
      return (asset.map { assetField(f, $0) } ?? f).error(describe(error))
    case .assetCountMismatch(_, let parameter, _, _):
      return (fields[parameter] ?? fallback).error(describe(error))
    case .initialVariance:
      return (fields["initial_variance rule"] ?? fallback).error(describe(error))
    default:
      return fallback.error(describe(error))
    }
  }

  /// A process error with asset names instead of positions.
  func describe(_ error: ProcessError) -> String {
    switch error {
    case .invalidParameter(_, let parameter, let asset, let value, let expected):
      let whose = asset.map { " of \(assets[$0])" } ?? ""
      return "\(parameter)\(whose) is \(value), expected \(expected)"
    case .nonStationary(_, let asset, let persistence, let condition):
      let whose = asset.map { " for \(assets[$0])" } ?? ""
      return "parameters\(whose) are not stationary: \(condition) = \(persistence), expected < 1 "
        + "(set allow_nonstationary: true and give initial_variance to simulate anyway)"
    case .initialVariance(_, let asset, let reason):
      return "initial_variance" + (asset.map { " of \(assets[$0])" } ?? "") + ": " + reason
    case .unsupported(let what):
      // The field path already names the model: drop the message's own "garch: " prefix.
      for key in ["gbm", "merton", "kou", "garch", "gjr", "egarch"] where what.hasPrefix("\(key): ")
      {
        return String(what.dropFirst(key.count + 2))
      }
      return what
    default:
      return error.description
    }
  }

  /// The jump parameters; `fields` learns where each was read, by the names the model's errors use.
  func parseJumps(_ f: YAMLField, kou: Bool, fields: inout ParameterFields) throws(ScenarioError)
    -> JumpSpecification
  {
    var j = try f.mapping()
    let intensityField = fields.record(
      "jump intensity", try j.required("intensity", "jumps per year"))
    let intensity = try perAsset(intensityField, what: "jump intensity")
    let perStep = ParameterLimits.maximumJumpsPerStep
    for (a, rate) in intensity.enumerated() where !(rate * timeStep <= perStep) {
      throw assetField(intensityField, a).error(
        "jump intensity of \(assets[a]) is \(rate) a year, \(rate * timeStep) expected jumps in "
          + "a step of \(timeStep) years; expected at most \(Int(perStep)) per step (an "
          + "intensity of at most \(perStep / timeStep) a year)")
    }
    // Kou draws each jump: bound the expected jumps of one path, so that a path takes a
    // fraction of a second and a cancelled run stops promptly.
    let perPath = ScenarioLimits.maximumKouJumpsPerPath
    let expected = intensity.reduce(0, +) * timeStep * Double(steps)
    if kou && !(expected <= perPath) {
      throw intensityField.error(
        "jump intensities of \(intensity.map { "\($0)" }.joined(separator: ", ")) a year give "
          + "\(expected) expected jumps per path over \(steps) steps; a Kou path draws every "
          + "jump, expected at most \(Int(perPath)) per path")
    }
    let systemic = try j.optional("systemic")?.bool() ?? false
    let sizes: JumpSpecification.SizeLaw
    if kou {
      let pf = fields.record(
        "up_probability", try j.required("up_probability", "probability that a jump is up"))
      let uf = fields.record("up_mean", try j.required("up_mean", "mean up log jump, 1/eta1"))
      let df = fields.record(
        "down_mean", try j.required("down_mean", "mean down log jump size, 1/eta2"))
      sizes = .doubleExponential(
        upProbability: try perAsset(pf, what: "up_probability"),
        upMean: try perAsset(uf, what: "up_mean"),
        downMean: try perAsset(df, what: "down_mean"))
      try j.finish(allowed: ["intensity", "up_probability", "up_mean", "down_mean", "systemic"])
    } else {
      let mf = fields.record("jump mean", try j.required("mean", "mean log jump size"))
      let sf = fields.record(
        "jump stdev", try j.required("stdev", "standard deviation of the log jump size"))
      sizes = .normal(
        mean: try perAsset(mf, what: "jump mean"),
        standardDeviation: try perAsset(sf, what: "jump stdev"))
      try j.finish(allowed: ["intensity", "mean", "stdev", "systemic"])
    }
    return JumpSpecification(intensity: intensity, sizes: sizes, systemic: systemic)
  }

  func parseGARCH(
    _ f: YAMLField, initial: [Double], correlation: CorrelationMatrix, measure: Measure
  ) throws(ScenarioError) -> GARCHProcess {
    var p = try f.mapping()
    var type = GARCHProcess.VolatilityModel.garch
    if let tf = p.optional("type") {
      let t = try tf.string()
      guard let v = GARCHProcess.VolatilityModel(rawValue: t) else {
        throw tf.error("'\(t)' is not a GARCH type; expected garch, gjr or egarch")
      }
      type = v
    }
    let zeros = Array(repeating: 0.0, count: assets.count)
    var fields = ParameterFields()
    func values(_ key: String, _ field: YAMLField?) throws(ScenarioError) -> [Double]? {
      guard let field else { return nil }
      return try perAsset(fields.record(key, field), what: key)
    }
    let mean = try values("mean", p.optional("mean")) ?? zeros
    let omega = try perAsset(
      fields.record("omega", p.required("omega", "per-step variance constant")), what: "omega")
    let alpha = try perAsset(
      fields.record("alpha", p.required("alpha", "ARCH coefficient")), what: "alpha")
    let beta = try perAsset(
      fields.record("beta", p.required("beta", "GARCH coefficient")), what: "beta")
    let gamma = try values("gamma", p.optional("gamma")) ?? zeros
    if let gf = fields["gamma"] { fields.record("alpha + gamma", gf) }
    var innovations = GARCHProcess.Innovations.normal
    if let inf = p.optional("innovations") {
      if inf.isString("normal") {
        innovations = .normal
      } else if inf.isMapping {
        var im = try inf.mapping()
        let nf = try im.required("student_t", "degrees of freedom")
        fields.record("student_t degrees of freedom", nf)
        let nu = try nf.double()
        try im.finish(allowed: ["student_t"])
        innovations = .studentT(degreesOfFreedom: nu)
      } else {
        throw inf.error("expected normal or {student_t: nu}, got \(inf.shown)")
      }
    }
    var start = GARCHProcess.InitialVariance.unconditional
    if let vf = p.optional("initial_variance") {
      fields.record("initial_variance rule", vf)
      if vf.isString("unconditional_geometric_mean") {
        start = .unconditionalGeometricMean
      } else if !vf.isString("unconditional") {
        start = .given(
          try perAsset(fields.record("initial_variance", vf), what: "initial_variance"))
      }
    }
    let allow = try p.optional("allow_nonstationary")?.bool() ?? false
    try p.finish(allowed: [
      "type", "mean", "omega", "alpha", "beta", "gamma", "innovations", "initial_variance",
      "allow_nonstationary",
    ])
    do {
      return try GARCHProcess(
        type: type, initialPrices: initial, mean: mean, omega: omega, alpha: alpha, beta: beta,
        gamma: gamma, innovations: innovations, initialVariance: start, correlation: correlation,
        measure: measure, allowNonstationary: allow)
    } catch {
      throw locate(error, in: fields, otherwise: f)
    }
  }

  /// A regime-switching model; a regime without its own `correlation` uses `correlation`, the
  /// file's top-level one.
  func parseRegime(
    _ f: YAMLField, initial: [Double], correlation: CorrelationMatrix, measure: Measure
  ) throws(ScenarioError) -> RegimeSwitchingProcess {
    var p = try f.mapping()
    let rf = try p.required(
      "regimes", "a map of regime names to {drift, volatility, correlation, jumps}")
    var rm = try rf.mapping()
    var regimes: [RegimeSwitchingProcess.Regime] = []
    for (name, body) in rm.entries() {
      var b = try body.mapping()
      var fields = ParameterFields()
      let (drift, vol) = try diffusion(&b, fields: &fields)
      var corr: CorrelationMatrix? = nil
      if let cf = b.optional("correlation") { corr = try parseCorrelation(cf) }
      var jumps: JumpSpecification? = nil
      if let jf = b.optional("jumps") { jumps = try parseJumps(jf, kou: false, fields: &fields) }
      try b.finish(allowed: ["drift", "volatility", "correlation", "jumps"])
      let regime = RegimeSwitchingProcess.Regime(
        name: name, drift: drift, volatility: vol, correlation: corr, jumps: jumps)
      // Checked alone first, so that an error names the regime's own field.
      do {
        _ = try RegimeSwitchingProcess(
          initialPrices: initial, regimes: [regime], transition: [[1]], measure: measure)
      } catch {
        throw locate(error, in: fields, otherwise: body)
      }
      regimes.append(regime)
    }
    try rm.finish()
    guard !regimes.isEmpty else { throw rf.error("no regimes given") }
    let tf = try p.required("transition", "per-step transition matrix, rows summing to 1")
    let rows = try tf.sequence()
    let transition = try rows.map { r throws(ScenarioError) in
      try r.sequence().map { e throws(ScenarioError) in try e.double() }
    }
    var start: [Double]? = nil
    let initialField = p.optional("initial")
    if let inf = initialField, !inf.isString("stationary") {
      if inf.isMapping {
        var im = try inf.mapping()
        var probs = Array(repeating: 0.0, count: regimes.count)
        for (name, v) in im.entries() {
          guard let i = regimes.firstIndex(where: { $0.name == name }) else {
            throw v.error(
              "unknown regime \(excerpt(name)); regimes are \(regimes.map(\.name).joined(separator: ", "))"
            )
          }
          probs[i] = try v.double()
        }
        try im.finish()
        start = probs
      } else {
        start = try inf.sequence().map { e throws(ScenarioError) in try e.double() }
      }
    }
    try p.finish(allowed: ["regimes", "transition", "initial"])
    do {
      return try RegimeSwitchingProcess(
        initialPrices: initial, regimes: regimes, transition: transition,
        initialDistribution: start, correlation: correlation,
        measure: measure)
    } catch {
      if case .invalidTransitionMatrix(let what) = error {
        // Problems of the initial distribution are the `initial` key's, the rest the matrix's.
        if what.hasPrefix("initial"), let initialField { throw initialField.error(what) }
        throw tf.error(what)
      }
      throw f.error(describe(error))
    }
  }
}

/// Where a model's parameters were read, keyed by the names the Processes module gives them in
/// its errors (`volatility`, `jump stdev`, `student_t degrees of freedom`), so that a
/// `ProcessError` is reported at the field that holds the offending value.
struct ParameterFields {
  private var fields: [String: YAMLField] = [:]

  /// Remembers that `parameter` was read from `field`, and returns the field.
  @discardableResult
  mutating func record(_ parameter: String, _ field: YAMLField) -> YAMLField {
    fields[parameter] = field
    return field
  }

  subscript(parameter: String) -> YAMLField? { fields[parameter] }
}

extension ScenarioParser {
  /// Per asset, the largest annual jump intensity of any regime (empty without jumps).
  func largestJumpIntensities(_ model: ModelSpec) -> [Double] {
    switch model {
    case .gbm(let m): return m.largestJumpIntensities
    case .jumpDiffusion(let m): return m.largestJumpIntensities
    case .garch(let m): return m.largestJumpIntensities
    case .regime(let m): return m.largestJumpIntensities
    }
  }

  /// Rejects a model whose median log price leaves ±`ScenarioLimits.maximumHorizonLogPrice`
  /// by the horizon: `log S₀ + (μ − λκ − σ²/2) T` for diffusions (each regime as if it held
  /// throughout), `log S₀ + mean · steps` for GARCH (risk neutral: `((r − q) dt − σ₁²/2)` per
  /// step). Beyond it, most paths would overflow to ∞ or underflow to 0.
  func checkHorizon(_ model: ModelSpec, initial: [Double], grid: TimeGrid, field: YAMLField)
    throws(ScenarioError)
  {
    let horizon = grid.horizon
    // (regime name or nil, per-asset log drift per year or per step, length of the horizon)
    var drifts: [(String?, [Double], Double)] = []
    func diffusion(_ drift: [Double], _ volatility: [Double], _ jumps: JumpSpecification?)
      -> [Double]
    {
      let compensation: [Double]
      if let jumps {
        let kappa = jumps.compensator
        compensation = drift.indices.map { jumps.intensity[$0] * kappa[$0] }
      } else {
        compensation = Array(repeating: 0, count: drift.count)
      }
      return drift.indices.map { a in
        drift[a] - compensation[a] - 0.5 * volatility[a] * volatility[a]
      }
    }
    switch model {
    case .gbm(let m): drifts = [(nil, diffusion(m.drift, m.volatility, nil), horizon)]
    case .jumpDiffusion(let m): drifts = [(nil, diffusion(m.drift, m.volatility, m.jumps), horizon)]
    case .regime(let p):
      drifts = p.regimes.map { ($0.name, diffusion($0.drift, $0.volatility, $0.jumps), horizon) }
    case .garch(let m):
      var perStep = m.mean
      if case .riskNeutral(let rate, let dividends) = m.measure {
        perStep = m.mean.indices.map {
          (rate - dividends[$0]) * grid.timeStep - 0.5 * m.initialVariance[$0]
        }
      }
      drifts = [(nil, perStep, Double(grid.steps))]
    }
    let bound = ScenarioLimits.maximumHorizonLogPrice
    let formula =
      if case .garch = model { "log S0 + mean·steps" } else { "log S0 + (μ − λκ − σ²/2)·T" }
    for (regime, g, length) in drifts {
      for a in g.indices {
        let level = log(initial[a]) + g[a] * length
        guard !(abs(level) <= bound) else { continue }
        let whose = regime.map { "regime \($0), " } ?? ""
        throw field.error(
          "\(whose)\(assets[a]): the median log price at the horizon, \(formula) = "
            + "\(log(initial[a])) + (\(g[a]))·\(length) = \(level), is beyond ±\(Int(bound)), "
            + "where prices overflow to infinity or underflow to 0; use a smaller drift or "
            + "volatility, or a shorter horizon")
      }
    }
  }
}

extension ScenarioParser {
  /// Rejects a scenario whose correlated shocks would take more than
  /// `ScenarioLimits.maximumCorrelationWork` multiply-adds per path (`steps × assets²`): such a
  /// path takes seconds, and a cancelled run stops only between paths. Independent assets
  /// (identity correlations, no correlation stress) need no such work.
  func checkCorrelationWork(model: ModelSpec, variants: [VariantSpec], field: YAMLField)
    throws(ScenarioError)
  {
    let correlations: [CorrelationMatrix]
    switch model {
    case .gbm(let m): correlations = m.correlations
    case .jumpDiffusion(let m): correlations = m.correlations
    case .garch(let m): correlations = m.correlations
    case .regime(let m): correlations = m.correlations
    }
    let correlated =
      correlations.contains { !$0.isIdentity }
      || variants.contains { !$0.schedule.correlationBlends.isEmpty }
    let n = assets.count
    let work = [n, n].reduce(steps) { $0.multipliedChecked(by: $1) ?? .max }
    let most = ScenarioLimits.maximumCorrelationWork
    guard correlated && work > most else { return }
    throw field.error(
      "\(steps) steps × \(n)² correlated assets take \(work) multiply-adds per path, expected at "
        + "most \(most) (about a second); use fewer steps or assets")
  }
}
