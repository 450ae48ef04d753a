import Processes
import Shocks

/// `schwartz: {mean_reversion, long_run_price, volatility}`: Schwartz's (1997) one-factor
/// mean-reverting log price (`SchwartzOneFactor`), real-world measure only.
struct SchwartzModel: ScenarioModel {
  static let keys = ["schwartz"]
  static func parameters(key: String) -> [ModelParameter] {
    [.meanReversion, .longRunPrice, .volatility]
  }

  let model: SchwartzOneFactor

  static func parse(_ body: YAMLField, key: String, parser: ScenarioParser, context: ModelContext)
    throws(ScenarioError) -> SchwartzModel
  {
    var p = try body.mapping()
    var fields = ParameterFields()
    let kappa = try parser.perAsset(.meanReversion, in: &p, fields: &fields)
    let level = try parser.perAsset(.longRunPrice, in: &p, fields: &fields)
    let volatility = try parser.perAsset(.volatility, in: &p, fields: &fields)
    try p.finish(allowed: parameters(key: key).map(\.key))
    do {
      return SchwartzModel(
        model: try SchwartzOneFactor(
          initialPrices: context.initial, meanReversion: kappa, longRunPrice: level,
          volatility: volatility, correlation: context.correlation, measure: context.measure))
    } catch {
      throw parser.locate(error, in: fields, otherwise: body)
    }
  }

  var key: String { "schwartz" }
  var process: any PriceProcess { model }

  var record: [String: JSONValue] {
    var r = ParameterRecord(type: key)
    r[.meanReversion] = .numbers(model.meanReversion)
    r[.longRunPrice] = .numbers(model.longRunPrice)
    r[.volatility] = .numbers(model.volatility)
    return r.object
  }

  /// The median log price reverts to θ = ln(long_run_price) at rate κ: `x_T` is normal, so its
  /// median is its mean `θ + (x_0 − θ) e^{−κT}`.
  func driftChains(timeStep: Double) -> [DriftChain] {
    [DriftChain(law: .meanReverting(level: model.longRunLogPrice, rate: model.meanReversion))]
  }
}
