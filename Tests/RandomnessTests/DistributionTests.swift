import Randomness
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Exponential, gamma, chi-square, Student-t and Poisson samplers")
struct DistributionTests {
  static let n = 1_000_000

  @Test("Exponential: mean, variance and P(X > 3·mean) = e⁻³")
  func exponential() throws {
    let law = try ExponentialDistribution(mean: 2.5)
    var stream = PathStream(seed: 1, path: 0)
    let x = sample(Self.n, using: &stream) { law.sample(using: &$0) }
    expectMeanAndVariance("exponential", of: x, mean: 2.5, variance: 6.25, excessKurtosis: 6)
    let p = exp(-3.0)
    expectWithinStandardErrors(
      "P(X > 3·mean)", observed: Double(x.filter { $0 > 7.5 }.count) / Double(Self.n),
      expected: p, standardError: StandardError.proportion(p, count: Self.n))
    #expect(x.allSatisfy { $0 > 0 && $0.isFinite })
  }

  @Test("Gamma: mean kθ and variance kθ²", arguments: [0.5, 1, 2.5, 30])
  func gamma(shape: Double) throws {
    let scale = 2.0
    let law = try GammaDistribution(shape: shape, scale: scale)
    var stream = PathStream(seed: 2, path: Int(shape * 10))
    let x = sample(Self.n, using: &stream) { law.sample(using: &$0) }
    expectMeanAndVariance(
      "gamma(\(shape), \(scale))", of: x, mean: shape * scale, variance: shape * scale * scale,
      excessKurtosis: 6 / shape)
    #expect(x.allSatisfy { $0 > 0 && $0.isFinite })
  }

  @Test("Chi-square: mean ν and variance 2ν", arguments: [1, 4, 7.5])
  func chiSquared(degreesOfFreedom nu: Double) throws {
    let law = try ChiSquaredDistribution(degreesOfFreedom: nu)
    var stream = PathStream(seed: 3, path: Int(nu * 10))
    let x = sample(Self.n, using: &stream) { law.sample(using: &$0) }
    expectMeanAndVariance(
      "chi-square(\(nu))", of: x, mean: nu, variance: 2 * nu, excessKurtosis: 12 / nu)
  }

  /// `E[T^order] / σ^order` for Student's t with ν degrees of freedom and an even `order`
  /// below ν: `(ν − 2)^m Π_{i=1…m} (2i − 1) / (ν − 2i)` with `m = order / 2`.
  static func studentTStandardizedMoment(_ order: Int, _ nu: Double) -> Double {
    precondition(order % 2 == 0 && Double(order) < nu)
    var moment = 1.0
    for i in 1...(order / 2) {
      let twoI = Double(2 * i)
      moment *= (nu - 2) * (twoI - 1) / (nu - twoI)
    }
    return moment
  }

  @Test("Student-t with ν = 5: mean 0 and variance ν/(ν − 2)")
  func studentTRawVariance() throws {
    let nu = 5.0
    let law = try StudentTDistribution(degreesOfFreedom: nu)
    var stream = PathStream(seed: 4, path: 5)
    let x = sample(2_000_000, using: &stream) { law.sample(using: &$0) }
    expectMeanAndVariance(
      "t(5)", of: x, mean: 0, variance: nu / (nu - 2), excessKurtosis: 6 / (nu - 4))
  }

  @Test("Student-t with ν = 6 and unitVariance: variance 1")
  func studentTUnitVariance() throws {
    let nu = 6.0
    let law = try StudentTDistribution(degreesOfFreedom: nu, unitVariance: true)
    var stream = PathStream(seed: 4, path: 6)
    let x = sample(4_000_000, using: &stream) { law.sample(using: &$0) }
    expectMeanAndVariance("unit-variance t(6)", of: x, mean: 0, variance: 1, excessKurtosis: 3)
  }

  @Test("Student-t with ν = 10: excess kurtosis 6/(ν − 4) = 1")
  func studentTKurtosis() throws {
    let nu = 10.0
    let law = try StudentTDistribution(degreesOfFreedom: nu, unitVariance: true)
    var stream = PathStream(seed: 4, path: 10)
    let n = 4_000_000
    let m = SampleMoments(sample(n, using: &stream) { law.sample(using: &$0) })
    let moment = { Self.studentTStandardizedMoment($0, nu) }
    expectWithinStandardErrors(
      "t(10) excess kurtosis", observed: m.excessKurtosis, expected: 6 / (nu - 4),
      standardError: StandardError.excessKurtosis(
        kurtosis: moment(4), standardizedMoment6: moment(6), standardizedMoment8: moment(8),
        count: n))
    expectWithinStandardErrors(
      "t(10) skewness", observed: m.skewness, expected: 0,
      standardError: StandardError.skewness(
        kurtosis: moment(4), standardizedMoment6: moment(6), count: n))
  }

