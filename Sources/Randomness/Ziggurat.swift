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
  /// `f(x[i])` for `i` in 0…256 (with `f(x[0])` unused).
  @usableFromInline nonisolated(unsafe) let density: UnsafeMutablePointer<Double>

  @usableFromInline static let shared = ZigguratNormalTables()

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

  private init() {
    width = .allocate(capacity: 256)
    accept = .allocate(capacity: 256)
    density = .allocate(capacity: 257)
    let x = Self.abscissae
    for i in 0..<256 {
      width[i] = x[i] * 0x1p-52
      accept[i] = UInt64(x[i + 1] / x[i] * 0x1p52)
    }
    for i in 0...256 { density[i] = Self.densities[i] }
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

  @usableFromInline @inline(never)
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
    return y < PortableMath.exp(-0.5 * x * x) ? x : nil
  }

  /// Fills `buffer` with standard normal draws.
  @inlinable
  public mutating func fillStandardNormal(_ buffer: UnsafeMutableBufferPointer<Double>) {
    let tables = ZigguratNormalTables.shared
    for i in buffer.indices { buffer[i] = nextStandardNormal(tables: tables) }
  }
}
