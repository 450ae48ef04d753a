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
      throw f.error(given.isEmpty ? "expected exactly one of \(kinds.joined(separator: ", "))"
        : "give exactly one model, got \(given.joined(separator: ", "))")
    }
    guard kinds.contains(kind) else {
      var message = "unknown model '\(kind)'"
      if let near = nearest(kind, in: kinds) { message += " (did you mean '\(near)'?)" }
      throw f.child(Node(""), kind).error(message + "; expected one of \(kinds.joined(separator: ", "))")
    }
    let body = m.optional(kind)!
    try m.finish()
    do {
      switch kind {
      case "gbm":
        var p = try body.mapping()
        let drift = try perAsset(p.required("drift", "annualized drift"), what: "drift")
        let vol = try perAsset(p.required("volatility", "annualized volatility"), what: "volatility")
        try p.finish(allowed: ["drift", "volatility"])
        return .gbm(try GeometricBrownianMotion(
          initialPrices: initial, drift: drift, volatility: vol, correlation: correlation, measure: measure))
      case "merton", "kou":
        var p = try body.mapping()
        let drift = try perAsset(p.required("drift", "annualized drift"), what: "drift")
        let vol = try perAsset(p.required("volatility", "annualized volatility"), what: "volatility")
        let jumps = try parseJumps(p.required("jumps", "the jump parameters"), kou: kind == "kou")
        try p.finish(allowed: ["drift", "volatility", "jumps"])
        return .jumpDiffusion(try JumpDiffusion(
          initialPrices: initial, drift: drift, volatility: vol, jumps: jumps,
          correlation: correlation, measure: measure))
      case "garch":
        return .garch(try parseGARCH(body, initial: initial, correlation: correlation, measure: measure))
      default:
        return .regime(try parseRegime(body, initial: initial, measure: measure))
      }
    } catch let error as ScenarioError {
      throw error
    } catch let error as ProcessError {
      throw body.error(describe(error))
    } catch {
      throw body.error("\(error)")
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
    default:
      return error.description
    }
  }

  func parseJumps(_ f: YAMLField, kou: Bool) throws(ScenarioError) -> JumpSpecification {
    var j = try f.mapping()
    let intensity = try perAsset(j.required("intensity", "jumps per year"), what: "jump intensity")
    let systemic = try j.optional("systemic")?.bool() ?? false
    let sizes: JumpSpecification.SizeLaw
    if kou {
      sizes = .doubleExponential(
        upProbability: try perAsset(j.required("up_probability", "probability that a jump is up"), what: "up_probability"),
        upMean: try perAsset(j.required("up_mean", "mean up log jump, 1/eta1"), what: "up_mean"),
        downMean: try perAsset(j.required("down_mean", "mean down log jump size, 1/eta2"), what: "down_mean"))
      try j.finish(allowed: ["intensity", "up_probability", "up_mean", "down_mean", "systemic"])
    } else {
      sizes = .normal(
        mean: try perAsset(j.required("mean", "mean log jump size"), what: "jump mean"),
        standardDeviation: try perAsset(j.required("stdev", "standard deviation of the log jump size"), what: "jump stdev"))
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
    let mean = try p.optional("mean").map { m throws(ScenarioError) in try perAsset(m, what: "mean") } ?? zeros
    let omega = try perAsset(p.required("omega", "per-step variance constant"), what: "omega")
    let alpha = try perAsset(p.required("alpha", "ARCH coefficient"), what: "alpha")
    let beta = try perAsset(p.required("beta", "GARCH coefficient"), what: "beta")
    let gamma = try p.optional("gamma").map { g throws(ScenarioError) in try perAsset(g, what: "gamma") } ?? zeros
    var innovations = GARCHProcess.Innovations.normal
    if let inf = p.optional("innovations") {
      if inf.isString("normal") {
        innovations = .normal
      } else if inf.isMapping {
        var im = try inf.mapping()
        let nu = try im.required("student_t", "degrees of freedom").double()
        try im.finish(allowed: ["student_t"])
        innovations = .studentT(degreesOfFreedom: nu)
      } else {
        throw inf.error("expected normal or {student_t: nu}, got \(inf.shown)")
      }
    }
    var start = GARCHProcess.InitialVariance.unconditional
    if let vf = p.optional("initial_variance"), !vf.isString("unconditional") {
      start = .given(try perAsset(vf, what: "initial_variance"))
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
      throw f.error(describe(error))
    }
  }

  func parseRegime(_ f: YAMLField, initial: [Double], measure: Measure) throws(ScenarioError)
    -> RegimeSwitchingProcess
  {
    var p = try f.mapping()
    let rf = try p.required("regimes", "a map of regime names to {drift, volatility, correlation, jumps}")
    var rm = try rf.mapping()
    var regimes: [RegimeSwitchingProcess.Regime] = []
    for (name, body) in rm.entries() {
      var b = try body.mapping()
      let drift = try perAsset(b.required("drift", "annualized drift"), what: "drift")
      let vol = try perAsset(b.required("volatility", "annualized volatility"), what: "volatility")
      var corr: CorrelationMatrix? = nil
      if let cf = b.optional("correlation") { corr = try parseCorrelation(cf) }
      let jumps = try b.optional("jumps").map { j throws(ScenarioError) in try parseJumps(j, kou: false) }
      try b.finish(allowed: ["drift", "volatility", "correlation", "jumps"])
      regimes.append(.init(name: name, drift: drift, volatility: vol, correlation: corr, jumps: jumps))
    }
    try rm.finish()
    guard !regimes.isEmpty else { throw rf.error("no regimes given") }
    let tf = try p.required("transition", "per-step transition matrix, rows summing to 1")
    let rows = try tf.sequence()
    let transition = try rows.map { r throws(ScenarioError) in
      try r.sequence().map { e throws(ScenarioError) in try e.double() }
    }
    var start: [Double]? = nil
    if let inf = p.optional("initial"), !inf.isString("stationary") {
      if inf.isMapping {
        var im = try inf.mapping()
        var probs = Array(repeating: 0.0, count: regimes.count)
        for (name, v) in im.entries() {
          guard let i = regimes.firstIndex(where: { $0.name == name }) else {
            throw v.error("unknown regime '\(name)'; regimes are \(regimes.map(\.name).joined(separator: ", "))")
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
        initialPrices: initial, regimes: regimes, transition: transition, initialDistribution: start,
        measure: measure)
    } catch {
      if case .invalidTransitionMatrix(let what) = error { throw tf.error(what) }
      throw f.error(describe(error))
    }
  }
}
