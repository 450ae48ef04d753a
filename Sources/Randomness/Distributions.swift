/// The normal distribution N(mean, standardDeviation²), sampled by the Ziggurat.
@frozen
public struct NormalDistribution: Sendable, Equatable {
  public let mean: Double
  public let standardDeviation: Double

  /// - Throws: `RandomnessError` unless `mean` is finite and `standardDeviation` finite and ≥ 0.
  public init(mean: Double = 0, standardDeviation: Double = 1) throws(RandomnessError) {
    try require(mean.isFinite, "mean", mean, "a finite number")
    try require(
      standardDeviation.isFinite && standardDeviation >= 0, "standard deviation",
      standardDeviation, "a finite number ≥ 0")
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  @inlinable
  public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
    mean + standardDeviation * rng.nextStandardNormal()
  }
}

/// The exponential distribution with the given mean (rate 1/mean), sampled by inversion:
/// `-mean · log(U)`, one uniform per draw.
@frozen
public struct ExponentialDistribution: Sendable, Equatable {
  public let mean: Double

  /// - Throws: `RandomnessError` unless `mean` is finite and > 0.
  public init(mean: Double = 1) throws(RandomnessError) {
    try require(mean.isFinite && mean > 0, "mean", mean, "a finite number > 0")
    self.mean = mean
  }

  @inlinable
  public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
    -mean * PortableLogarithm.log(rng.nextOpenUnit())
  }
}

/// The gamma distribution with density `x^(k-1) e^(-x/θ) / (Γ(k) θ^k)` for shape `k` and
/// scale `θ`; mean `kθ`, variance `kθ²`.
///
/// Method: Marsaglia and Tsang, "A Simple Method for Generating Gamma Variables", ACM TOMS
/// 26(3), 2000: a squeeze-and-reject transformation of one normal and one uniform, accepting
/// more than 95% of candidates for every shape ≥ 1. Shapes below 1 use the boost
/// `Gamma(k) = Gamma(k + 1) · U^(1/k)` from the same paper.
@frozen
public struct GammaDistribution: Sendable, Equatable {
  public let shape: Double
  public let scale: Double
  @usableFromInline let d: Double
  @usableFromInline let c: Double
  @usableFromInline let boostExponent: Double?

  /// - Throws: `RandomnessError` unless `shape` and `scale` are finite and > 0.
  public init(shape: Double, scale: Double = 1) throws(RandomnessError) {
    try require(shape.isFinite && shape > 0, "shape", shape, "a finite number > 0")
    try require(scale.isFinite && scale > 0, "scale", scale, "a finite number > 0")
    self.shape = shape
    self.scale = scale
    let k = shape < 1 ? shape + 1 : shape
    d = k - 1.0 / 3.0
    c = 1.0 / (9.0 * d).squareRoot()
    boostExponent = shape < 1 ? 1 / shape : nil
  }

  @inlinable
  public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
    var value: Double
    while true {
      let x = rng.nextStandardNormal()
      var v = 1 + c * x
      if v <= 0 { continue }
      v = v * v * v
      let u = rng.nextOpenUnit()
      let x2 = x * x
      if u < 1 - 0.0331 * x2 * x2
        || PortableLogarithm.log(u) < 0.5 * x2 + d * (1 - v + PortableLogarithm.log(v))
      {
        value = d * v
        break
      }
    }
    if let boostExponent {
      value *= PortableMath.pow(rng.nextOpenUnit(), boostExponent)
    }
    return value * scale
  }
}

/// The chi-square distribution with `degreesOfFreedom` ν: `Gamma(ν/2, scale 2)`.
@frozen
public struct ChiSquaredDistribution: Sendable, Equatable {
  public let degreesOfFreedom: Double
  @usableFromInline let gamma: GammaDistribution

  /// - Throws: `RandomnessError` unless `degreesOfFreedom` is finite and > 0.
  public init(degreesOfFreedom: Double) throws(RandomnessError) {
    try require(
      degreesOfFreedom.isFinite && degreesOfFreedom > 0, "degrees of freedom", degreesOfFreedom,
      "a finite number > 0")
    self.degreesOfFreedom = degreesOfFreedom
    self.gamma = try GammaDistribution(shape: degreesOfFreedom / 2, scale: 2)
  }

  @inlinable
  public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
    gamma.sample(using: &rng)
  }
}

/// Student's t distribution with ν degrees of freedom: `Z / sqrt(W / ν)` for a standard normal
/// `Z` and an independent chi-square `W` with ν degrees of freedom.
///
/// Its variance is `ν / (ν - 2)` for ν > 2. With `unitVariance`, draws are multiplied by
/// `sqrt((ν - 2) / ν)` so that the variance is 1 (this needs ν > 2), the usual form of
/// Student-t innovations in GARCH models (Bollerslev 1987).
@frozen
public struct StudentTDistribution: Sendable, Equatable {
  public let degreesOfFreedom: Double
  public let unitVariance: Bool
  /// The law of the mixing draw `W`.
  public let chiSquared: ChiSquaredDistribution
  @usableFromInline let factor: Double

