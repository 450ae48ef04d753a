/// The Philox4x32-10 counter-based random number generator.
///
/// Philox maps a 128-bit counter and a 64-bit key to 128 random bits through ten rounds of
/// a multiply-and-xor bijection (Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
/// as easy as 1, 2, 3", SC 2011). Because the output is a pure function of (key, counter),
/// any block of output can be computed directly, with no sequential state: this is what lets
/// scengine address the random numbers of one path by its index.
///
/// The output is checked against the Random123 known-answer vectors (`kat_vectors`).
///
/// As a `RandomNumberGenerator`, the generator returns the four 32-bit words of each block in
/// order, two per `UInt64` (the first word in the low half), then increments the 128-bit
/// counter (word 0 least significant, with carry).
@frozen
public struct Philox4x32: RandomNumberGenerator, Sendable {
  /// Multipliers and Weyl key increments from Salmon et al. (2011), table 2.
  @usableFromInline static let multiplier0: UInt32 = 0xD251_1F53
  @usableFromInline static let multiplier1: UInt32 = 0xCD9E_8D57
  @usableFromInline static let weyl0: UInt32 = 0x9E37_79B9
  @usableFromInline static let weyl1: UInt32 = 0xBB67_AE85

  /// The 64-bit key as two 32-bit words (low word first).
  public let key: (UInt32, UInt32)
  /// The 128-bit counter of the next block, word 0 least significant.
  public var counter: (UInt32, UInt32, UInt32, UInt32)
  @usableFromInline var pending: UInt64 = 0
  @usableFromInline var hasPending = false

  /// Creates a generator keyed by a 64-bit seed, starting at `counter`.
  ///
  /// The key's low word is `seed`'s low 32 bits, its high word the high 32 bits.
  @inlinable
  public init(seed: UInt64, counter: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)) {
    self.key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    self.counter = counter
  }

  /// Creates a generator with an explicit two-word key.
  @inlinable
  public init(key: (UInt32, UInt32), counter: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)) {
    self.key = key
    self.counter = counter
  }

  /// The Philox4x32-10 bijection: the four output words for `counter` under `key`.
  ///
  /// - Complexity: ten rounds of two 32×32→64-bit multiplications.
  @inlinable @inline(__always)
  public static func block(
    counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)
  ) -> (UInt32, UInt32, UInt32, UInt32) {
    var (c0, c1, c2, c3) = counter
    var (k0, k1) = key
    @inline(__always) func round() {
      let p0 = UInt64(multiplier0) &* UInt64(c0)
      let p1 = UInt64(multiplier1) &* UInt64(c2)
      let hi0 = UInt32(truncatingIfNeeded: p0 >> 32)
      let lo0 = UInt32(truncatingIfNeeded: p0)
      let hi1 = UInt32(truncatingIfNeeded: p1 >> 32)
      let lo1 = UInt32(truncatingIfNeeded: p1)
      c0 = hi1 ^ c1 ^ k0
      c1 = lo1
      c2 = hi0 ^ c3 ^ k1
      c3 = lo0
    }
    round()
    for _ in 0..<9 {
      k0 &+= weyl0
      k1 &+= weyl1
      round()
    }
    return (c0, c1, c2, c3)
  }

  /// The next block of four words; advances the counter by one.
  @inlinable
  public mutating func nextBlock() -> (UInt32, UInt32, UInt32, UInt32) {
    let out = Self.block(counter: counter, key: key)
    counter.0 &+= 1
    if counter.0 == 0 {
      counter.1 &+= 1
      if counter.1 == 0 {
        counter.2 &+= 1
        if counter.2 == 0 { counter.3 &+= 1 }
      }
    }
    return out
  }

  /// The next 64 random bits: words 0 and 1 of a block, then words 2 and 3.
  @inlinable
  public mutating func next() -> UInt64 {
    if hasPending {
      hasPending = false
      return pending
    }
    let b = nextBlock()
    pending = UInt64(b.2) | UInt64(b.3) << 32
    hasPending = true
    return UInt64(b.0) | UInt64(b.1) << 32
  }
}
