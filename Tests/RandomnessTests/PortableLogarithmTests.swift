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

  /// The samplers' draws depend on every bit of `log`, so its bits are pinned: an FNV-1a
  /// digest of a million results, the value fdlibm's `__ieee754_log` gives (computed with the
  /// scalar form that branches on k = 0 and on the mantissa's range; a change of one bit of one
  /// result changes the digest).
  @Test("The same bits as fdlibm's log, for a million arguments")
  func pinnedBits() {
    var stream = PathStream(seed: 2026, path: 13)
    var digest: UInt64 = 0xCBF2_9CE4_8422_2325
    for i in 0..<1_000_000 {
      let x: Double
      switch i % 4 {
      case 0: x = stream.nextOpenUnit()
      case 1: x = Double(bitPattern: stream.next() % 0x7FF0_0000_0000_0000)
      case 2: x = 1 + (stream.nextOpenUnit() - 0.5) * 0x1p-19
      default: x = 0.5 + stream.nextOpenUnit() * 1.5
      }
      digest = (digest ^ PortableLogarithm.log(x).bitPattern) &* 0x100_0000_01B3
    }
    let expected: UInt64 = 0x6cd2_5a03_4b5a_538b
    #expect(
      digest == expected,
      "digest \(String(digest, radix: 16)), expected \(String(expected, radix: 16))")
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
