import Processes
import Shocks

/// `gbm: {drift, volatility}`: geometric Brownian motion (`GeometricBrownianMotion`).
struct GBMModel: ScenarioModel {
  static let keys = ["gbm"]
  static func parameters(key: String) -> [ModelParameter] { [.drift, .volatility] }

  let gbm: GeometricBrownianMotion

  static func parse(_ body: YAMLField, key: String, parser: ScenarioParser, context: ModelContext)
    throws(ScenarioError) -> GBMModel
  {
    var p = try body.mapping()
    var fields = ParameterFields()
    let drift = try parser.drift(in: &p, fields: &fields, measure: context.measure)
    let volatility = try parser.perAsset(.volatility, in: &p, fields: &fields)
    try p.finish(allowed: parameters(key: key).map(\.key))
    do {
      return GBMModel(
        gbm: try GeometricBrownianMotion(
          initialPrices: context.initial, drift: drift, volatility: volatility,
          correlation: context.correlation, measure: context.measure))
    } catch {
      throw parser.locate(error, in: fields, otherwise: body)
    }
  }

  var key: String { "gbm" }
  var process: any PriceProcess { gbm }

  var record: [String: JSONValue] {
    var r = ParameterRecord(type: key)
    r[.drift] = .numbers(gbm.drift)
    r[.volatility] = .numbers(gbm.volatility)
    return r.object
  }

  func driftChains(timeStep: Double) -> [DriftChain] {
    [
      DriftChain(
        law: .diffusion(
          drift: gbm.drift, volatility: gbm.volatility,
          compensation: DriftChain.compensation(nil, assets: gbm.assetCount)))
    ]
  }
}
