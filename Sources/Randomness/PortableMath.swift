/// Elementary functions with the same bits on every CPU, for everything that decides the bits
/// `scengine run` writes.
///
/// The C library's `exp`, `log`, `pow`, `expm1`, `log1p`, `lgamma` and `erfc` are chosen at run
/// time by CPU (glibc on x86-64 has an FMA build for Haswell and later and an SSE2 build for
/// older CPUs), and the variants round some arguments differently: a simulation that calls
/// them could write other bits on another node. These are the algorithms of fdlibm (Sun
/// Microsystems, 1993; also those of FreeBSD's msun and of musl before 2018), written in Swift
/// with every product and sum a separate IEEE operation (Swift emits no fused multiply-add
/// unless asked to), so that each result depends only on the argument.
///
/// Goals, in order: the same bits on every machine and instruction set; an error below 1 ulp
/// (about 1 ulp for `pow` and `logGamma`; see each function); speed close to the C library's.
/// `PortableMathTests` compares every function with the C library's over millions of
/// arguments.
public enum PortableMath {
  /// `ln x` (fdlibm's `__ieee754_log`; see `PortableLogarithm`).
  @inlinable
  public static func log(_ x: Double) -> Double { PortableLogarithm.log(x) }
}

// Bit access in fdlibm's terms: the high and low 32-bit words of a double.
extension PortableMath {
  /// `ln 2` split: the high part has 32 significant bits, so `k · ln2High` is exact for
  /// `|k| < 2¹¹`.
  @usableFromInline static let ln2High = 6.93147180369123816490e-01
  @usableFromInline static let ln2Low = 1.90821492927058770002e-10
  @usableFromInline static let log2e = 1.44269504088896338700e+00
  /// The largest `x` whose `eˣ` is finite.
  @usableFromInline static let overflowThreshold = 7.09782712893383973096e+02
  /// Below this `eˣ` rounds to zero.
  @usableFromInline static let underflowThreshold = -7.45133219101941108420e+02

  /// The high word (sign, exponent, top 20 bits of the significand) as a signed integer.
  @inline(__always) @usableFromInline
  static func highWord(_ x: Double) -> Int32 { Int32(truncatingIfNeeded: x.bitPattern >> 32) }

  /// The low 32 bits of the significand.
  @inline(__always) @usableFromInline
  static func lowWord(_ x: Double) -> UInt32 { UInt32(truncatingIfNeeded: x.bitPattern) }

  /// The double made of `high` and `low`.
  @inline(__always) @usableFromInline
  static func double(high: Int32, low: UInt32) -> Double {
    Double(bitPattern: UInt64(UInt32(bitPattern: high)) << 32 | UInt64(low))
  }

  /// `x` with its low word cleared: a double with 21 significant bits (or fewer) whose
  /// products with another such double are exact.
  @inline(__always) @usableFromInline
  static func clearingLowWord(_ x: Double) -> Double {
    Double(bitPattern: x.bitPattern & 0xFFFF_FFFF_0000_0000)
  }

  /// `x` with its high word replaced by `high`.
  @inline(__always) @usableFromInline
  static func settingHighWord(_ x: Double, _ high: Int32) -> Double {
    double(high: high, low: lowWord(x))
  }

  /// `2ᵏ` for `−1022 ≤ k ≤ 1023`.
  @inline(__always) @usableFromInline
  static func powerOfTwo(_ k: Int32) -> Double {
    Double(bitPattern: UInt64(UInt32(bitPattern: 0x3FF + k)) << 52)
  }
}
