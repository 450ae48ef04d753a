import Testing

@testable import Randomness

@Suite("Ziggurat tables")
struct ZigguratTableTests {
  @Test("The stored boundaries satisfy the recurrence and the densities are f(x) within 1 ulp")
  func recurrence() {
    let x = ZigguratNormalTables.abscissae
    let density = ZigguratNormalTables.densities
    let r = ZigguratNormalTables.tailStart
    let v = ZigguratNormalTables.layerArea
    #expect(x.count == 257 && density.count == 257)
    #expect(x[1] == r, "x[1]: expected \(r), observed \(x[1])")
    #expect(x[256] == 0, "x[256]: expected 0, observed \(x[256])")
    var expected = [Double](repeating: 0, count: 257)
    expected[0] = v / PortableMath.exp(-0.5 * r * r)
    expected[1] = r
    for i in 1..<255 {
      // From the stored x[i], so that each step is checked on its own.
      expected[i + 1] =
        (-2 * PortableMath.log(PortableMath.exp(-0.5 * x[i] * x[i]) + v / x[i])).squareRoot()
    }
    for i in 0...256 {
      // One ulp of the logarithm's argument (near 1 for the inner layers) moves x[i] by
      // about 2⁻⁵² / x[i]; plus one ulp of x[i] itself.
      let tolerance = i < 2 || i == 256 ? x[i].ulp : 0x1p-52 / x[i] + x[i].ulp
      #expect(
        abs(x[i] - expected[i]) <= tolerance,
        "x[\(i)]: expected \(expected[i]), observed \(x[i]), tolerance \(tolerance)")
      let f = PortableMath.exp(-0.5 * x[i] * x[i])
      #expect(
        abs(density[i] - f) <= f.ulp,
        "density[\(i)]: expected \(f), observed \(density[i]), tolerance 1 ulp")
    }
  }

  /// Every wedge test the linear bounds decide is decided as the exponential decides it:
  /// in every layer, points spread over the wedge and points on both sides of the curve within
  /// a few ulps of it (where a wrong bound would show first), and the wedge's ends.
  @Test("The wedge squeeze answers as the exact test does, and decides most tests")
  func wedgeSqueeze() {
    let tables = ZigguratNormalTables.shared
    var stream = PathStream(seed: 0x5_0EE2E, path: 0)
    var decided = 0
    var spread = 0
    var wrong: [String] = []
    for layer in 1..<256 {
      let (a, b) = (tables.abscissa[layer + 1], tables.abscissa[layer])
      let (fb, fa) = (tables.density[layer], tables.density[layer + 1])
      func check(_ x: Double, _ y: Double) -> Bool? {
        let exact = y < PortableMath.exp(-0.5 * x * x)
        let squeezed = tables.wedgeSqueeze(layer: layer, x: x, y: y)
        if let squeezed, squeezed != exact, wrong.count < 10 {
          wrong.append("layer \(layer), x \(x), y \(y): squeeze \(squeezed), exact \(exact)")
        }
        return squeezed
      }
      for _ in 0..<2_000 {
        // As the sampler draws them: x over the wedge, y uniform between the densities.
        let x = a + stream.nextOpenUnit() * (b - a)
        let y = fb + stream.nextOpenUnit() * (fa - fb)
        spread += 1
        if check(x, y) != nil { decided += 1 }
        // Right at the curve: the computed density and its neighbours.
        let f = PortableMath.exp(-0.5 * x * x)
        for y in [f.nextDown.nextDown, f.nextDown, f, f.nextUp, f.nextUp.nextUp] {
          _ = check(x, y)
        }
      }
      for x in [a, a.nextUp, b.nextDown] {
        for y in [fb, fa, fb.nextUp, fa.nextDown, 0.5 * (fa + fb)] { _ = check(x, y) }
      }
    }
    #expect(wrong.isEmpty, "the squeeze disagrees with the exact test: \(wrong)")
    // The bounds are within O(h²) of f on wedges of width h: most tests are decided (the
    // fraction is about 0.99 for these tables; 0.9 leaves room without hiding a lost squeeze).
    let fraction = Double(decided) / Double(spread)
    #expect(
      fraction > 0.9, "decided \(decided) of \(spread) wedge tests (\(fraction)), expected > 0.9")
  }

  /// The four-lane route must give `fastCandidate`'s values and answers lane by lane: random
  /// words, and words at the edges of every layer (magnitude 0, one below and at the accept
  /// limit, the largest magnitude) with either sign.
  @Test("fastCandidates equals fastCandidate in every lane")
  func laneCandidatesEqualScalar() {
    let tables = ZigguratNormalTables.shared
    var stream = PathStream(seed: 29, path: 4)
    var words = (0..<40_000).map { _ in stream.next() }
    for layer in 0..<256 {
      let limit = tables.accept[layer]
      for magnitude: UInt64 in [0, max(limit, 1) - 1, limit, (1 << 52) - 1] {
        for sign: UInt64 in [0, 0x100] {
          words.append(magnitude << 12 | sign | UInt64(layer) | 0xE00)
        }
      }
    }
    var mismatches: [String] = []
    for start in stride(from: 0, to: words.count - 3, by: 4) {
      let group = SIMD4(words[start], words[start + 1], words[start + 2], words[start + 3])
      let (values, inside) = tables.fastCandidates(group)
      for lane in 0..<4 {
        let (value, isInside) = tables.fastCandidate(group[lane])
        if isInside != inside[lane]
          || (isInside && value.bitPattern != values[lane].bitPattern)
        {
          mismatches.append(
            "word \(String(group[lane], radix: 16)): \(values[lane]) \(inside[lane]), "
              + "expected \(value) \(isInside)")
        }
      }
    }
    let differing = mismatches.count
    #expect(differing == 0, "\(differing) lanes differ, first: \(mismatches.prefix(3))")
  }
}
