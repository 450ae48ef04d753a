import Processes
import Shocks

/// `garch: {type, mean, omega, alpha, beta, gamma, innovations, initial_variance,
/// allow_nonstationary}`: the GARCH(1,1) family with constant conditional correlation
/// (`GARCHProcess`), in per-step units.
struct GARCHModel: ScenarioModel {
  static let keys = ["garch"]
  static func parameters(key: String) -> [ModelParameter] {
    [
      .garchType, .garchMean, .omega, .alpha, .beta, .gamma, .innovations, .degreesOfFreedom,
      .initialVariance, .allowNonstationary,
    ]
  }

  let garch: GARCHProcess

  static func parse(_ f: YAMLField, key: String, parser: ScenarioParser, context: ModelContext)
    throws(ScenarioError) -> GARCHModel
  {
    var p = try f.mapping()
    var type = GARCHProcess.VolatilityModel.garch
    if let tf = p.optional(ModelParameter.garchType.key) {
      let t = try tf.string()
      guard let v = GARCHProcess.VolatilityModel(rawValue: t) else {
        throw tf.error("'\(t)' is not a GARCH type; expected \(ModelParameter.garchType.domain)")
      }
      type = v
    }
    let zeros = Array(repeating: 0.0, count: parser.assets.count)
    var fields = ParameterFields()
    let mean = try parser.optionalPerAsset(.garchMean, in: &p, fields: &fields) ?? zeros
    let omega = try parser.perAsset(.omega, in: &p, fields: &fields)
    let alpha = try parser.perAsset(.alpha, in: &p, fields: &fields)
    let beta = try parser.perAsset(.beta, in: &p, fields: &fields)
    let gamma = try parser.optionalPerAsset(.gamma, in: &p, fields: &fields) ?? zeros
    var innovations = GARCHProcess.Innovations.normal
    if let inf = p.optional(ModelParameter.innovations.key) {
      if inf.isString("normal") {
        innovations = .normal
      } else if inf.isMapping {
        var im = try inf.mapping()
        let nu = ModelParameter.degreesOfFreedom
        let nf = fields.record(nu, try im.required(nu.leafKey, nu.doc))
        let value = try nf.double()
        try im.finish(allowed: [nu.leafKey])
        innovations = .studentT(degreesOfFreedom: value)
      } else {
        throw inf.error("expected \(ModelParameter.innovations.domain), got \(inf.shown)")
      }
    }
    var start = GARCHProcess.InitialVariance.unconditional
    if let vf = p.optional(ModelParameter.initialVariance.key) {
      fields.record(.initialVariance, vf)
      if vf.isString("unconditional_geometric_mean") {
        start = .unconditionalGeometricMean
      } else if !vf.isString("unconditional") {
        start = .given(try parser.perAsset(vf, what: ModelParameter.initialVariance.label))
      }
    }
    let allow = try p.optional(ModelParameter.allowNonstationary.key)?.bool() ?? false
    try p.finish(allowed: mappingKeys(parameters(key: key)))
    do {
      return GARCHModel(
        garch: try GARCHProcess(
          type: type, initialPrices: context.initial, mean: mean, omega: omega, alpha: alpha,
          beta: beta, gamma: gamma, innovations: innovations, initialVariance: start,
          correlation: context.correlation, measure: context.measure, allowNonstationary: allow))
    } catch {
      throw parser.locate(error, in: fields, otherwise: f)
    }
  }

  var key: String { "garch" }
  var process: any PriceProcess { garch }

  var record: [String: JSONValue] {
    let m = garch
    var r = ParameterRecord(type: m.type.rawValue)
    // Under a risk-neutral measure the mean follows the variance: the rule, not a number.
    if case .riskNeutral = m.measure {
      r[.garchMean] = .string("(rate − dividend) dt − σₜ²/2 (risk-neutral)")
    } else {
      r[.garchMean] = .numbers(m.mean)
    }
    r[.omega] = .numbers(m.omega)
    r[.alpha] = .numbers(m.alpha)
    r[.beta] = .numbers(m.beta)
    r[.gamma] = .numbers(m.gamma)
    r[.initialVariance] = .numbers(m.initialVariance)
    switch m.initialVarianceRule {
    case .unconditional: r.object["initial_variance_rule"] = .string("unconditional")
    case .unconditionalGeometricMean:
      r.object["initial_variance_rule"] = .string("unconditional_geometric_mean")
    case .given: r.object["initial_variance_rule"] = .string("given")
    }
    switch m.innovations {
    case .normal: r.object["innovations"] = .string("normal")
    case .studentT(let nu): r[.degreesOfFreedom] = .number(nu)
    }
    return r.object
  }

  /// The mean log return per step: `mean`, or under a risk-neutral measure
  /// `(r − q) dt − σ₁²/2` with the starting variance σ₁².
  func driftChains(timeStep: Double) -> [DriftChain] {
    var perStep = garch.mean
    if case .riskNeutral(let rate, let dividends) = garch.measure {
      perStep = garch.mean.indices.map {
        (rate - dividends[$0]) * timeStep - 0.5 * garch.initialVariance[$0]
      }
    }
    return [DriftChain(law: .perStep(perStep))]
  }
}
