import LinearAlgebra
import Shocks

/// A scenario's stresses compiled into per-step arrays that the simulation loops read directly.
///
/// Arrays are `steps × assets` (row = step index 0…steps−1, i.e. step `k` at row `k − 1`) or
/// `steps` long; `nil` means the stress kind is absent, so an unstressed run does no work for
/// it. Values:
///
/// - `volatilityMultiplier`: multiplies the diffusion volatility (GARCH: the conditional
///   standard deviation) of the step; 1 = unchanged.
/// - `driftOverride`: replaces the annualized drift for the step; NaN = unchanged.
/// - `shockReturn`: an instant simple return `r`, the price at the end of the step is
///   multiplied by `1 + r` on top of the step's own move; 0 = none.
/// - `jumpIntensityMultiplier`: multiplies the jump intensity of the step; 1 = unchanged.
/// - `forcedJump`: the summed log size of the jumps forced at the step; NaN = none.
/// - `forcedJumpCount`: how many jumps `forcedJump` sums (two forced jumps at one step count
///   as two in the jump counts); `nil` = one wherever `forcedJump` is set.
/// - `forcedRegime`: the regime in force during the step; −1 = the chain decides.
/// - `variance`: the GARCH conditional variance (per step, decimal) at the start of the
///   step; NaN = unchanged.
/// - `historicalReturn`: a log return that replaces the step's return on every path; NaN =
///   the model's own. A replayed return replaces the whole move of the asset in that step,
///   jumps included: its jump count is 0 (the model's jumps and any forced jump never reach
///   the price). An instant shock still applies on top of it. The latent states that describe
///   the model rather than the step's move keep their meaning: the regime is the chain's state
///   during the step (it still drives the other assets and the next transition), and the GARCH
///   variance is the conditional variance the recursion carried into the step (the replayed
///   return then feeds the recursion as its `ε`).
/// - `correlationBlend`: per step, 0 for the model's correlation or `j` for the blend
///   `correlationBlends[j − 1]`.
public struct StressSchedule: Sendable, Equatable {
  /// A blend `(1 − weight) · C + weight · target` of the model's correlation `C`.
  public struct CorrelationBlend: Sendable, Equatable {
    /// The target correlation matrix (valid on its own, so every blend is valid too).
    public let target: Matrix
    /// The weight of the target, in [0, 1].
    public let weight: Double

    public init(target: Matrix, weight: Double) {
      self.target = target
      self.weight = weight
    }
  }

  public let steps: Int
  public let assets: Int
  public var volatilityMultiplier: [Double]?
  public var driftOverride: [Double]?
  public var shockReturn: [Double]?
  public var jumpIntensityMultiplier: [Double]?
  public var forcedJump: [Double]?
  public var forcedJumpCount: [Int32]?
  public var forcedRegime: [Int16]?
  public var variance: [Double]?
  public var historicalReturn: [Double]?
  public var correlationBlend: [UInt16]?
  public var correlationBlends: [CorrelationBlend] = []

  /// A schedule with no stress.
  public init(steps: Int, assets: Int) {
    self.steps = steps
    self.assets = assets
  }

  /// The bytes its arrays take (the blends' target matrices included).
  public var byteCount: Int {
    let doubles = [
      volatilityMultiplier, driftOverride, shockReturn, jumpIntensityMultiplier, forcedJump,
      variance, historicalReturn,
    ].reduce(0) { $0 + ($1?.count ?? 0) }
    let targets = correlationBlends.reduce(0) { $0 + $1.target.elements.count }
    return 8 * (doubles + targets) + 4 * (forcedJumpCount?.count ?? 0)
      + 2 * ((forcedRegime?.count ?? 0) + (correlationBlend?.count ?? 0))
  }

  /// Whether no stress acts anywhere.
  public var isEmpty: Bool {
    volatilityMultiplier == nil && driftOverride == nil && shockReturn == nil
      && jumpIntensityMultiplier == nil && forcedJump == nil && forcedRegime == nil
      && variance == nil && historicalReturn == nil && correlationBlend == nil
  }

