import Foundation
import Processes
import Randomness
import Shocks

/// A model as a scenario file gives it, one self-describing unit: the keys it is named by, its
/// parameters (declared once, as `ModelParameter`s of its process), how its mapping is read,
/// the record the manifest and `scengine check` show, the median log drifts the planner's
/// horizon checks follow, and the process that simulates it.
///
/// Adding a model is one file that conforms to this protocol (and, for new dynamics, the
/// process it builds) plus its line in `ModelRegistry.units`; the parser, the runner, the
/// manifest and the stress compiler work on every model through `ModelSpec`.
protocol ScenarioModel: Sendable {
  /// The keys a scenario file names the model by under `model:` (`gbm`; `merton`, `kou`).
  static var keys: [String] { get }
  /// The parameters of the model named `key`, in the order reports list them.
  static func parameters(key: String) -> [ModelParameter]
  /// Reads and validates the model's mapping `body`, given under `key`.
  static func parse(_ body: YAMLField, key: String, parser: ScenarioParser, context: ModelContext)
    throws(ScenarioError) -> Self

  /// The key the model was given under.
  var key: String { get }
  /// The process that simulates the model (parameters resolved for the measure).
  var process: any PriceProcess { get }
  /// The resolved parameters under their keys, for the manifest and `scengine check`.
  var record: [String: JSONValue] { get }
  /// The median log-price drifts the horizon checks follow: one chain, or one per regime.
  func driftChains(timeStep: Double) -> [DriftChain]
  /// The names of the regimes a `regime` stress can force (none for a model without).
  var regimeNames: [String] { get }
}

extension ScenarioModel {
  var regimeNames: [String] { [] }
}

/// What every model's mapping is read against: the file's initial prices, its top-level
/// correlation and the pricing measure.
struct ModelContext {
  var initial: [Double]
  var correlation: CorrelationMatrix
  var measure: Measure
}

/// The drift of the median log price of one chain of a model (the model as if one regime held
/// throughout), which the planner follows to reject a horizon or a stress that takes prices
/// beyond what the output can hold.
struct DriftChain {
  /// How the log price moves per step, per asset.
  enum Law {
    /// A diffusion: `(μ − λκ − σ²/2) dt` with annualized drift μ, volatility σ (which a
    /// drift override and a volatility multiplier change) and jump compensation λκ.
    case diffusion(drift: [Double], volatility: [Double], compensation: [Double])
    /// A fixed log return per step (GARCH's mean).
    case perStep([Double])
    /// A log price reverting to `level` (θ) at `rate` (κ, per year): the median moves from `x`
    /// to `θ + (x − θ) e^{−κ dt}` in a step, whatever the volatility (Schwartz).
    case meanReverting(level: [Double], rate: [Double])
  }

  /// The regime the chain follows, if any.
  var regime: String?
  var law: Law

  /// The median log price of asset `a` at the horizon of `grid` from `x0` (each regime as if
  /// it held throughout), with the formula that gave it written out for messages.
  func horizonLevel(asset a: Int, from x0: Double, grid: TimeGrid) -> (Double, String) {
    switch law {
    case .diffusion(let drift, let volatility, let compensation):
      let g = drift[a] - compensation[a] - 0.5 * volatility[a] * volatility[a]
      let t = grid.horizon
      return (x0 + g * t, "log S0 + (μ − λκ − σ²/2)·T = \(x0) + (\(g))·\(t)")
    case .perStep(let perStep):
      let length = Double(grid.steps)
      return (x0 + perStep[a] * length, "log S0 + mean·steps = \(x0) + (\(perStep[a]))·\(length)")
    case .meanReverting(let theta, let kappa):
      let decay = PortableMath.exp(-kappa[a] * grid.horizon)
      return (
        theta[a] + (x0 - theta[a]) * decay,
        "θ + (log S0 − θ)·e^(−κT) = \(theta[a]) + (\(x0 - theta[a]))·\(decay)"
      )
    }
  }

  /// The median move of one step of `dt` years, as a function of the asset, the median log
  /// price before the step, a drift override (annualized; NaN for none) and a volatility
  /// multiplier; what the law needs per asset is computed once here.
  func medianStep(timeStep dt: Double) -> (Int, Double, Double, Double) -> Double {
    switch law {
    case .diffusion(let drift, let volatility, let compensation):
      return { a, _, override, m in
        let mu = override.isNaN ? drift[a] : override
        let sigma = volatility[a] * m
        return (mu - compensation[a] - 0.5 * sigma * sigma) * dt
      }
    case .perStep(let perStep):
      return { a, _, _, _ in perStep[a] }
    case .meanReverting(let theta, let kappa):
      let pull = kappa.map { -PortableMath.expm1(-$0 * dt) }
      return { a, x, _, _ in (theta[a] - x) * pull[a] }
    }
  }

  /// `λκ` per asset for `jumps` (zeros without jumps).
  static func compensation(_ jumps: JumpSpecification?, assets: Int) -> [Double] {
    guard let jumps else { return Array(repeating: 0, count: assets) }
    let kappa = jumps.compensator
    return (0..<assets).map { jumps.intensity[$0] * kappa[$0] }
  }
}

/// Every model a scenario file can name: one line per model unit.
enum ModelRegistry {
  static let units: [any ScenarioModel.Type] = [
    GBMModel.self,
    JumpDiffusionModel.self,
    GARCHModel.self,
    RegimeModel.self,
    SchwartzModel.self,
  ]

  /// The keys, in registry order.
  static var keys: [String] { units.flatMap { $0.keys } }

  /// The unit named by `key`.
  static func unit(for key: String) -> (any ScenarioModel.Type)? {
    units.first { $0.keys.contains(key) }
  }
}

/// The model of a scenario, built and validated: a model unit seen through what the runner,
/// the planner and the reports need of every model.
public struct ModelSpec: Sendable {
  let unit: any ScenarioModel

  /// The model's key in the scenario file.
  public var key: String { unit.key }
  /// The process that simulates the model.
  public var process: any PriceProcess { unit.process }
  /// The process, if it is a `P`.
  public func process<P: PriceProcess>(as type: P.Type) -> P? { unit.process as? P }
  /// The latent states the model can emit.
  public var latentStates: LatentStates { unit.process.latentStates }
  /// The declared parameters of the model.
  public var parameters: [ModelParameter] { type(of: unit).parameters(key: unit.key) }
  /// The resolved parameters under their keys, for the manifest and `scengine check`.
  public var record: [String: JSONValue] { unit.record }
  /// The correlation matrices of the model's shocks: one, or one per regime.
  public var correlations: [CorrelationMatrix] { unit.process.correlations }
  /// Per asset, the largest annual jump intensity (any regime); empty without jumps.
  var largestJumpIntensities: [Double] { unit.process.largestJumpIntensities }
  /// The names of the regimes a `regime` stress can force.
  public var regimeNames: [String] { unit.regimeNames }
}
