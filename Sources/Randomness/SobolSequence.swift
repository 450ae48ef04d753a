/// How the digits of a Sobol' point are randomized.
///
/// Both randomizations keep every `(t, m, s)`-net property of the sequence (each coordinate's
/// first `2^m` points still fall one in each interval `[k/2^m, (k+1)/2^m)`) and make every
/// point uniform on the unit cube, so that averages over independent seeds give unbiased
/// estimates with a standard error.
public enum SobolScrambling: String, Sendable, CaseIterable {
  /// The plain sequence (its first point is the origin).
  case none
  /// Nested uniform (Owen) scrambling of the 32 digits, by a hash (see `SobolSequence`).
  case owen
  /// A random digital shift: the digits XOR a random 32-bit word per dimension.
  case shift
}

/// Sobol' low-discrepancy sequence in base 2 with Joe–Kuo direction numbers
/// (S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional
/// projections", SIAM J. Sci. Comput. 30 (2008) 2635–2654; file new-joe-kuo-6.21201).
///
/// Coordinate `d` of point `i` has the 32 binary digits
///
///     x_i,d = ⊕ over the set bits k of i of v_(k+1),d
///
/// (`v_k,d` the direction integers of `SobolDirectionNumbers`): the natural order, not
/// Antonov and Saleev's Gray-code order. Point `i` is therefore a pure function of (seed, `i`),
/// whatever thread, block or shard computes it; the first `2^m` points are the same set in
/// either order (SciPy's `Sobol(d, scramble=False)` returns natural point `j ⊕ (j >> 1)` as its
/// `j`-th).
///
/// Randomization, per dimension `d` (0-based) with the words
/// `(w0, w1, w2, w3) = Philox4x32-10(counter: (d, 0, 0, 0x536F_626F), key: seed)`:
/// - `owen`: `x ↦ reverse(LK(reverse(x), w0))` where `reverse` reverses the 32 bits and `LK` is
///   N. Vegdahl's improved Laine–Karras hash ("Building a better LK hash", 2021):
///   `x ^= x·0x3d20adea; x += s; x ·= (s >> 16) | 1; x ^= x·0x05526c56; x ^= x·0x53a22864`
///   (mod 2³²). Each step changes bit `k` of `x` only by a function of bits below `k`, so
///   after reversal digit `k` of the point is flipped by a function of the digits before it:
///   a nested (Owen) scrambling, as in B. Burley, "Practical hash-based Owen scrambling",
///   JCGT 9(4) (2020) 1–20.
/// - `shift`: `x ↦ x ⊕ w1`.
///
/// Uniforms are `(x + 0.5) / 2^32`: the centre of the point's cell of width 2⁻³², never 0
/// or 1, and exactly symmetric under `x ↦ 2^32 − 1 − x`.
public struct SobolSequence: Sendable {
  /// The number of dimensions of the direction-number table (new-joe-kuo-6.21201).
  public static let maximumDimensions = SobolDirectionNumbers.count
  /// The number of points with distinct 32-bit digits: point indices are `0..<maximumPoints`.
  public static let maximumPoints = 1 << 32
  /// The fourth counter word of the Philox blocks that give the per-dimension scrambling
  /// words (ASCII "Sobo").
  public static let scramblingCounterTag: UInt32 = 0x536F_626F

  /// The number of coordinates of each point.
  public let dimensions: Int
  /// The randomization of the digits.
  public let scrambling: SobolScrambling
  /// The 64-bit seed of the randomization (unused by `.none`).
  public let seed: UInt64

  /// Direction integers, bit-major: `directions[k * dimensions + d]` is `v_(k+1),d`.
  @usableFromInline let directions: [UInt32]
  /// Per-dimension scrambling words: the Owen hash seed or the digital shift (empty for
  /// `.none`).
  @usableFromInline let scramblingWords: [UInt32]

  /// Coordinates computed per pass of `fillUniforms` and `fillStandardNormals` (a stack buffer
  /// of this many digits).
  @usableFromInline static let chunk = 256

  /// A sequence of `dimensions` coordinates.
  ///
  /// - Throws: `RandomnessError.sobolDimensions` unless `1 <= dimensions <= 21201`.
  /// - Complexity: O(32 · dimensions) after the one-time parse of the table (about 1.7 MB of
  ///   text).
  public init(dimensions: Int, scrambling: SobolScrambling, seed: UInt64) throws(RandomnessError) {
    guard dimensions >= 1 && dimensions <= Self.maximumDimensions else {
      throw .sobolDimensions(requested: dimensions, maximum: Self.maximumDimensions)
    }
    self.dimensions = dimensions
    self.scrambling = scrambling
    self.seed = seed
    let table = SobolDirectionNumbers.table
    var directions = [UInt32](repeating: 0, count: 32 * dimensions)
    for d in 0..<dimensions {
      let v = table.directionIntegers(dimension: d + 1)
      for k in 0..<32 { directions[k * dimensions + d] = v[k] }
    }
    self.directions = directions
    self.scramblingWords = Self.makeScramblingWords(
      scrambling: scrambling, seed: seed, dimensions: dimensions)
  }

  /// The per-dimension words of the randomization: word 0 (Owen) or word 1 (shift) of the
  /// Philox4x32-10 block of counter `(d, 0, 0, 0x536F_626F)` under `seed`.
  static func makeScramblingWords(scrambling: SobolScrambling, seed: UInt64, dimensions: Int)
    -> [UInt32]
  {
    if scrambling == .none { return [] }
    let key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    return (0..<dimensions).map { d in
      let block = Philox4x32.block(
        counter: (UInt32(d), 0, 0, scramblingCounterTag), key: key)
      return scrambling == .owen ? block.0 : block.1
    }
  }