  /// The first step (1-based) at which any stress acts, or `nil` for none.
  public var firstStressedStep: Int? {
    var first = Int.max
    func scan(_ a: [Double]?, neutral: (Double) -> Bool) {
      guard let a else { return }
      if let i = a.firstIndex(where: { !neutral($0) }) { first = min(first, i / assets + 1) }
    }
    scan(volatilityMultiplier) { $0 == 1 }
    scan(driftOverride) { $0.isNaN }
    scan(shockReturn) { $0 == 0 }
    scan(jumpIntensityMultiplier) { $0 == 1 }
    scan(forcedJump) { $0.isNaN }
    scan(variance) { $0.isNaN }
    scan(historicalReturn) { $0.isNaN }
    if let r = forcedRegime, let i = r.firstIndex(where: { $0 >= 0 }) { first = min(first, i + 1) }
    if let c = correlationBlend, let i = c.firstIndex(where: { $0 != 0 }) {
      first = min(first, i + 1)
    }
    return first == Int.max ? nil : first
  }

  /// Why this schedule cannot drive a run whose model has `regimes` correlations (one per
  /// regime) of `shocks × shocks`, or `nil`: an array of the wrong length, a forced regime the
  /// model does not have, a blend index without a blend, or a blend target of another size or
  /// a weight outside [0, 1]. The kernels index these arrays without checks.
  func inconsistency(regimes k: Int, shocks: Int) -> String? {
    if let blend = correlationBlends.first(where: {
      $0.target.rows != shocks || $0.target.columns != shocks || !(0...1).contains($0.weight)
    }) {
      return "a correlation stress's target is \(blend.target.rows) × \(blend.target.columns) "
        + "with weight \(blend.weight), expected \(shocks) × \(shocks) and a weight in [0, 1]"
    }
    let perStepAndAsset: [(String, Int?)] = [
      ("volatilityMultiplier", volatilityMultiplier?.count),
      ("driftOverride", driftOverride?.count), ("shockReturn", shockReturn?.count),
      ("jumpIntensityMultiplier", jumpIntensityMultiplier?.count),
      ("forcedJump", forcedJump?.count), ("forcedJumpCount", forcedJumpCount?.count),
      ("variance", variance?.count),
      ("historicalReturn", historicalReturn?.count),
    ]
    for case (let name, let count?) in perStepAndAsset where count != steps * assets {
      return "stress schedule: \(name) has \(count) entries, expected \(steps) steps × \(assets) "
        + "assets"
    }
    let perStep = [
      ("forcedRegime", forcedRegime?.count), ("correlationBlend", correlationBlend?.count),
    ]
    for case (let name, let count?) in perStep where count != steps {
      return "stress schedule: \(name) has \(count) entries, expected \(steps) (one per step)"
    }
    if let bad = forcedJumpCount?.first(where: { $0 < 0 }) {
      return "stress schedule: a forced jump count is \(bad), expected a count ≥ 0"
    }
    if let bad = forcedRegime?.first(where: { $0 < -1 || Int($0) >= k }) {
      return "a regime stress forces regime \(bad), but the model has regimes 0…\(k - 1)"
    }
    if let bad = correlationBlend?.first(where: { Int($0) > correlationBlends.count }) {
      return "a correlation stress uses blend \(bad), but \(correlationBlends.count) blend(s) "
        + "are given"
    }
    return nil
  }

  /// The factors of the correlation matrices a path can use: for each blend `b` (0 = none)
  /// and each model correlation `s` (one per regime), entry `b · K + s`. A blend's factor is
  /// packed as soon as it is made (`CorrelationFactors`), so one full factor is held at a
  /// time.
  func correlationFactors(model: [CorrelationMatrix]) throws(CorrelationError)
    -> CorrelationFactors
  {
    var out = CorrelationFactors(model)
    for blend in correlationBlends {
      for base in model {
        out.append(try base.blendFactor(toward: blend.target, weight: blend.weight))
      }
    }
    return out
  }
}
