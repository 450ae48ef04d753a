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
}
