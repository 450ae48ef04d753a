import Foundation
import LinearAlgebra
import Processes
import Randomness
import Shocks
import Yams

extension ScenarioParser {
  /// The model under `model:`: exactly one key of `ModelRegistry`, read by its unit.
  func parseModel(
    _ f: YAMLField, initial: [Double], correlation: CorrelationMatrix, measure: Measure
  ) throws(ScenarioError) -> ModelSpec {
    var m = try f.mapping()
    let kinds = ModelRegistry.keys
    let given = m.keys
    guard given.count == 1, let kind = given.first else {
      throw f.error(
        given.isEmpty
          ? "expected exactly one of \(kinds.joined(separator: ", "))"
          : "give exactly one model, got \(given.joined(separator: ", "))")
    }
    // The key's value node carries the line of the unknown model.
    guard let body = m.optional(kind) else { throw f.error("expected a \(kind) model") }
    guard let unit = ModelRegistry.unit(for: kind) else {
      var message = "unknown model \(excerpt(kind))"
      if let near = nearest(kind, in: kinds) { message += " (did you mean '\(near)'?)" }
      throw body.error(message + "; expected one of \(kinds.joined(separator: ", "))")
    }
    try m.finish()
    let context = ModelContext(initial: initial, correlation: correlation, measure: measure)
    return ModelSpec(unit: try unit.parse(body, key: kind, parser: self, context: context))
  }

  /// The fields of `model:` that a risk-neutral measure replaces: the `drift` of `gbm`,
  /// `merton` and `kou`, each regime's `drift`, and GARCH's `mean`, as paths
  /// (`model.gbm.drift`). Read from the YAML that `parseModel` has already accepted.
  func unusedDriftFields(_ modelField: YAMLField) -> [String] {
    guard let top = try? modelField.mapping(), let (kind, body) = top.pairs.first,
      let m = try? modelField.child(body, kind).mapping()
    else { return [] }
    var fields = ["drift", "mean"].compactMap { m.peek($0)?.path }
    if let rf = m.peek("regimes"), let regimes = try? rf.mapping() {
      for (name, node) in regimes.pairs {
        if let r = try? rf.child(node, name).mapping(), let d = r.peek("drift") {
          fields.append(d.path)
        }
      }
    }
    return fields
  }

  /// The annualized drift of a model's mapping `m` (`drift`): required in the real world; under
  /// a risk-neutral measure, which sets every drift to `r − q`, it may be left out (and is
  /// ignored when given; `check` and the manifest show the drift used).
  func drift(in m: inout MappingReader, fields: inout ParameterFields, measure: Measure)
    throws(ScenarioError) -> [Double]
  {
    if case .riskNeutral = measure {
      return try optionalPerAsset(.drift, in: &m, fields: &fields)
        ?? Array(repeating: 0, count: assets.count)
    }
    return try perAsset(.drift, in: &m, fields: &fields)
  }

  /// A required per-asset parameter of a model's mapping `m`, read under its key (which
  /// `fields` learns).
  func perAsset(_ p: ModelParameter, in m: inout MappingReader, fields: inout ParameterFields)
    throws(ScenarioError) -> [Double]
  {
    try perAsset(fields.record(p, m.required(p.leafKey, p.doc)), what: p.label)
  }

  /// An optional per-asset parameter of a model's mapping `m`: nil when its key is absent.
  func optionalPerAsset(
    _ p: ModelParameter, in m: inout MappingReader, fields: inout ParameterFields
  ) throws(ScenarioError) -> [Double]? {
    guard let f = m.optional(p.leafKey) else { return nil }
    return try perAsset(fields.record(p, f), what: p.label)
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
      return (fields[.initialVariance] ?? fallback).error(describe(error))
    default:
      return fallback.error(describe(error))
    }
  }

  /// A process error with asset names instead of positions.
  func describe(_ error: ProcessError) -> String {
    switch error {
    case .invalidParameter(_, let parameter, let asset, let value, let expected):
      let whose = asset.map { " of \(assets[$0])" } ?? ""
      return "\(parameter.label)\(whose) is \(value), expected \(expected)"
    case .nonStationary(_, let asset, let persistence, let condition):
      let whose = asset.map { " for \(assets[$0])" } ?? ""
      return "parameters\(whose) are not stationary: \(condition) = \(persistence), expected < 1 "
        + "(set allow_nonstationary: true and give initial_variance to simulate anyway)"
    case .initialVariance(_, let asset, let reason):
      return "initial_variance" + (asset.map { " of \(assets[$0])" } ?? "") + ": " + reason
    case .unsupported(let what):
      // The field path already names the model: drop the message's own "garch: " prefix.
      let keys = ModelRegistry.keys + GARCHProcess.VolatilityModel.allCases.map(\.rawValue)
      for key in keys where what.hasPrefix("\(key): ") {
        return String(what.dropFirst(key.count + 2))
      }
      return what
    default:
      return error.description
    }
  }
}

