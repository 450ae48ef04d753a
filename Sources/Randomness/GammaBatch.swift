import CKernels

extension GammaDistribution {
  /// Fills `out` with draws: the same numbers, in the same order, taking the same words from
  /// `batch`, as calling `sample(using:)` once per element.
  ///
  /// Each Marsaglia–Tsang attempt takes two words, a normal's and a uniform's. Four attempts
  /// are tried at once in vector lanes, from the next eight words (the lanes compute exactly
  /// the scalar operations, in the same order). An attempt whose normal is inside its Ziggurat
  /// rectangle, with `v = 1 + c·x > 0` and a non-zero uniform, takes exactly its two words
  /// whatever it decides, so the attempts after it stay in their lanes: it is accepted by the
  /// squeeze `u < 1 − 0.0331·x⁴` (about 88% of attempts for every shape) or decided in place
  /// by the logarithmic test. The first lane that does not take exactly two words (the
  /// Ziggurat's wedge or tail, `v ≤ 0`, a zero uniform) is drawn again by `sample(using:)`
  /// from its first word, with the full method. Shapes below 1, which take a third word for
  /// the boost, are drawn one at a time. Near the end of the batch's words, the batch is
  /// refilled with the words left carried in front (`refillCarrying()`), so groups never
  /// straddle a refill.
  @inlinable
  public func fill(_ out: UnsafeMutableBufferPointer<Double>, using batch: inout PhiloxBatch) {
    guard let base = out.baseAddress else { return }
    let count = out.count
    guard boostExponent == nil else {
      for i in 0..<count { base[i] = sample(using: &batch) }
      return
    }
    let tables = ZigguratNormalTables.shared
    var i = 0
    while i < count {
      if i + 4 <= count {
        if batch.index + 8 > PhiloxBatch.wordsPerRefill { batch.refillCarrying() }
        let group = attempts(batch.words + batch.index, tables: tables)
        if group.squeezed == 0b1111 {
          UnsafeMutableRawPointer(base + i).storeBytes(of: group.values, as: SIMD4<Double>.self)
          batch.index += 8
          i += 4
          continue
        }
        var lane = 0
        while lane < 4 && group.twoWords & (1 << lane) != 0 {
          batch.index += 2
          if group.squeezed & (1 << lane) != 0 || group.passesLogarithmicTest(lane, d: d) {
            base[i] = group.values[lane]
            i += 1
          }
          lane += 1
        }
        if lane == 4 { continue }
      }
      base[i] = sample(using: &batch)
      i += 1
    }
  }

  /// Four attempts from eight words (normal, uniform, normal, uniform…): their values if
  /// accepted, the masks (bit `lane`) of the attempts that take exactly their two words and
  /// of those that the squeeze accepts (a subset), and what the logarithmic test needs.
  @usableFromInline
  struct Attempts {
    @usableFromInline let values: SIMD4<Double>
    @usableFromInline let x2: SIMD4<Double>
    @usableFromInline let v: SIMD4<Double>
    @usableFromInline let u: SIMD4<Double>
    @usableFromInline let twoWords: Int
    @usableFromInline let squeezed: Int

    @inlinable
    init(
      values: SIMD4<Double>, x2: SIMD4<Double>, v: SIMD4<Double>, u: SIMD4<Double>,
      twoWords: Int, squeezed: Int
    ) {
      (self.values, self.x2, self.v, self.u) = (values, x2, v, u)
      (self.twoWords, self.squeezed) = (twoWords, squeezed)
    }

    /// `sample(using:)`'s second test, `log u < x²/2 + d·(1 − v + log v)`, for `lane`.
    @inlinable
    func passesLogarithmicTest(_ lane: Int, d: Double) -> Bool {
      PortableLogarithm.log(u[lane])
        < 0.5 * x2[lane] + d * (1 - v[lane] + PortableLogarithm.log(v[lane]))
    }
  }