  @Test("Poisson: mean λ and variance λ", arguments: [0.01, 0.5, 3, 15, 200, 1e4])
  func poissonMoments(mean lambda: Double) throws {
    let law = try PoissonDistribution(mean: lambda)
    var stream = PathStream(seed: 6, path: Int(lambda * 100))
    let x = sample(Self.n, using: &stream) { Double(law.sample(using: &$0)) }
    expectMeanAndVariance(
      "Poisson(\(lambda))", of: x, mean: lambda, variance: lambda, excessKurtosis: 1 / lambda)
    #expect(x.allSatisfy { $0 >= 0 })
  }

  /// Every count whose probability exceeds 10⁻⁴ (so at least 100 expected hits): among them
  /// P(N = 0) = e^−λ for the small means.
  @Test(
    "Poisson: the frequency of every likely count matches its probability",
    arguments: [0.01, 0.5, 3, 15, 200])
  func poissonProbabilities(mean lambda: Double) throws {
    let law = try PoissonDistribution(mean: lambda)
    var stream = PathStream(seed: 7, path: Int(lambda * 100))
    var counts: [Int: Int] = [:]
    for _ in 0..<Self.n { counts[law.sample(using: &stream), default: 0] += 1 }
    for k in 0...(Int(lambda) + 10 * Int(lambda.squareRoot()) + 10) {
      let p = k == 0 ? exp(-lambda) : exp(Double(k) * log(lambda) - lambda - lgamma(Double(k + 1)))
      guard p > 1e-4 else { continue }
      expectWithinStandardErrors(
        "Poisson(\(lambda)) P(N = \(k))", observed: Double(counts[k, default: 0]) / Double(Self.n),
        expected: p, standardError: StandardError.proportion(p, count: Self.n))
    }
  }

  @Test("Poisson means below 10 take exactly one uniform per draw")
  func poissonConsumption() throws {
    var positions: [UInt64] = []
    for lambda in [0.0, 0.01, 3, 9.99] {
      let law = try PoissonDistribution(mean: lambda)
      var stream = PathStream(seed: 8, path: 0)
      for _ in 0..<1000 { _ = law.sample(using: &stream) }
      positions.append(stream.next())
    }
    #expect(Set(positions).count == 1)
  }
}

/// A distribution built with a bad parameter, and the parameter its error must name.
struct InvalidParameter: Sendable, CustomTestStringConvertible {
  let label: String
  let name: String
  let value: Double
  let make: @Sendable (Double) throws -> Void
  var testDescription: String { "\(label) \(value)" }

  /// One case for each bad value of one parameter.
  static func cases(
    _ label: String, name: String, values: [Double],
    make: @escaping @Sendable (Double) throws -> Void
  ) -> [InvalidParameter] {
    values.map { InvalidParameter(label: label, name: name, value: $0, make: make) }
  }

  static let all: [InvalidParameter] =
    cases("normal mean", name: "mean", values: [.nan, .infinity]) {
      _ = try NormalDistribution(mean: $0)
    }
    + cases("normal σ", name: "standard deviation", values: [-1, .nan]) {
      _ = try NormalDistribution(standardDeviation: $0)
    }
    + cases("exponential mean", name: "mean", values: [-2, 0, .nan]) {
      _ = try ExponentialDistribution(mean: $0)
    }
    + cases("gamma shape", name: "shape", values: [-1, 0, .nan]) {
      _ = try GammaDistribution(shape: $0)
    }
    + cases("gamma scale", name: "scale", values: [-0.5, .nan]) {
      _ = try GammaDistribution(shape: 2, scale: $0)
    }
    + cases("chi-square ν", name: "degrees of freedom", values: [-3, .nan]) {
      _ = try ChiSquaredDistribution(degreesOfFreedom: $0)
    }
    + cases("t ν", name: "degrees of freedom", values: [-1, .nan]) {
      _ = try StudentTDistribution(degreesOfFreedom: $0)
    }
    + cases("unit-variance t ν", name: "degrees of freedom", values: [2, 1.5, .nan]) {
      _ = try StudentTDistribution(degreesOfFreedom: $0, unitVariance: true)
    }
    + cases("Poisson mean", name: "mean", values: [-0.5, .nan, .infinity]) {
      _ = try PoissonDistribution(mean: $0)
    }
}

@Suite("Parameter validation")
struct ParameterValidationTests {
  @Test("A bad parameter throws RandomnessError naming it", arguments: InvalidParameter.all)
  func invalidParameter(_ bad: InvalidParameter) {
    let error = #expect(throws: RandomnessError.self) { try bad.make(bad.value) }
    guard case .invalidParameter(let name, let value, let expected)? = error else { return }
    #expect(name == bad.name)
    #expect(value == bad.value || (value.isNaN && bad.value.isNaN), "value \(value)")
    #expect(!expected.isEmpty)
    let message = error?.description ?? ""
    #expect(message.contains(bad.name) && message.contains("\(bad.value)"), "message: \(message)")
  }
}
