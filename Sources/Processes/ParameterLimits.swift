/// The ranges the models accept, chosen so that no valid parameter makes an overflow to ∞ or
/// an underflow to 0 certain, while leaving room for any market that exists (a price move by
/// a factor 10³⁰⁰ is not a scenario). Annualized and decimal unless marked per step.
///
/// What a single parameter cannot rule out (a long horizon times a large drift, an explosive
/// non-stationary GARCH, a stress multiplied over a window) is checked where the horizon is
/// known (the scenario parser) and, at the latest, by the runner's scan of every simulated
/// price.
public enum ParameterLimits {
  /// Initial prices: from 10⁻³⁰ to 10³⁰, inside the normal range of float32 output with room
  /// for the moves of a path.
  public static let initialPrice: ClosedRange<Double> = 1e-30...1e30
  /// The largest annualized drift in magnitude (10 = 1,000% a year), also for a risk-neutral
  /// rate, a dividend yield and a drift stress.
  public static let maximumDrift = 10.0
  /// The largest annualized volatility (10 = 1,000% a year).
  public static let maximumVolatility = 10.0
  /// The largest magnitude of a Merton log jump mean and of its standard deviation (a jump of
  /// log size 5 multiplies the price by about 150).
  public static let maximumJumpLogSize = 5.0
  /// The largest Kou mean up jump (`up_mean`, below 1 so that E[e^Y] is finite): 0.99 keeps
  /// the compensator below 100 per jump.
  public static let maximumKouUpMean = 0.99
  /// The largest Kou mean down jump (`down_mean`).
  public static let maximumKouDownMean = maximumJumpLogSize
  /// The largest annual jump intensity; the scenario parser also bounds the expected jumps of
  /// a step (`λ · dt · multiplier`).
  public static let maximumJumpIntensity = 1e9
  /// The largest expected number of jumps in one step, `λ · dt` times any intensity
  /// multiplier: more makes one path take hours and says nothing a diffusion would not.
  public static let maximumJumpsPerStep = 1000.0
  /// GARCH per-step conditional variances (given or unconditional, and variance stresses):
  /// from 10⁻³⁰ to 1 (a per-step standard deviation of 100%).
  public static let perStepVariance: ClosedRange<Double> = 1e-30...1
  /// The largest GARCH per-step mean log return in magnitude.
  public static let maximumPerStepMean = 1.0
  /// The largest magnitude of the GARCH-family coefficients ω (EGARCH), α, β and γ.
  public static let maximumGARCHCoefficient = 10.0
  /// Student-t degrees of freedom: above 2 (unit variance), at most 10⁶ (beyond, use normal).
  public static let maximumDegreesOfFreedom = 1e6
  /// The longest time step, in years.
  public static let maximumTimeStep = 100.0

  /// `"a finite number from lower to upper"`, for messages.
  static func describe(_ range: ClosedRange<Double>, _ what: String) -> String {
    "\(what) from \(format(range.lowerBound)) to \(format(range.upperBound))"
  }

  /// A number for a message: integral values without a fraction, others as Swift prints them.
  static func format(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
  }
}
