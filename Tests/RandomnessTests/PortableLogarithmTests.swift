import Randomness
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("PortableLogarithm")
struct PortableLogarithmTests {
  /// Arguments of every kind: open-unit uniforms (the samplers' use), the whole positive
  /// range by bit pattern, and neighbours of 1 (the short path for |f| < 2⁻²⁰).
  static func arguments(count: Int) -> [Double] {
    var stream = PathStream(seed: 2026, path: 12)
    var out = [Double]()
    for i in 0..<count {
      switch i % 3 {
      case 0: out.append(stream.nextOpenUnit())
      case 1: out.append(Double(bitPattern: stream.next() % 0x7FF0_0000_0000_0000))
      default: out.append(1 + (stream.nextOpenUnit() - 0.5) * 0x1p-19)
      }
    }
    return out
  }

  @Test("Within 1 ulp of the C library's log")
  func closeToLibm() {
    var worst = 0.0
    var worstArgument = 0.0
    for x in Self.arguments(count: 300_000) {
      let expected = log(x)
      let ulps = abs(PortableLogarithm.log(x) - expected) / expected.ulp
      if ulps > worst {
        worst = ulps
        worstArgument = x
      }
    }
    #expect(
      worst <= 1,
      "largest difference \(worst) ulp at x = \(worstArgument) (bits \(worstArgument.bitPattern)), tolerance 1 ulp"
    )
  }

  @Test(
    "Special values",
    arguments: [
      (0.0, -Double.infinity), (-0.0, -.infinity), (1.0, 0), (.infinity, .infinity),
      (2.0, 0.6931471805599453), (0x1p-1074, -744.4400719213812),
      (.greatestFiniteMagnitude, 709.782712893384),
    ])
  func specialValues(x: Double, expected: Double) {
    let observed = PortableLogarithm.log(x)
    #expect(observed == expected, "log(\(x)): expected \(expected), observed \(observed)")
  }

  @Test("NaN for negative and NaN arguments", arguments: [-1.0, -0x1p-1074, .nan, -.infinity])
  func notANumber(x: Double) {
    #expect(PortableLogarithm.log(x).isNaN, "log(\(x)) = \(PortableLogarithm.log(x)), expected NaN")
  }
}
