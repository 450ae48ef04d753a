import Foundation

/// SplitMix64 (Steele, Lea and Flood 2014) with Box–Muller normals: a fixed-seed source of
/// random numbers for tests, the same numbers on every platform.
public struct SeededRandom: Sendable {
  public var state: UInt64

  public init(state: UInt64) { self.state = state }

  /// A uniform draw in (0, 1): the top 53 bits of the next output, centred in their interval.
  public mutating func uniform() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
  }

  /// A standard normal draw by Box–Muller's cosine branch (two uniforms per draw).
  public mutating func normal() -> Double {
    (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
  }
}