  /// - Throws: `RandomnessError` unless ν is finite and > 0 (> 2 with `unitVariance`).
  public init(degreesOfFreedom: Double, unitVariance: Bool = false) throws(RandomnessError) {
    if unitVariance {
      try require(
        degreesOfFreedom.isFinite && degreesOfFreedom > 2, "degrees of freedom",
        degreesOfFreedom, "a finite number > 2 for unit variance")
    }
    self.chiSquared = try ChiSquaredDistribution(degreesOfFreedom: degreesOfFreedom)
    self.degreesOfFreedom = degreesOfFreedom
    self.unitVariance = unitVariance
    let nu = degreesOfFreedom
    self.factor = unitVariance ? (nu - 2).squareRoot() : nu.squareRoot()
  }

  /// The factor that turns a standard normal `z` into a draw, given a chi-square mixing draw
  /// `w`: the draw is `z · mixingScale(w)`. Shared by every asset of a multivariate t.
  @inlinable
  public func mixingScale(_ w: Double) -> Double { factor / w.squareRoot() }

  @inlinable
  public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
    let z = rng.nextStandardNormal()
    return z * mixingScale(chiSquared.sample(using: &rng))
  }
}

/// The Poisson distribution with the given mean λ.
///
/// Means below 10 use inversion by sequential search, one uniform per draw, so that the
/// number of uniforms consumed does not depend on the mean. Larger means use PTRS, the
/// transformed rejection with squeeze of Hörmann, "The transformed rejection method for
/// generating Poisson random variables", Insurance: Mathematics and Economics 12, 1993.
@frozen
public struct PoissonDistribution: Sendable, Equatable {
  public let mean: Double
  @usableFromInline let expMinusMean: Double
  @usableFromInline let ptrs: PTRSConstants?

  @usableFromInline
  struct PTRSConstants: Sendable, Equatable {
    @usableFromInline let b, a, invAlpha, vr, logMean: Double
  }

  /// The mean from which PTRS replaces inversion.
  public static let rejectionThreshold = 10.0

  /// The largest mean: below it every draw is an integer a double holds exactly and an `Int`
  /// converts without overflow.
  public static let maximumMean = 1e15

  /// - Throws: `RandomnessError` unless `mean` is finite, ≥ 0 and at most `maximumMean`.
  public init(mean: Double) throws(RandomnessError) {
    try require(
      mean.isFinite && mean >= 0 && mean <= Self.maximumMean, "mean", mean,
      "a finite number ≥ 0, at most \(Self.maximumMean)")
    self.init(validatedMean: mean)
  }

  /// A Poisson law whose mean the caller has already checked to be finite, ≥ 0 and at most
  /// `maximumMean`.
  public init(validatedMean mean: Double) {
    precondition(
      mean.isFinite && mean >= 0 && mean <= Self.maximumMean,
      "Poisson mean must be finite, non-negative and at most maximumMean")
    self.mean = mean
    self.expMinusMean = PortableMath.exp(-mean)
    if mean >= Self.rejectionThreshold {
      let b = 0.931 + 2.53 * mean.squareRoot()
      ptrs = PTRSConstants(
        b: b, a: -0.059 + 0.02483 * b, invAlpha: 1.1239 + 1.1328 / (b - 3.4),
        vr: 0.9277 - 3.6224 / (b - 2), logMean: PortableLogarithm.log(mean))
    } else {
      ptrs = nil
    }
  }

  /// For a mean below `rejectionThreshold`, where `sample` inverts the CDF at one uniform
  /// `u`: the draw is 0 exactly when `u ≤ zeroThreshold` (`e^−mean`). `nil` for larger means.
  /// Lets a caller that already holds the uniform skip the call in the common no-event case.
  @inlinable
  public var zeroThreshold: Double? { ptrs == nil ? expMinusMean : nil }

  @inlinable
  public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Int {
    if let ptrs { return Self.samplePTRS(mean: mean, ptrs, using: &rng) }
    return Self.inversion(mean: mean, expMinusMean: expMinusMean, uniform: rng.nextOpenUnit())
  }

  /// Inversion of the Poisson CDF at `uniform` by sequential search from 0.
  @inlinable
  public static func inversion(mean: Double, expMinusMean: Double, uniform: Double) -> Int {
    var k = 0
    var p = expMinusMean
    var cdf = p
    while uniform > cdf {
      k += 1
      p *= mean / Double(k)
      let next = cdf + p
      if next == cdf { break }  // the remaining tail is below double resolution
      cdf = next
    }
    return k
  }

  /// A whole double as a count: `Int(k)`, saturated at 2⁶² (never reached below `maximumMean`).
  @inline(__always)
  static func count(_ k: Double) -> Int { k < 0x1p62 ? Int(k) : 1 << 62 }

  @usableFromInline
  static func samplePTRS<G: RandomNumberGenerator>(
    mean: Double, _ c: PTRSConstants, using rng: inout G
  ) -> Int {
    while true {
      let u = rng.nextOpenUnit() - 0.5
      let v = rng.nextOpenUnit()
      let us = 0.5 - abs(u)
      let k = ((2 * c.a / us + c.b) * u + mean + 0.43).rounded(.down)
      // `k` is whole and, for a mean up to `maximumMean`, far inside the range of `Int`;
      // `count` saturates anyway, so that no mean can make the conversion trap.
      if us >= 0.07 && v <= c.vr { return count(k) }
      if k < 0 || (us < 0.013 && v > us) { continue }
      if PortableLogarithm.log(v) + PortableLogarithm.log(c.invAlpha)
        - PortableLogarithm.log(c.a / (us * us) + c.b)
        <= -mean + k * c.logMean - PortableMath.logGamma(k + 1)
      {
        return count(k)
      }
    }
  }
}