  /// The four attempts of eight words on the route that takes two words each.
  @inlinable @inline(__always)
  func attempts(_ words: UnsafePointer<UInt64>, tables: ZigguratNormalTables) -> Attempts {
    // Words 0, 2, 4, 6 are the normals', 1, 3, 5, 7 the uniforms'. The normals' fast route
    // is the Ziggurat's own (`fastCandidates`).
    let raw = UnsafeRawPointer(words)
    let front = raw.loadUnaligned(as: SIMD4<UInt64>.self)
    let back = raw.loadUnaligned(fromByteOffset: 32, as: SIMD4<UInt64>.self)
    let normalWords = SIMD4(front[0], front[2], back[0], back[2])
    let uniformWords = SIMD4(front[1], front[3], back[1], back[3])
    let (x, inside) = tables.fastCandidates(normalWords)
    var v = 1 + c * x
    let positive = v .> 0
    v = v * v * v
    let k = uniformWords &>> 11
    let u = exactDoubles(below53Bits: k) * 0x1p-53
    let x2 = x * x
    let twoWords = inside .& positive .& (k .!= 0)
    let squeezed = twoWords .& (u .< 1 - 0.0331 * x2 * x2)
    return Attempts(
      values: d * v * scale, x2: x2, v: v, u: u, twoWords: laneBits(twoWords),
      squeezed: laneBits(squeezed))
  }
}

/// Bit `lane` set for each true lane of `mask`.
@inlinable @inline(__always)
func laneBits(_ mask: SIMDMask<SIMD4<Int64>>) -> Int {
  (mask[0] ? 1 : 0) | (mask[1] ? 2 : 0) | (mask[2] ? 4 : 0) | (mask[3] ? 8 : 0)
}

extension ChiSquaredDistribution {
  /// Fills `out` with draws, exactly as `sample(using:)` once per element would
  /// (`GammaDistribution.fill(_:using:)`).
  @inlinable
  public func fill(_ out: UnsafeMutableBufferPointer<Double>, using batch: inout PhiloxBatch) {
    gamma.fill(out, using: &batch)
  }
}

extension StudentTDistribution {
  /// Replaces each mixing draw `w` in `draws` by its scale `mixingScale(w)`, four at a time in
  /// vector lanes, or eight by the C kernel `scengine_mixing_scales` where the processor has
  /// AVX-512 (the lanes' square root and division are correctly rounded, as the scalar ones:
  /// the same bits). The divider and square root bound this loop.
  @inlinable
  public func replaceByMixingScales(_ draws: UnsafeMutableBufferPointer<Double>) {
    replaceByMixingScales(draws, level: 2)
  }

  /// `replaceByMixingScales` with the C kernel of `level` (as `scengine_simd_level`) at most:
  /// the tests choose.
  @inlinable
  func replaceByMixingScales(_ draws: UnsafeMutableBufferPointer<Double>, level: Int32) {
    guard let base = draws.baseAddress else { return }
    let count = draws.count
    if scengine_mixing_scales(level, base, count, factor) != 0 { return }
    let raw = UnsafeMutableRawPointer(base)
    let stride = MemoryLayout<Double>.stride
    var i = 0
    while i + 4 <= count {
      let w = raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
      raw.storeBytes(
        of: SIMD4(repeating: factor) / scengine_square_root4(w), toByteOffset: i * stride,
        as: SIMD4<Double>.self)
      i += 4
    }
    while i < count {
      base[i] = mixingScale(base[i])
      i += 1
    }
  }
}

/// `Double(k)` of each lane of `k`, for lanes below 2⁵³: exact, as the scalar conversion.
///
/// AVX2 has no vector conversion of 64-bit integers. The high 21 bits go into the mantissa of
/// 2⁸⁴ (units of 2³²) and the low 32 bits into that of 2⁵², the offsets cancel exactly, and
/// the sum, an integer below 2⁵³, is exact.
@inlinable @inline(__always)
func exactDoubles(below53Bits k: SIMD4<UInt64>) -> SIMD4<Double> {
  let high = unsafeBitCast((k &>> 32) | 0x4530_0000_0000_0000, to: SIMD4<Double>.self)
  let low = unsafeBitCast((k & 0xFFFF_FFFF) | 0x4330_0000_0000_0000, to: SIMD4<Double>.self)
  return (high - (0x1p84 + 0x1p52)) + low
}