  /// The 32 binary digits of coordinates 0..<dimensions of point `index`, after scrambling.
  /// Point `index` in NATURAL order: x_index = XOR over set bits j of index of v_j (not Gray
  /// code), so point i is a pure function of (seed, i): path i = point i whatever
  /// thread/block/shard.
  ///
  /// - Precondition: `0 <= index < SobolSequence.maximumPoints`; `out` holds `dimensions`
  ///   words.
  /// - Complexity: O(popcount(index) · dimensions), in vectorizable passes.
  @inlinable
  public func fillIntegers(point index: Int, into out: UnsafeMutablePointer<UInt32>) {
    precondition(index >= 0 && index < Self.maximumPoints, "Sobol point index out of range")
    digits(point: UInt32(truncatingIfNeeded: index), from: 0, count: dimensions, into: out)
  }

  /// (digits + 0.5) / 2^32: never 0 or 1.
  ///
  /// - Precondition: `0 <= index < SobolSequence.maximumPoints`; `out` holds `dimensions`
  ///   values.
  @inlinable
  public func fillUniforms(point index: Int, into out: UnsafeMutablePointer<Double>) {
    fill(point: index, into: out) { Self.uniform($0) }
  }

  /// Φ⁻¹ of the uniforms (InverseNormal.quantile).
  ///
  /// - Precondition: `0 <= index < SobolSequence.maximumPoints`; `out` holds `dimensions`
  ///   values.
  @inlinable
  public func fillStandardNormals(point index: Int, into out: UnsafeMutablePointer<Double>) {
    fill(point: index, into: out) { InverseNormal.quantile(Self.uniform($0)) }
  }

  /// `value(digits)` of each coordinate of point `index`, the digits computed `chunk`
  /// coordinates at a time into a stack buffer.
  @inlinable
  func fill(
    point index: Int, into out: UnsafeMutablePointer<Double>, _ value: (UInt32) -> Double
  ) {
    precondition(index >= 0 && index < Self.maximumPoints, "Sobol point index out of range")
    let point = UInt32(truncatingIfNeeded: index)
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.chunk) { buffer in
      let scratch = buffer.baseAddress!
      var start = 0
      while start < dimensions {
        let n = min(Self.chunk, dimensions - start)
        digits(point: point, from: start, count: n, into: scratch)
        for k in 0..<n { out[start + k] = value(scratch[k]) }
        start += n
      }
    }
  }

  /// The digits of point `index` as an array (`fillIntegers`).
  public func integers(point index: Int) -> [UInt32] {
    [UInt32](unsafeUninitializedCapacity: dimensions) { buffer, count in
      fillIntegers(point: index, into: buffer.baseAddress!)
      count = dimensions
    }
  }

  /// The uniforms of point `index` as an array (`fillUniforms`).
  public func uniforms(point index: Int) -> [Double] {
    [Double](unsafeUninitializedCapacity: dimensions) { buffer, count in
      fillUniforms(point: index, into: buffer.baseAddress!)
      count = dimensions
    }
  }

  /// `(x + 0.5) · 2⁻³²`, exact in a double.
  @inlinable @inline(__always)
  static func uniform(_ x: UInt32) -> Double {
    (Double(x) + 0.5) * 0x1p-32
  }

  /// The scrambled digits of coordinates `start..<start + count` of point `index`.
  @inlinable
  func digits(
    point index: UInt32, from start: Int, count: Int, into out: UnsafeMutablePointer<UInt32>
  ) {
    out.update(repeating: 0, count: count)
    directions.withUnsafeBufferPointer { v in
      var bits = index
      while bits != 0 {
        let row = v.baseAddress! + bits.trailingZeroBitCount * dimensions + start
        for d in 0..<count { out[d] ^= row[d] }
        bits &= bits &- 1
      }
    }
    switch scrambling {
    case .none:
      break
    case .shift:
      scramblingWords.withUnsafeBufferPointer { words in
        let w = words.baseAddress! + start
        for d in 0..<count { out[d] ^= w[d] }
      }
    case .owen:
      scramblingWords.withUnsafeBufferPointer { words in
        let w = words.baseAddress! + start
        for d in 0..<count { out[d] = Self.owenScrambled(out[d], seed: w[d]) }
      }
    }
  }

  /// Nested uniform scrambling of the 32 digits of `x` (Burley 2020, Vegdahl's hash).
  @inlinable @inline(__always)
  static func owenScrambled(_ x: UInt32, seed: UInt32) -> UInt32 {
    var y = reversed(x)
    y ^= y &* 0x3D20_ADEA
    y &+= seed
    y &*= (seed >> 16) | 1
    y ^= y &* 0x0552_6C56
    y ^= y &* 0x53A2_2864
    return reversed(y)
  }

  /// The 32 bits of `x` in reverse order.
  @inlinable @inline(__always)
  static func reversed(_ x: UInt32) -> UInt32 {
    var y = x
    y = ((y & 0xAAAA_AAAA) >> 1) | ((y & 0x5555_5555) << 1)
    y = ((y & 0xCCCC_CCCC) >> 2) | ((y & 0x3333_3333) << 2)
    y = ((y & 0xF0F0_F0F0) >> 4) | ((y & 0x0F0F_0F0F) << 4)
    y = ((y & 0xFF00_FF00) >> 8) | ((y & 0x00FF_00FF) << 8)
    return (y >> 16) | (y << 16)
  }
}
