/// The random numbers of one simulated path: a Philox4x32-10 stream addressed by
/// (seed, path index, substream).
///
/// The 128-bit Philox counter is laid out as
///
///     word 0, word 1   the block index within the stream (64 bits)
///     word 2           the path index (32 bits)
///     word 3           the substream (32 bits)
///
/// and the key is the 64-bit seed. Two streams with a different path or substream therefore
/// never share a counter and never overlap, whatever the number of draws; and the numbers of
/// path `i` are a pure function of (seed, `i`, substream, draw position), independent of which
/// thread or block produces them. A stream holds 2^64 blocks of 128 bits.
///
/// Substreams separate uses whose consumption differs from model to model, so that, for
/// example, the jump draws of a path never shift its diffusion shocks.
@frozen
public struct PathStream: RandomNumberGenerator, Sendable {
  /// Named substreams used by scengine. Values are part of the file-format contract: changing
  /// one changes every path.
  @frozen
  public enum Substream: UInt32, Sendable, CaseIterable {
    /// Standard normal shocks of the diffusion.
    case diffusion = 0
    /// Chi-square mixing draws of multivariate Student-t shocks.
    case mixing = 1
    /// Jump counts and sizes.
    case jumps = 2
    /// Regime transitions.
    case regimes = 3
    /// GARCH innovations' own Student-t mixing draws.
    case innovations = 4
  }

  /// The largest path index a stream can address.
  public static let maximumPathIndex = Int(UInt32.max)

  @usableFromInline let key: (UInt32, UInt32)
  @usableFromInline let path: UInt32
  @usableFromInline let substream: UInt32
  @usableFromInline var blockIndex: UInt64
  @usableFromInline var pending: UInt64 = 0
  @usableFromInline var hasPending = false

  /// Creates the stream of `path` under `seed`.
  ///
  /// - Precondition: `0 <= path <= PathStream.maximumPathIndex`.
  @inlinable
  public init(seed: UInt64, path: Int, substream: UInt32 = 0, startBlock: UInt64 = 0) {
    precondition(path >= 0 && path <= Self.maximumPathIndex, "path index out of range")
    self.key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    self.path = UInt32(path)
    self.substream = substream
    self.blockIndex = startBlock
  }

  /// Creates the stream of `path` under `seed` for a named substream.
  @inlinable
  public init(seed: UInt64, path: Int, substream: Substream) {
    self.init(seed: seed, path: path, substream: substream.rawValue)
  }

  /// The Philox counter of block `index` of this stream.
  @inlinable
  public func counter(ofBlock index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
    (
      UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), path,
      substream
    )
  }

  /// The next block of four 32-bit words.
  @inlinable
  public mutating func nextBlock() -> (UInt32, UInt32, UInt32, UInt32) {
    let out = Philox4x32.block(counter: counter(ofBlock: blockIndex), key: key)
    blockIndex &+= 1
    return out
  }

  /// The next 64 random bits (words 0 and 1 of a block, then words 2 and 3).
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
