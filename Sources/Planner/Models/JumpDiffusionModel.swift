import Processes
import Shocks

/// `merton: {drift, volatility, jumps: {intensity, mean, stdev, systemic}}` and
/// `kou: {drift, volatility, jumps: {intensity, up_probability, up_mean, down_mean, systemic}}`:
/// jump-diffusions (`JumpDiffusion`, `JumpSpecification`).
struct JumpDiffusionModel: ScenarioModel {
  static let keys = ["merton", "kou"]
  static func parameters(key: String) -> [ModelParameter] {
    [.drift, .volatility] + jumpParameters(kou: key == "kou")
  }

  /// The parameters under `jumps`, for Merton's or Kou's jump sizes.
  static func jumpParameters(kou: Bool) -> [ModelParameter] {
    let sizes: [ModelParameter] =
      kou ? [.upProbability, .upMean, .downMean] : [.jumpMean, .jumpStandardDeviation]
    return [.jumpIntensity] + sizes + [.jumpsSystemic]
  }

  let model: JumpDiffusion

  static func parse(_ body: YAMLField, key: String, parser: ScenarioParser, context: ModelContext)
    throws(ScenarioError) -> JumpDiffusionModel
  {
    var p = try body.mapping()
    var fields = ParameterFields()
    let drift = try parser.drift(in: &p, fields: &fields, measure: context.measure)
    let volatility = try parser.perAsset(.volatility, in: &p, fields: &fields)
    let jumps = try parseJumps(
      p.required("jumps", "the jump parameters"), kou: key == "kou", parser: parser,
      fields: &fields)
    try p.finish(allowed: ["drift", "volatility", "jumps"])
    do {
      return JumpDiffusionModel(
        model: try JumpDiffusion(
          initialPrices: context.initial, drift: drift, volatility: volatility, jumps: jumps,
          correlation: context.correlation, measure: context.measure))
    } catch {
      throw parser.locate(error, in: fields, otherwise: body)
    }
  }

  /// The jump parameters; `fields` learns where each was read.
  static func parseJumps(
    _ f: YAMLField, kou: Bool, parser: ScenarioParser, fields: inout ParameterFields
  ) throws(ScenarioError) -> JumpSpecification {
    var j = try f.mapping()
    let intensity = try parser.perAsset(.jumpIntensity, in: &j, fields: &fields)
    let intensityField = fields[.jumpIntensity] ?? f
    let timeStep = parser.timeStep
    let perStep = ParameterLimits.maximumJumpsPerStep
    for (a, rate) in intensity.enumerated() where !(rate * timeStep <= perStep) {
      throw parser.assetField(intensityField, a).error(
        "jump intensity of \(parser.assets[a]) is \(rate) a year, \(rate * timeStep) expected "
          + "jumps in a step of \(timeStep) years; expected at most \(Int(perStep)) per step (an "
          + "intensity of at most \(perStep / timeStep) a year)")
    }
    // Kou draws each jump: bound the expected jumps of one path, so that a path takes a
    // fraction of a second and a cancelled run stops promptly.
    let perPath = ScenarioLimits.maximumKouJumpsPerPath
    let expected = intensity.reduce(0, +) * timeStep * Double(parser.steps)
    if kou && !(expected <= perPath) {
      throw intensityField.error(
        "jump intensities of \(intensity.map { "\($0)" }.joined(separator: ", ")) a year give "
          + "\(expected) expected jumps per path over \(parser.steps) steps; a Kou path draws "
          + "every jump, expected at most \(Int(perPath)) per path")
    }
    let systemic = try j.optional(ModelParameter.jumpsSystemic.leafKey)?.bool() ?? false
    let sizes: JumpSpecification.SizeLaw
    if kou {
      sizes = .doubleExponential(
        upProbability: try parser.perAsset(.upProbability, in: &j, fields: &fields),
        upMean: try parser.perAsset(.upMean, in: &j, fields: &fields),
        downMean: try parser.perAsset(.downMean, in: &j, fields: &fields))
    } else {
      sizes = .normal(
        mean: try parser.perAsset(.jumpMean, in: &j, fields: &fields),
        standardDeviation: try parser.perAsset(.jumpStandardDeviation, in: &j, fields: &fields))
    }
    try j.finish(allowed: jumpParameters(kou: kou).map(\.leafKey))
    return JumpSpecification(intensity: intensity, sizes: sizes, systemic: systemic)
  }

  var key: String { model.jumps.modelName }
  var process: any PriceProcess { model }

  var record: [String: JSONValue] {
    var r = ParameterRecord(type: key)
    r[.drift] = .numbers(model.drift)
    r[.volatility] = .numbers(model.volatility)
    r.add(model.jumps)
    return r.object
  }

  func driftChains(timeStep: Double) -> [DriftChain] {
    [
      DriftChain(
        law: .diffusion(
          drift: model.drift, volatility: model.volatility,
          compensation: DriftChain.compensation(model.jumps, assets: model.assetCount)))
    ]
  }
}

extension ParameterRecord {
  /// Records jumps under their declared keys (`jumps.intensity`, …).
  mutating func add(_ j: JumpSpecification) {
    self[.jumpIntensity] = .numbers(j.intensity)
    self[.jumpsSystemic] = .bool(j.systemic)
    switch j.sizes {
    case .normal(let m, let s):
      self[.jumpMean] = .numbers(m)
      self[.jumpStandardDeviation] = .numbers(s)
    case .doubleExponential(let p, let u, let d):
      self[.upProbability] = .numbers(p)
      self[.upMean] = .numbers(u)
      self[.downMean] = .numbers(d)
    }
  }
}
