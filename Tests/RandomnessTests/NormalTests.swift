import Testing

@testable import Randomness

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Standard normal (Ziggurat)")
struct NormalTests {
  /// Standardized moments of the normal: μ4/σ⁴, μ6/σ⁶, μ8/σ⁸.
  static let (kurtosis, moment6, moment8) = (3.0, 15.0, 105.0)

  static func normals(_ n: Int, seed: UInt64) -> [Double] {
    [Double](unsafeUninitializedCapacity: n) { buffer, count in
      var stream = PathStream(seed: seed, path: 0)
      stream.fillStandardNormal(buffer)
      count = n
    }
  }

  @Test("Mean, variance, skewness and excess kurtosis of 2·10⁶ draws")
  func moments() {
    let n = 2_000_000
    let m = SampleMoments(Self.normals(n, seed: 20_261_129))
    expectWithinStandardErrors(
      "mean", observed: m.mean, expected: 0, standardError: (1 / Double(n)).squareRoot())
    expectWithinStandardErrors(
      "variance", observed: m.variance, expected: 1,
      standardError: StandardError.variance(variance: 1, excessKurtosis: 0, count: n))
    expectWithinStandardErrors(
      "skewness", observed: m.skewness, expected: 0,
      standardError: StandardError.skewness(
        kurtosis: Self.kurtosis, standardizedMoment6: Self.moment6, count: n))
    expectWithinStandardErrors(
      "excess kurtosis", observed: m.excessKurtosis, expected: 0,
      standardError: StandardError.excessKurtosis(
        kurtosis: Self.kurtosis, standardizedMoment6: Self.moment6,
        standardizedMoment8: Self.moment8, count: n))
  }

  @Test("Kolmogorov–Smirnov against Φ: D·√n below the 0.1% critical value")
  func kolmogorovSmirnov() {
    let n = 1_000_000
    let d = kolmogorovSmirnovStatistic(Self.normals(n, seed: 31_415), cdf: normalCDF)
    let statistic = d * Double(n).squareRoot()
    #expect(
      statistic < kolmogorovSmirnovCritical001,
      "KS: D·√n observed \(statistic), critical value \(kolmogorovSmirnovCritical001)")
  }

  @Test(
    "Tail frequencies beyond the Ziggurat tail start and beyond 4 match Φ",
    arguments: [ZigguratNormalTables.tailStart, 4.0])
  func tails(threshold: Double) {
    let n = 10_000_000
    var stream = PathStream(seed: 5, path: 3, substream: 1)
    var upper = 0
    var lower = 0
    for _ in 0..<n {
      let x = stream.nextStandardNormal()
      if x > threshold { upper += 1 } else if x < -threshold { lower += 1 }
    }
    let p = normalCDF(-threshold)
    for (event, hits) in [("X > \(threshold)", upper), ("X < -\(threshold)", lower)] {
      expectWithinStandardErrors(
        "P(\(event))", observed: Double(hits) / Double(n), expected: p,
        standardError: StandardError.proportion(p, count: n))
    }
    expectWithinStandardErrors(
      "P(|X| > \(threshold))", observed: Double(upper + lower) / Double(n), expected: 2 * p,
      standardError: StandardError.proportion(2 * p, count: n))
  }

  @Test("The tail algorithm samples the normal beyond r: Kolmogorov–Smirnov, 2·10⁵ draws")
  func tailAlgorithm() {
    let n = 200_000
    let r = ZigguratNormalTables.tailStart
    let tables = ZigguratNormalTables.shared
    var stream = PathStream(seed: 13, path: 0)
    let tail = (0..<n).map { _ in stream.normalSlowPath(layer: 0, x: 0, tables: tables) ?? .nan }
    #expect(tail.allSatisfy { $0 > r })
    // P(X ≤ x | X > r) = 1 − erfc(x/√2) / erfc(r/√2).
    let tailMass = erfc(r / 2.0.squareRoot())
    let d = kolmogorovSmirnovStatistic(tail) { 1 - erfc($0 / 2.0.squareRoot()) / tailMass }
    let statistic = d * Double(n).squareRoot()
    #expect(
      statistic < kolmogorovSmirnovCritical001,
      "KS: D·√n observed \(statistic), critical value \(kolmogorovSmirnovCritical001)")
  }

  @Test("fillStandardNormal gives the same numbers as repeated nextStandardNormal")
  func fillMatchesNext() {
    let filled = Self.normals(10_000, seed: 77)
    var stream = PathStream(seed: 77, path: 0)
    let drawn = (0..<10_000).map { _ in stream.nextStandardNormal() }
    #expect(filled.map(\.bitPattern) == drawn.map(\.bitPattern))
  }

  @Test("NormalDistribution scales and shifts standard draws")
  func scaledNormal() throws {
    let law = try NormalDistribution(mean: -2, standardDeviation: 3)
    var a = PathStream(seed: 8, path: 1)
    var b = PathStream(seed: 8, path: 1)
    for _ in 0..<1000 {
      #expect(law.sample(using: &a) == -2 + 3 * b.nextStandardNormal())
    }
  }

  /// The layer boundaries `x[i]`, recovered from the tables.
  static func boundaries() -> [Double] {
    let tables = ZigguratNormalTables.shared
    return (0..<256).map { tables.width[$0] * 0x1p52 }
  }

  @Test("Ziggurat tables: the base strip plus tail, and the top layer, have the layer area")
  func zigguratTables() {
    let x = Self.boundaries()
    let r = ZigguratNormalTables.tailStart
    let v = ZigguratNormalTables.layerArea
    let f = { (x: Double) in exp(-0.5 * x * x) }
    #expect(x[1] == r)
    // Base: the rectangle [0, r] × [0, f(r)] plus the tail ∫_r^∞ f = √(π/2) erfc(r/√2).
    let base = r * f(r) + (Double.pi / 2).squareRoot() * erfc(r / 2.0.squareRoot())
    #expect(abs(base - v) < 1e-10 * v, "base area: expected \(v), observed \(base)")
    // Top: the recursion must close at x[256] = 0, so the last layer has area v too.
    let top = x[255] * (1 - f(x[255]))
    #expect(abs(top - v) < 1e-8 * v, "top layer area: expected \(v), observed \(top)")
    #expect(zip(x, x.dropFirst()).allSatisfy { $0 > $1 }, "boundaries decrease")
  }
}
