/// Tables of the 256-layer Ziggurat for the standard normal distribution.
///
/// Method: Marsaglia and Tsang, "The Ziggurat Method for Generating Random Variables",
/// Journal of Statistical Software 5(8), 2000, with the improvement of Doornik (2005),
/// "An Improved Ziggurat Method to Generate Normal Random Samples", which draws the layer
/// index and the abscissa from independent bits of one 64-bit word.
///
/// Layer boundaries `x[0] > x[1] = r > x[2] > … > x[255] > x[256] = 0` satisfy
/// `x[i+1] = f⁻¹(f(x[i]) + v / x[i])` for `f(x) = exp(-x²/2)`, where
/// `r = 3.6541528853610088` and `v = 0.00492867323399` is the common layer area; the base
/// layer has the pseudo-width `x[0] = v / f(r)` that accounts for the tail beyond `r`.
///
/// The boundaries and densities are stored as numbers (`ZigguratNormalTables+Values.swift`),
/// not computed at start-up with the C library's `exp` and `log`, so that they are the same
/// on every machine; the tables derived from them live for the life of the process.
@usableFromInline
final class ZigguratNormalTables: Sendable {
  /// The tail start of the 256-layer normal Ziggurat.
  @usableFromInline static let tailStart = 3.6541528853610088
  /// The common area of each layer, for `f(x) = exp(-x²/2)`.
  static let layerArea = 0.00492867323399

  /// `x[i] · 2⁻⁵²`: scales a 52-bit integer to an abscissa in layer `i`.
  @usableFromInline nonisolated(unsafe) let width: UnsafeMutablePointer<Double>
  /// `x[i+1] / x[i] · 2⁵²`: integers below this are inside the curve at once.
  @usableFromInline nonisolated(unsafe) let accept: UnsafeMutablePointer<UInt64>
  /// `width` and `accept` indexed by the low 9 bits of a word, the layer and the sign:
  /// entry `i + 256` is layer `i`'s negative width and its `accept`, so that a candidate is
  /// one product, signed as the sign bit says (`fastCandidate`'s result: IEEE products are
  /// symmetric in sign, and `0 × −w` is the `−0` the sign bit gives `0`).
  @usableFromInline nonisolated(unsafe) let signedWidth: UnsafeMutablePointer<Double>
  @usableFromInline nonisolated(unsafe) let signedAccept: UnsafeMutablePointer<UInt64>
  /// `f(x[i])` for `i` in 0…256 (with `f(x[0])` unused).
  @usableFromInline nonisolated(unsafe) let density: UnsafeMutablePointer<Double>

  /// `x[i]` for `i` in 0…256.
  @usableFromInline nonisolated(unsafe) let abscissa: UnsafeMutablePointer<Double>
  /// Per layer `i` in 1…255, the slope of the chord of `f` over its wedge `[x[i+1], x[i]]`,
  /// `(f(x[i+1]) − f(x[i])) / (x[i] − x[i+1])`.
  @usableFromInline nonisolated(unsafe) let chordSlope: UnsafeMutablePointer<Double>
  /// Per layer: +1 where `f` is convex over the wedge (`x[i+1] ≥ 1`), −1 where it is concave
  /// (`x[i] ≤ 1`), 0 for the layer whose wedge holds the inflection point `x = 1`.
  @usableFromInline nonisolated(unsafe) let curvature: UnsafeMutablePointer<Int8>

  /// The relative margin by which a squeeze bound must clear `y` (see `wedgeSqueeze`): far
  /// above the rounding of the bounds (about 10⁻¹⁴ relative) and of `PortableMath.exp` (1 ulp).
  @usableFromInline static let squeezeMargin = 1e-12

  @usableFromInline static let shared = ZigguratNormalTables()

