import Testing

@testable import Randomness

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Inverse normal (AS 241)")
struct InverseNormalTests {
  /// Probabilities from 1e-300 to 1 − 2⁻⁵³: decades, a fine grid of the middle, the branch
  /// boundaries of AS 241 (|p − ½| = 0.425, min(p, 1 − p) = e⁻²⁵), and 1 − 2⁻ᵏ.
  static let grid: [Double] = {
    var p: [Double] = []
    for e in 1...300 { p.append(PortableMath.pow(10, -Double(e))) }
    for e in stride(from: 1.0, through: 300, by: 0.37) { p.append(PortableMath.pow(10, -e)) }
    for k in 1..<20_000 { p.append(Double(k) / 20_000) }
    for b in [0.075, 0.925, PortableMath.exp(-25)] {
      var x = b
      for _ in 0..<20 {
        p.append(x)
        x = x.nextUp
      }
      x = b
      for _ in 0..<20 {
        x = x.nextDown
        p.append(x)
      }
    }
    for k in 1...53 { p.append(1 - PortableMath.pow(2, -Double(k))) }
    p.append(1 - 1e-16)
    return p
  }()

  @Test("Round trip through erfc: the error in x is below 1e-14 |x| plus the check's own")
  func roundTrip() {
    // x = Φ⁻¹(p) is checked by the tail probability t = min(p, 1 − p) (exact for p ≥ ½):
    // Q(|x|) = erfc(|x|/√2)/2 should equal t. The error in x is (Q(|x|) − t)/φ(x); erfc's
    // own error (under 2.5 ulp) allows 4ε t/φ(x) on top of the tolerance 1e-14 |x|.
    var worst = (relative: 0.0, p: 0.0, x: 0.0)
    for p in Self.grid {
      let x = InverseNormal.quantile(p)
      let t = p < 0.5 ? p : 1 - p
      #expect((x < 0) == (p < 0.5) || p == 0.5, "sign of Φ⁻¹(\(p)) = \(x)")
      let tail = 0.5 * PortableMath.erfc(abs(x) / 2.0.squareRoot())
      let density = PortableMath.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
      let error = abs(tail - t) / density
      let allowance = 4 * Double.ulpOfOne * t / density
      let tolerance = 1e-14 * abs(x) + allowance
      let relative = max(0, error - allowance) / max(abs(x), 1e-300)
      if relative > worst.relative { worst = (relative, p, x) }
      #expect(
        error <= tolerance,
        "p = \(p): x = \(x), Q(|x|) = \(tail) against \(t), error in x \(error), tolerance \(tolerance)"
      )
    }
    print("largest relative error in x beyond erfc's: \(worst)")
  }

  #if arch(x86_64) && canImport(Glibc)
    @Test("Within 8 ulp of Φ⁻¹ refined by Newton's method in 80-bit arithmetic (erfcl)")
    func againstLongDouble() {
      var worst = (ulps: 0.0, p: 0.0)
      for p in Self.grid where p != 0.5 {
        let x = InverseNormal.quantile(p)
        // Newton on Q(|x|) = t in Float80: from a 1e-15-accurate start, two steps are exact to
        // the precision of erfcl. The rounding of AS 241's rational functions in doubles
        // leaves up to about 6 ulp (5.8 at p = 1e-179 on this grid).
        let t = Float80(p < 0.5 ? p : 1 - p)
        var y = Float80(abs(x))
        for _ in 0..<2 {
          let q = 0.5 * erfcl(y / Float80(2).squareRoot())
          let density = expl(-0.5 * y * y) / (2 * Float80.pi).squareRoot()
          y += (q - t) / density
        }
        let exact = p < 0.5 ? -y : y
        let ulps = Double(abs(Float80(x) - exact)) / Double(exact).ulp
        if ulps > worst.ulps { worst = (ulps, p) }
        #expect(
          ulps <= 8,
          "p = \(p): exact \(Double(exact)), observed \(x), \(ulps) ulp apart, tolerance 8 ulp")
      }
      print("largest error against the 80-bit refinement: \(worst.ulps) ulp at p = \(worst.p)")
    }
  #endif

  @Test("Symmetry: Φ⁻¹(1 − p) = −Φ⁻¹(p) exactly when 1 − p is exact; Φ⁻¹(½) = 0")
  func symmetry() {
    #expect(InverseNormal.quantile(0.5) == 0)
    var stream = PathStream(seed: 11, path: 0)
    var probabilities = (0..<100_000).map { _ in
      (Double(UInt32(truncatingIfNeeded: stream.next())) + 0.5) * 0x1p-32
    }
    probabilities += [0x1p-33, 0.075, 0.425, 0.25, PortableMath.exp(-25), 1e-10]
    for p in probabilities {
      let complement = 1 - p
      guard 1 - complement == p else { continue }
      #expect(
        InverseNormal.quantile(complement) == -InverseNormal.quantile(p),
        "Φ⁻¹(\(complement)) = \(InverseNormal.quantile(complement)), Φ⁻¹(\(p)) = \(InverseNormal.quantile(p))"
      )
    }
  }

  @Test("Known values: Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(1e-300) = −37.04709629936")
  func knownValues() {
    // Φ⁻¹(0.975) to 16 digits (Abramowitz and Stegun 26.2; Wolfram: 1.95996398454005423552).
    let x = InverseNormal.quantile(0.975)
    #expect(abs(x - 1.959_963_984_540_054) <= 2 * x.ulp, "Φ⁻¹(0.975) = \(x)")
    // SciPy's ndtri (Cephes), confirmed by Newton's method on log Φ.
    let tail = InverseNormal.quantile(1e-300)
    #expect(abs(tail + 37.047_096_299_361_2) < 1e-12, "Φ⁻¹(1e-300) = \(tail)")
  }
}
