extension GammaDistribution {
  /// Fills `out` with draws: the same numbers, in the same order, taking the same words from
  /// `batch`, as calling `sample(using:)` once per element.
  ///
  /// Each Marsaglia–Tsang attempt takes two words, a normal's and a uniform's. Four attempts
  /// are tried at once in vector lanes, from the next eight words, on the route most attempts
  /// take: the normal inside its Ziggurat rectangle, `v = 1 + c·x > 0`, a non-zero uniform and
  /// acceptance by the squeeze `u < 1 − 0.0331·x⁴` (about 88% of attempts for every shape;
  /// the lanes compute exactly the scalar operations, in the same order). The leading lanes
  /// that take that route are the next draws; the first lane that does not is drawn again by
  /// `sample(using:)` from its first word, with the full method (wedge, tail, rejection, the
  /// logarithmic test). Shapes below 1, which take a third word for the boost, are drawn one
  /// at a time.
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
      if i + 4 <= count && batch.index + 8 <= PhiloxBatch.wordsPerRefill {
        let (values, leading) = fastAttempts(batch.words + batch.index, tables: tables)
        if leading == 4 {
          UnsafeMutableRawPointer(base + i).storeBytes(of: values, as: SIMD4<Double>.self)
          batch.index += 8
          i += 4
          continue
        }
        for lane in 0..<leading { base[i + lane] = values[lane] }
        batch.index += 2 * leading
        i += leading
      }
      base[i] = sample(using: &batch)
      i += 1
    }
  }

  /// The draws of four attempts from eight words (normal, uniform, normal, uniform…) on the
  /// fast route, and how many leading attempts took it.
  @inlinable @inline(__always)
  func fastAttempts(_ words: UnsafePointer<UInt64>, tables: ZigguratNormalTables)
    -> (SIMD4<Double>, Int)
  {
    // The normals' fast route is the Ziggurat's own (`fastCandidate`), word by word.
    let n0 = tables.fastCandidate(words[0])
    let n1 = tables.fastCandidate(words[2])
    let n2 = tables.fastCandidate(words[4])
    let n3 = tables.fastCandidate(words[6])
    let x = SIMD4(n0.0, n1.0, n2.0, n3.0)
    let inside =
      SIMD4<Int64>(n0.1 ? 1 : 0, n1.1 ? 1 : 0, n2.1 ? 1 : 0, n3.1 ? 1 : 0) .!= 0
    let uniformWords = SIMD4(words[1], words[3], words[5], words[7])
    var v = 1 + c * x
    let positive = v .> 0
    v = v * v * v
    let k = uniformWords &>> 11
    let u = SIMD4<Double>(SIMD4<Int64>(truncatingIfNeeded: k)) * 0x1p-53
    let x2 = x * x
    let squeezed = u .< 1 - 0.0331 * x2 * x2
    let fast = inside .& positive .& (k .!= 0) .& squeezed
    var leading = 0
    while leading < 4 && fast[leading] { leading += 1 }
    return (d * v * scale, leading)
  }
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
  /// vector lanes (the lanes' square root and division are correctly rounded, as the scalar
  /// ones: the same bits).
  @inlinable
  public func replaceByMixingScales(_ draws: UnsafeMutableBufferPointer<Double>) {
    guard let base = draws.baseAddress else { return }
    let count = draws.count
    let raw = UnsafeMutableRawPointer(base)
    let stride = MemoryLayout<Double>.stride
    var i = 0
    while i + 4 <= count {
      let w = raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
      raw.storeBytes(
        of: SIMD4(repeating: factor) / w.squareRoot(), toByteOffset: i * stride,
        as: SIMD4<Double>.self)
      i += 4
    }
    while i < count {
      base[i] = mixingScale(base[i])
      i += 1
    }
  }
}
