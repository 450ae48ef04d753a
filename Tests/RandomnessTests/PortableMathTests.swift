import Randomness
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Each function of `PortableMath` against the C library's over more than a million
/// arguments spanning the ranges scengine uses, and at the special values.
@Suite("PortableMath")
struct PortableMathTests {
  /// A function of one argument under test: the portable one, the C library's and the
  /// largest difference allowed, in units in the last place of the C library's result.
  struct Case: CustomStringConvertible, Sendable {
    let name: String
    let portable: @Sendable (Double) -> Double
    let reference: @Sendable (Double) -> Double
    let tolerance: Double
    /// Intervals `[low, high]`, sampled uniformly, one share each.
    let ranges: [(Double, Double)]
    var description: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "exp", portable: { PortableMath.exp($0) }, reference: { exp($0) }, tolerance: 1,
      ranges: [(-745.2, 709.8), (-1, 1), (-7, 0), (-1e-8, 1e-8), (-0.5, 0.5)]),
    Case(
      name: "expm1", portable: { PortableMath.expm1($0) }, reference: { expm1($0) },
      tolerance: 1,
      ranges: [(-40, 709.7), (-1, 1), (-0.35, 0.35), (-1e-9, 1e-9), (-3, 3)]),
    Case(
      name: "log1p", portable: { PortableMath.log1p($0) }, reference: { log1p($0) },
      tolerance: 1,
      ranges: [(-1, 10), (-0.3, 0.5), (-1e-7, 1e-7), (0, 1e300), (-0.999_999, -0.9)]),
    Case(
      name: "logGamma", portable: { PortableMath.logGamma($0) }, reference: { lgamma($0) },
      tolerance: 2,
      ranges: [(0, 8), (2.5, 8), (8, 1e6), (1e6, 1e16), (1e-30, 1e-3)]),
    // glibc's erfc is itself up to 2.6 ulp from the exact value (its two `exp` calls, and
    // the cancellation in `(1 − erx) − P/Q` on [0.84375, 1.25)); against the exact value
    // see `erfcAgainstLongDouble`.
    Case(
      name: "erfc", portable: { PortableMath.erfc($0) }, reference: { erfc($0) }, tolerance: 4,
      ranges: [(-6, 6), (-1.3, 1.3), (1.25, 28), (-0.3, 0.3), (2.8, 27)]),
  ]

  /// `count` arguments from `ranges`, in turn, from a fixed stream.
  static func arguments(_ ranges: [(Double, Double)], count: Int, path: Int) -> [Double] {
    var stream = PathStream(seed: 2026, path: path)
    return (0..<count).map { i in
      let (low, high) = ranges[i % ranges.count]
      return low + (high - low) * stream.nextOpenUnit()
    }
  }

  /// The difference of `observed` from `expected` in units in the last place of `expected`;
  /// 0 when both are the same infinity or both NaN, infinite when only one is.
  static func ulps(_ observed: Double, _ expected: Double) -> Double {
    if expected.isNaN || observed.isNaN { return expected.isNaN && observed.isNaN ? 0 : .infinity }
    if expected.isInfinite || observed.isInfinite { return observed == expected ? 0 : .infinity }
    if expected == 0 && observed == 0 {
      return expected.sign == observed.sign ? 0 : .infinity
    }
    return abs(observed - expected) / expected.ulp
  }

  /// The worst difference over `arguments`, with its argument and both results.
  static func worst(
    _ arguments: [Double], _ portable: (Double) -> Double, _ reference: (Double) -> Double
  ) -> (ulps: Double, x: Double, expected: Double, observed: Double) {
    var result = (ulps: 0.0, x: 0.0, expected: 0.0, observed: 0.0)
    for x in arguments {
      let expected = reference(x)
      let observed = portable(x)
      let d = ulps(observed, expected)
      if d > result.ulps { result = (d, x, expected, observed) }
    }
    return result
  }

  @Test("Within tolerance of the C library over 1.2 million arguments", arguments: cases)
  func closeToLibm(_ c: Case) {
    let arguments = Self.arguments(c.ranges, count: 1_200_000, path: c.name.count)
    let w = Self.worst(arguments, c.portable, c.reference)
    #expect(
      w.ulps <= c.tolerance,
      "\(c.name)(\(w.x)): expected \(w.expected), observed \(w.observed), \(w.ulps) ulp apart, tolerance \(c.tolerance) ulp"
    )
  }

  /// Zeros, subnormals, infinities, NaN, the edges of overflow and underflow and the
  /// switches between the algorithms' intervals.
  static let specialArguments: [Double] = [
    0, -0.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, -0x1p-1022, Double.leastNormalMagnitude.nextDown,
    .infinity, -.infinity, .nan, 1, -1, 2, -2, 0.5, -0.5, 0x1p-60, -0x1p-60, 0x1p-28, 0x1p-54,
    709.782712893384, 709.7827128933841, 709.78, -745.1332191019411, -745.1332191019412,
    -708.4, -720, 1e300, -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
    0.34657359027997264, 1.0397207708399179, 38.816242111356935, -38.816242111356935,
    0.84375, 1.25, 2.857142857142857, 6, -6, 28, -28, 27.99, 1.4616321449683622, 8, 3, 7.5,
    0x1p52, 0x1p58, 0x1p70, -0.29289321881345243, 0.41421356237309503,
  ]

  @Test("Special values as the C library's", arguments: cases)
  func specialValues(_ c: Case) {
    for x in Self.specialArguments where !(c.name == "logGamma" && x < 0) {
      let expected = c.reference(x)
      let observed = c.portable(x)
      #expect(
        Self.ulps(observed, expected) <= c.tolerance,
        "\(c.name)(\(x)): expected \(expected), observed \(observed), tolerance \(c.tolerance) ulp"
      )
    }
  }

  #if arch(x86_64) && canImport(Glibc)
    /// The largest error in ulps over `arguments` against the C library's long double
    /// (64-bit significand) function, as good as exact at double precision.
    static func worstAgainstLongDouble(
      _ arguments: [Double], _ portable: (Double) -> Double, _ exact: (Float80) -> Float80
    ) -> (ulps: Double, x: Double, expected: Double, observed: Double) {
      var result = (ulps: 0.0, x: 0.0, expected: 0.0, observed: 0.0)
      for x in arguments {
        let t = exact(Float80(x))
        let observed = portable(x)
        let d = Double(abs(Float80(observed) - t)) / Double(t).ulp
        if d > result.ulps { result = (d, x, Double(t), observed) }
      }
      return result
    }

    @Test("erfc and logGamma within 2.5 ulp of the exact value (erfcl, lgammal)")
    func againstLongDouble() {
      let erfcArguments = Self.arguments(
        [(-6, 6), (0.84375, 1.25), (1.25, 27)], count: 300_000, path: 7)
      let e = Self.worstAgainstLongDouble(erfcArguments, { PortableMath.erfc($0) }, { erfcl($0) })
      #expect(
        e.ulps <= 2.5,
        "erfc(\(e.x)): exact \(e.expected), observed \(e.observed), \(e.ulps) ulp apart, tolerance 2.5 ulp"
      )
      let gammaArguments = Self.arguments([(0.01, 8), (8, 1e6)], count: 300_000, path: 8)
      let g = Self.worstAgainstLongDouble(
        gammaArguments, { PortableMath.logGamma($0) }, { lgammal($0) })
      #expect(
        g.ulps <= 2.5,
        "logGamma(\(g.x)): exact \(g.expected), observed \(g.observed), \(g.ulps) ulp apart, tolerance 2.5 ulp"
      )
    }
  #endif

  @Test("logGamma: NaN on the negative axis, +∞ at 0")
  func logGammaDomain() {
    for x in [-0.5, -1.0, -1e300, -.infinity] {
      #expect(PortableMath.logGamma(x).isNaN, "logGamma(\(x)) = \(PortableMath.logGamma(x))")
    }
    #expect(PortableMath.logGamma(0) == .infinity)
    #expect(PortableMath.logGamma(-0.0) == .infinity)
  }

  @Test("logGamma(k + 1) = log k! as Poisson's PTRS uses it: within 3 ulp of glibc's")
  func logFactorial() {
    var stream = PathStream(seed: 2026, path: 99)
    var arguments = (0..<100_000).map { Double($0) + 1 }
    for _ in 0..<1_000_000 {
      arguments.append((stream.nextOpenUnit() * 1e9).rounded(.down) + 1)
    }
    // Both are fdlibm's (x − ½)(log x − 1) + w(1/x) beyond 8, each up to 1.8 ulp from the
    // exact value (the error of `log x` times x / lgamma x); they differ by up to 3.
    let w = Self.worst(arguments, { PortableMath.logGamma($0) }, { lgamma($0) })
    #expect(
      w.ulps <= 3,
      "logGamma(\(w.x)): expected \(w.expected), observed \(w.observed), \(w.ulps) ulp apart, tolerance 3 ulp"
    )
    #if arch(x86_64) && canImport(Glibc)
      let e = Self.worstAgainstLongDouble(
        arguments, { PortableMath.logGamma($0) }, { lgammal($0) })
      #expect(
        e.ulps <= 2,
        "logGamma(\(e.x)): exact \(e.expected), observed \(e.observed), \(e.ulps) ulp apart, tolerance 2 ulp"
      )
    #endif
  }

  /// `pow` over the samplers' `U^(1/α)` (U in (0, 1), α in (0, 1)) and a general range.
  @Test("pow within 2 ulp of the C library over 1.2 million pairs")
  func power() {
    var stream = PathStream(seed: 2026, path: 31)
    var worst = (ulps: 0.0, x: 0.0, y: 0.0, expected: 0.0, observed: 0.0)
    for i in 0..<1_200_000 {
      let x: Double
      let y: Double
      switch i % 4 {
      case 0:
        x = stream.nextOpenUnit()
        y = 1 / stream.nextOpenUnit()
      case 1:
        x = stream.nextOpenUnit()
        y = 1 / (0.01 + 0.99 * stream.nextOpenUnit())
      case 2:
        x = 1e-3 + 1e3 * stream.nextOpenUnit()
        y = -50 + 100 * stream.nextOpenUnit()
      default:
        x = 1 + (stream.nextOpenUnit() - 0.5) * 1e-6
        y = (stream.nextOpenUnit() - 0.5) * 1e9
      }
      let expected = pow(x, y)
      let observed = PortableMath.pow(x, y)
      let d = Self.ulps(observed, expected)
      if d > worst.ulps { worst = (d, x, y, expected, observed) }
    }
    #expect(
      worst.ulps <= 2,
      "pow(\(worst.x), \(worst.y)): expected \(worst.expected), observed \(worst.observed), \(worst.ulps) ulp apart, tolerance 2 ulp"
    )
  }

  @Test("pow: special values as the C library's")
  func powerSpecialValues() {
    let values: [Double] = [
      0, -0.0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 0x1p-1074, 1e300, -1e300, 1.0000001,
      .infinity, -.infinity, .nan, 1075, -1075, 1024, 0x1p53, 0x1p64, 0x1p31 + 1,
    ]
    for x in values {
      for y in values {
        let expected = pow(x, y)
        let observed = PortableMath.pow(x, y)
        #expect(
          Self.ulps(observed, expected) <= 2,
          "pow(\(x), \(y)): expected \(expected), observed \(observed), tolerance 2 ulp")
      }
    }
  }
}