/// Where a model's parameters were read, by their declarations, so that a `ProcessError` is
/// reported at the field that holds the offending value. Declarations of one key (EGARCH's
/// `omega` and GARCH's, `alpha + gamma` and `gamma`) share their field.
struct ParameterFields {
  private var fields: [String: YAMLField] = [:]

  /// Remembers that `parameter` was read from `field`, and returns the field.
  @discardableResult
  mutating func record(_ parameter: ModelParameter, _ field: YAMLField) -> YAMLField {
    fields[parameter.key] = field
    return field
  }

  subscript(parameter: ModelParameter) -> YAMLField? { fields[parameter.key] }
}

/// The keys of a model's mapping: the first component of each declared parameter's key, in
/// declaration order.
func mappingKeys(_ parameters: [ModelParameter]) -> [String] {
  var keys: [String] = []
  for p in parameters {
    let first = String(p.key.split(separator: ".").first ?? Substring(p.key))
    if !keys.contains(first) { keys.append(first) }
  }
  return keys
}

/// A model's resolved parameters as a JSON object under their declared keys (a dotted key
/// nests: `jumps.intensity` is `{"jumps": {"intensity": …}}`).
struct ParameterRecord {
  var object: [String: JSONValue] = [:]

  /// A record whose `type` is `type`.
  init(type: String? = nil) {
    if let type { object["type"] = .string(type) }
  }

  subscript(parameter: ModelParameter) -> JSONValue? {
    get { nil }
    set {
      guard let newValue else { return }
      object = Self.setting(
        newValue, at: parameter.key.split(separator: ".").map(String.init), in: object)
    }
  }

  private static func setting(_ value: JSONValue, at path: [String], in object: [String: JSONValue])
    -> [String: JSONValue]
  {
    var object = object
    guard let first = path.first else { return object }
    if path.count == 1 {
      object[first] = value
    } else {
      var inner: [String: JSONValue] = [:]
      if case .object(let o) = object[first] { inner = o }
      object[first] = .object(setting(value, at: Array(path.dropFirst()), in: inner))
    }
    return object
  }
}

extension ScenarioParser {
  /// Rejects a model whose median log price leaves ±`ScenarioLimits.maximumHorizonLogPrice`
  /// by the horizon: `log S₀ + (μ − λκ − σ²/2) T` for diffusions (each regime as if it held
  /// throughout), `log S₀ + mean · steps` for GARCH (risk neutral: `((r − q) dt − σ₁²/2)` per
  /// step), `θ + (log S₀ − θ) e^{−κT}` for a mean-reverting log price. Beyond it, most paths
  /// would overflow to ∞ or underflow to 0.
  func checkHorizon(_ model: ModelSpec, initial: [Double], grid: TimeGrid, field: YAMLField)
    throws(ScenarioError)
  {
    // Per chain: the regime's name or nil, and per asset the median log price at the horizon
    // with the formula that gave it, written out.
    let levels = model.unit.driftChains(timeStep: grid.timeStep).map { chain in
      (
        chain.regime,
        initial.indices.map {
          chain.horizonLevel(asset: $0, from: PortableMath.log(initial[$0]), grid: grid)
        }
      )
    }
    let bound = ScenarioLimits.maximumHorizonLogPrice
    for (regime, perAsset) in levels {
      for (a, (level, formula)) in perAsset.enumerated() {
        guard !(abs(level) <= bound) else { continue }
        let whose = regime.map { "regime \($0), " } ?? ""
        throw field.error(
          "\(whose)\(assets[a]): the median log price at the horizon, \(formula) = \(level), "
            + "is beyond ±\(Int(bound)), where prices overflow to infinity or underflow to 0; use "
            + "a smaller drift or volatility, or a shorter horizon")
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
    let correlated =
      model.correlations.contains { !$0.isIdentity }
      || variants.contains { !$0.schedule.correlationBlends.isEmpty }
    guard correlated, let message = correlationWorkExcess else { return }
    throw field.error(message)
  }

  /// Why `steps × assets²` is above `ScenarioLimits.maximumCorrelationWork`, or nil if it is
  /// not. `validatedCorrelation` asks before validating a matrix that is not the identity, so
  /// that such a scenario is refused before its O(assets³) factor.
  var correlationWorkExcess: String? {
    let n = assets.count
    let work = [n, n].reduce(steps) { $0.multipliedChecked(by: $1) ?? .max }
    let most = ScenarioLimits.maximumCorrelationWork
    guard work > most else { return nil }
    return "\(steps) steps × \(n)² correlated assets take \(work) multiply-adds per path, "
      + "expected at most \(most) (about a second); use fewer steps or assets"
  }
}