  /// The wedge test `y < f(x)` of layer `i`, decided without the exponential when a linear
  /// bound of `f` settles it: `true` (inside) or `false` (outside), the answer
  /// `y < PortableMath.exp(-0.5 * x * x)` would give; `nil` when the bounds leave it open.
  ///
  /// With `f'(x) = −x f(x)` and `f''(x) = (x² − 1) f(x)`: where `f` is convex the tangents at
  /// the wedge's ends lie below `f` and the chord above it; where it is concave, the reverse.
  /// A bound decides only when `y` clears it by `squeezeMargin` (relative), so the bounds'
  /// rounding cannot change an answer: the draws stay those of the exact test, on every
  /// machine, and most wedge tests (which about 1.2% of draws reach) skip the exponential.
  @inlinable @inline(__always)
  func wedgeSqueeze(layer i: Int, x: Double, y: Double) -> Bool? {
    let kind = curvature[i]
    if kind == 0 { return nil }
    let (a, b) = (abscissa[i + 1], abscissa[i])
    let (fa, fb) = (density[i + 1], density[i])
    let chord = fb + chordSlope[i] * (b - x)
    let tangentA = fa * (1 - a * (x - a))
    let tangentB = fb * (1 + b * (b - x))
    let below = kind > 0 ? max(tangentA, tangentB) : chord
    let above = kind > 0 ? chord : min(tangentA, tangentB)
    if y < below * (1 - Self.squeezeMargin) { return true }
    if y >= above * (1 + Self.squeezeMargin) { return false }
    return nil
  }

  /// The draw that one word gives when it falls inside its layer's rectangle, and whether it
  /// does (about 98.8% of words); when it does not, the value is meaningless and the draw
  /// takes the wedge or tail test of `nextStandardNormal`.
  @inlinable @inline(__always)
  func fastCandidate(_ bits: UInt64) -> (Double, Bool) {
    // Bits 0–7: the layer; bit 8: the sign, moved to bit 63 and xor-ed into the result;
    // bits 12–63: the magnitude, below 2⁵², so the signed conversion (one instruction) is exact.
    let layer = Int(truncatingIfNeeded: bits & 0xFF)
    let sign = (bits & 0x100) &<< 55
    let magnitude = bits &>> 12
    let x = Double(Int64(bitPattern: magnitude)) * width[layer]
    return (Double(bitPattern: x.bitPattern ^ sign), magnitude < accept[layer])
  }

  /// `fastCandidate` of four words at once, in vector lanes: the same draws and the same
  /// answers, lane by lane.
  ///
  /// The magnitude (below 2⁵²) becomes a double by setting the exponent of 2⁵² above its bits
  /// and subtracting 2⁵², which is exact, so it equals the signed conversion (AVX2 has no
  /// vector conversion of 64-bit integers: it would be four scalar ones). Both sides of the
  /// accept test are below 2⁶³, so the signed vector compare decides it.
  ///
  /// The Student-t mixing's gamma lanes use this; the normal fill's group of four measured no
  /// faster with it than with four scalar `fastCandidate`s.
  @inlinable @inline(__always)
  func fastCandidates(_ bits: SIMD4<UInt64>) -> (SIMD4<Double>, SIMDMask<SIMD4<Int64>>) {
    let layer = bits & 0xFF
    let l0 = Int(truncatingIfNeeded: layer[0])
    let l1 = Int(truncatingIfNeeded: layer[1])
    let l2 = Int(truncatingIfNeeded: layer[2])
    let l3 = Int(truncatingIfNeeded: layer[3])
    let widths = SIMD4(width[l0], width[l1], width[l2], width[l3])
    let accepts = SIMD4(accept[l0], accept[l1], accept[l2], accept[l3])
    let sign = (bits & 0x100) &<< 55
    let magnitude = bits &>> 12
    let exponent52: UInt64 = 0x4330_0000_0000_0000
    let whole = unsafeBitCast(magnitude | exponent52, to: SIMD4<Double>.self) - 0x1p52
    let x = whole * widths
    let signedBits = unsafeBitCast(x, to: SIMD4<UInt64>.self) ^ sign
    let signed = unsafeBitCast(signedBits, to: SIMD4<Double>.self)
    let inside =
      SIMD4<Int64>(truncatingIfNeeded: magnitude) .< SIMD4<Int64>(truncatingIfNeeded: accepts)
    return (signed, inside)
  }

