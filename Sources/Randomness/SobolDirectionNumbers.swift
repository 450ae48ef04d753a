/// The Joe–Kuo direction numbers of the Sobol' sequence (file new-joe-kuo-6.21201), parsed once
/// from the text of `joeKuoLines` on first use.
///
/// Dimension `d ≥ 2` has a primitive polynomial over GF(2) of degree `s`,
///
///     x^s + a_1 x^(s−1) + … + a_(s−1) x + 1,
///
/// and odd initial numbers `m_1 … m_s` with `m_k < 2^k`; the table's `a` holds the bits
/// `a_1 … a_(s−1)`, `a_1` most significant. The remaining numbers follow Bratley and Fox's
/// recurrence (ACM TOMS 14 (1988) 88–100, eq. (2)):
///
///     m_k = 2 a_1 m_(k−1) ⊕ 4 a_2 m_(k−2) ⊕ … ⊕ 2^(s−1) a_(s−1) m_(k−s+1) ⊕ 2^s m_(k−s) ⊕ m_(k−s),
///
/// and the direction integer of bit `k` (`k = 1 … 32`) is `v_k = m_k · 2^(32−k)`. Dimension 1
/// has `m_k = 1` for every `k` (van der Corput), as in Joe and Kuo's own generator and in SciPy.
struct SobolDirectionNumbers: Sendable {
  /// The number of dimensions in the table.
  static let count = 21_201

  /// The polynomial degrees `s` of dimensions 1…21201 (0 for dimension 1).
  let degrees: [UInt8]
  /// The inner coefficient bits `a` of each dimension.
  let coefficients: [UInt32]
  /// Where each dimension's `m_1 … m_s` start in `initialNumbers`; one more entry at the end.
  let offsets: [Int32]
  /// The initial direction numbers of every dimension, one after another.
  let initialNumbers: [UInt32]

  /// The parsed table.
  static let table = SobolDirectionNumbers(parsing: joeKuoLines)

  /// Parses lines `d s a m_1 … m_s` (d = 2, 3, … in order); a malformed table is a
  /// programming error.
  init(parsing text: String) {
    var degrees: [UInt8] = [0]
    var coefficients: [UInt32] = [0]
    var offsets: [Int32] = [0, 0]
    var initialNumbers: [UInt32] = []
    degrees.reserveCapacity(Self.count)
    coefficients.reserveCapacity(Self.count)
    offsets.reserveCapacity(Self.count + 1)
    initialNumbers.reserveCapacity(Self.count * 14)
    var line: [UInt32] = []
    var text = text
    text.withUTF8 { bytes in
      var value: UInt32 = 0
      var inNumber = false
      func endLine() {
        guard !line.isEmpty else { return }
        let dimension = degrees.count + 1
        precondition(
          line.count >= 3 && Int(line[0]) == dimension && Int(line[1]) == line.count - 3,
          "Sobol table: malformed line for dimension \(dimension)")
        degrees.append(UInt8(line[1]))
        coefficients.append(line[2])
        initialNumbers.append(contentsOf: line[3...])
        offsets.append(Int32(initialNumbers.count))
        line.removeAll(keepingCapacity: true)
      }
      for byte in bytes {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
          value = value * 10 + UInt32(byte - UInt8(ascii: "0"))
          inNumber = true
        case UInt8(ascii: " "), UInt8(ascii: "\n"):
          if inNumber { line.append(value) }
          value = 0
          inNumber = false
          if byte == UInt8(ascii: "\n") { endLine() }
        default:
          preconditionFailure("Sobol table: unexpected byte \(byte)")
        }
      }
      if inNumber { line.append(value) }
      endLine()
    }
    precondition(degrees.count == Self.count, "Sobol table: \(degrees.count) dimensions")
    self.degrees = degrees
    self.coefficients = coefficients
    self.offsets = offsets
    self.initialNumbers = initialNumbers
  }

  /// The 32 direction integers `v_1 … v_32` of `dimension` (1-based), `v_k = m_k · 2^(32−k)`:
  /// bit `k − 1` of a point's index toggles `v_k`.
  func directionIntegers(dimension: Int) -> [UInt32] {
    precondition(dimension >= 1 && dimension <= Self.count, "Sobol dimension out of range")
    var v = [UInt32](repeating: 0, count: 32)
    let s = Int(degrees[dimension - 1])
    if s == 0 {
      for k in 0..<32 { v[k] = 1 << (31 - k) }
      return v
    }
    let a = coefficients[dimension - 1]
    let start = Int(offsets[dimension - 1])
    // v[k] holds v_(k+1); the first s come from the table.
    for k in 0..<min(s, 32) { v[k] = initialNumbers[start + k] << (31 - k) }
    if s < 32 {
      for k in s..<32 {
        // m_k ⊕ 2^s m_(k−s) in shifted form: v_(k−s) ⊕ (v_(k−s) >> s).
        var x = v[k - s] ^ (v[k - s] >> s)
        for i in 1..<s where (a >> (s - 1 - i)) & 1 == 1 { x ^= v[k - i] }
        v[k] = x
      }
    }
    return v
  }
}