  private init() {
    width = .allocate(capacity: 256)
    accept = .allocate(capacity: 256)
    density = .allocate(capacity: 257)
    abscissa = .allocate(capacity: 257)
    chordSlope = .allocate(capacity: 256)
    curvature = .allocate(capacity: 256)
    let x = Self.abscissae
    for i in 0..<256 {
      width[i] = x[i] * 0x1p-52
      accept[i] = UInt64(x[i + 1] / x[i] * 0x1p52)
    }
    signedWidth = .allocate(capacity: 512)
    signedAccept = .allocate(capacity: 512)
    for i in 0..<256 {
      (signedWidth[i], signedWidth[i + 256]) = (width[i], -width[i])
      (signedAccept[i], signedAccept[i + 256]) = (accept[i], accept[i])
    }
    for i in 0...256 {
      density[i] = Self.densities[i]
      abscissa[i] = x[i]
    }
    // Layer 0 has no wedge (its overflow is the tail).
    chordSlope[0] = 0
    curvature[0] = 0
    for i in 1..<256 {
      chordSlope[i] = (density[i + 1] - density[i]) / (x[i] - x[i + 1])
      curvature[i] = x[i + 1] >= 1 ? 1 : x[i] <= 1 ? -1 : 0
    }
  }
}

extension RandomNumberGenerator {
  /// A standard normal draw, by the 256-layer Ziggurat (Marsaglia and Tsang 2000; Doornik 2005).
  ///
  /// One 64-bit word gives the layer (8 bits), the sign (1 bit) and a 52-bit abscissa; about
  /// 98.8% of draws return after that one word, the rest take a wedge or tail test with more
  /// words. The method is exact: its only approximation is the 52-bit resolution.
  @inlinable
  public mutating func nextStandardNormal() -> Double {
    nextStandardNormal(tables: ZigguratNormalTables.shared)
  }

  @inlinable @inline(__always)
  mutating func nextStandardNormal(tables: ZigguratNormalTables) -> Double {
    while true {
      let bits = next()
      let (candidate, inside) = tables.fastCandidate(bits)
      if inside { return candidate }
      let layer = Int(truncatingIfNeeded: bits & 0xFF)
      let x = abs(candidate)
      if let y = normalSlowPath(layer: layer, x: x, tables: tables) {
        return (bits & 0x100) == 0 ? y : -y
      }
    }
  }

  /// Inlinable, so that the caller's module specializes it for its generator (a batch's
  /// `next()` then is a load, not a call through the protocol's witness table); never inlined,
  /// so that the fast path around it stays small.
  @inlinable @inline(never)
  mutating func normalSlowPath(layer: Int, x: Double, tables: ZigguratNormalTables) -> Double? {
    if layer == 0 {
      // Tail beyond r: Marsaglia (1964).
      let r = ZigguratNormalTables.tailStart
      while true {
        // The same bits on every CPU: not the C library's `log`, chosen at run time by CPU.
        let tx = -PortableLogarithm.log(nextOpenUnit()) / r
        let ty = -PortableLogarithm.log(nextOpenUnit())
        if ty + ty > tx * tx { return r + tx }
      }
    }
    // Wedge between f(x[layer]) and f(x[layer + 1]).
    let lower = tables.density[layer]
    let upper = tables.density[layer + 1]
    let y = lower + nextOpenUnit() * (upper - lower)
    if let inside = tables.wedgeSqueeze(layer: layer, x: x, y: y) { return inside ? x : nil }
    return y < PortableMath.exp(-0.5 * x * x) ? x : nil
  }

  /// Fills `buffer` with standard normal draws.
  @inlinable
  public mutating func fillStandardNormal(_ buffer: UnsafeMutableBufferPointer<Double>) {
    let tables = ZigguratNormalTables.shared
    for i in buffer.indices { buffer[i] = nextStandardNormal(tables: tables) }
  }
}
