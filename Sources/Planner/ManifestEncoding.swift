import PathFiles

/// The manifest's JSON for many assets. Its correlation matrices (the one in use, repaired
/// stress targets, one per regime in the model's record) hold `n²` numbers each, and
/// `JSONEncoder` takes about a microsecond and a few hundred bytes of memory a number: 63 s
/// and 2.4 GB for 255 regimes of 300 assets. So above 4,096 numbers the matrices are sized
/// (`encodedBytes`) and written (`encodedJSON`) without the encoder, to the same bytes; tests
/// compare both with the encoder's.

extension Manifest {
  /// The manifest with each `n × n` correlation matrix `m` it holds (`n` the number of assets)
  /// replaced by `replace(m)`, called in this order: the one in use, the repaired targets of
  /// correlation stresses, and those of the model's record (one per regime).
  private func replacingMatrices(_ replace: ([[Double]]) -> [[Double]]) -> Manifest {
    let n = correlation.matrix.count
    var m = self
    m.correlation.matrix = replace(correlation.matrix)
    for v in m.variants.indices {
      for r in (m.variants[v].correlationRepairs ?? []).indices {
        if let target = m.variants[v].correlationRepairs?[r].target.matrix {
          m.variants[v].correlationRepairs?[r].target.matrix = replace(target)
        }
      }
    }
    var record: [String: JSONValue] = [:]
    for (key, value) in model {
      record[key] = value.replacingSquareMatrices(n) { .matrix(replace($0)) }
    }
    m.model = record
    return m
  }

  /// The matrices of `replacingMatrices`, in its order.
  private var matrices: [[[Double]]] {
    var out: [[[Double]]] = []
    _ = replacingMatrices {
      out.append($0)
      return []
    }
    return out
  }

  /// The manifest with every matrix of `matrices` replaced by the `k × k` matrix of zeros.
  private func withZeroMatrices(_ k: Int) -> Manifest {
    let zeros = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
    return replacingMatrices { _ in zeros }
  }

  /// `encodeJSON(self)`, to the byte, with matrices of more than 4,096 numbers in all written
  /// directly: the manifest is encoded with each matrix replaced by a 1 × 1 marker whose text
  /// appears nowhere else, and each marker's lines are then replaced by the matrix, one number
  /// a line at the marker's indentation, each number in the encoder's form (`numberLength`).
  public func encodedJSON() throws(PathFilesError) -> [UInt8] {
    var count = 0
    _ = replacingMatrices {
      count += $0.reduce(0) { $0 + $1.count }
      return []
    }
    guard count > 1 << 12 else { return try encodeJSON(self) }
    var matrices: [[[Double]]] = []
    var markers: [[UInt8]] = []
    // Negative numbers below 1e-300 in magnitude: no correlation, price or setting.
    let marked = try encodeJSON(
      replacingMatrices {
        let marker = -Double(bitPattern: 0x0100_0000_0000_0000 + UInt64(matrices.count))
        matrices.append($0)
        markers.append(Array(Self.numberText(marker).utf8))
        return [[marker]]
      })
    // Each marker's block, in the order of the text (keys are sorted there).
    var blocks: [(from: Int, to: Int, indent: Int, matrix: Int)] = []
    for (i, marker) in markers.enumerated() {
      guard let at = Self.firstIndex(of: marker, in: marked, from: 0),
        Self.firstIndex(of: marker, in: marked, from: at + 1) == nil,
        let (from, to, indent) = Self.markerBlock(around: at, length: marker.count, in: marked)
      else { return try encodeJSON(self) }
      blocks.append((from, to, indent, i))
    }
    blocks.sort { $0.from < $1.from }
    var out: [UInt8] = []
    out.reserveCapacity(marked.count + count * 16)
    var start = 0
    for block in blocks {
      out += marked[start..<block.from]
      Self.append(matrices[block.matrix], indent: block.indent, to: &out)
      start = block.to
    }
    out += marked[start...]
    return out
  }

  /// The text of a finite double as `JSONEncoder` writes it.
  static func numberText(_ x: Double) -> String {
    let text = x.description
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }

  /// The first index of `needle` in `haystack` at or after `from`.
  private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
    guard let first = needle.first, needle.count <= haystack.count else { return nil }
    var i = from
    let last = haystack.count - needle.count
    while i <= last {
      if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return i
      }
      i += 1
    }
    return nil
  }

  /// The bytes `from..<to` of the pretty-printed 1 × 1 matrix whose number sits at `at`:
  /// `[`, newline, `indent + 2` spaces, `[`, newline, `indent + 4` spaces, the number,
  /// newline, `indent + 2` spaces, `]`, newline, `indent` spaces, `]`; and `indent`.
  private static func markerBlock(around at: Int, length: Int, in text: [UInt8])
    -> (Int, Int, Int)?
  {
    let space = UInt8(ascii: " ")
    var lineStart = at
    while lineStart > 0 && text[lineStart - 1] == space { lineStart -= 1 }
    let indent = at - lineStart - 4
    guard indent >= 0 else { return nil }
    func spaces(_ k: Int) -> [UInt8] { [UInt8](repeating: space, count: k) }
    let before = Array("[\n".utf8) + spaces(indent + 2) + Array("[\n".utf8) + spaces(indent + 4)
    let after =
      Array("\n".utf8) + spaces(indent + 2) + Array("]\n".utf8) + spaces(indent) + [
        UInt8(ascii: "]")
      ]
    let from = at - before.count
    let to = at + length + after.count
    guard from >= 0, to <= text.count, text[from..<at].elementsEqual(before),
      text[(at + length)..<to].elementsEqual(after)
    else { return nil }
    return (from, to, indent)
  }

  /// Appends `matrix` pretty-printed as `JSONEncoder` does at `indent`: its `[` where the
  /// writer is, each row and number on its own line.
  private static func append(_ matrix: [[Double]], indent: Int, to out: inout [UInt8]) {
    let rowIndent = [UInt8](repeating: UInt8(ascii: " "), count: indent + 2)
    let numberIndent = [UInt8](repeating: UInt8(ascii: " "), count: indent + 4)
    out.append(UInt8(ascii: "["))
    for (r, row) in matrix.enumerated() {
      out += r == 0 ? [UInt8(ascii: "\n")] : [UInt8(ascii: ","), UInt8(ascii: "\n")]
      out += rowIndent
      out.append(UInt8(ascii: "["))
      for (c, x) in row.enumerated() {
        out += c == 0 ? [UInt8(ascii: "\n")] : [UInt8(ascii: ","), UInt8(ascii: "\n")]
        out += numberIndent
        out += numberText(x).utf8
      }
      out.append(UInt8(ascii: "\n"))
      out += rowIndent
      out.append(UInt8(ascii: "]"))
    }
    out.append(UInt8(ascii: "\n"))
    out += [UInt8](repeating: UInt8(ascii: " "), count: indent)
    out.append(UInt8(ascii: "]"))
  }

  /// The byte count of `encodeJSON(self)`, or nil if it cannot be encoded.
  ///
  /// Encoding a matrix of a million numbers takes `JSONEncoder` half a second, so matrices of
  /// more than 4,096 numbers in all are sized instead. Pretty-printed, the manifest with its
  /// `n × n` matrices of zeros takes `c + a n + b n²` bytes (one line per number and per row),
  /// found from three encodings with n = 1, 2 and 3; each number then adds its text's length
  /// less the one of `0`: its shortest round-trip form, the form `JSONEncoder` writes, without
  /// a trailing `.0` (0 and 1, the identity's entries, without formatting them). Tests compare
  /// the size with the encoding's.
  func encodedBytes() -> Int? {
    let matrices = self.matrices
    let n = correlation.matrix.count
    let numbers = matrices.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
    guard numbers > 1 << 12,
      matrices.allSatisfy({ $0.count == n && $0.allSatisfy { $0.count == n } })
    else { return try? encodeJSON(self).count }
    guard let s1 = try? encodeJSON(withZeroMatrices(1)).count,
      let s2 = try? encodeJSON(withZeroMatrices(2)).count,
      let s3 = try? encodeJSON(withZeroMatrices(3)).count
    else { return nil }
    let b = (s3 - 2 * s2 + s1) / 2
    let a = s2 - s1 - 3 * b
    let c = s1 - a - b
    var total = c.addingSaturated(a.multipliedSaturated(by: n))
      .addingSaturated(b.multipliedSaturated(by: n).multipliedSaturated(by: n))
    for matrix in matrices {
      for row in matrix {
        for x in row { total += Self.numberLength(x) - 1 }
      }
    }
    return total
  }

  /// The length of `x` as `JSONEncoder` writes a finite double: its shortest round-trip text
  /// (`description`) without a trailing `.0`.
  static func numberLength(_ x: Double) -> Int {
    if x == 0 { return x.sign == .minus ? 2 : 1 }  // "0" or "-0"
    if x == 1 { return 1 }
    return numberText(x).utf8.count
  }
}

extension JSONValue {
  /// The rows of this value if it is an `n × n` matrix of finite numbers.
  private func squareMatrix(_ n: Int) -> [[Double]]? {
    guard case .array(let rows) = self, rows.count == n else { return nil }
    var out: [[Double]] = []
    out.reserveCapacity(n)
    for row in rows {
      guard case .array(let entries) = row, entries.count == n else { return nil }
      var values: [Double] = []
      values.reserveCapacity(n)
      for entry in entries {
        guard case .number(let x) = entry, x.isFinite else { return nil }
        values.append(x)
      }
      out.append(values)
    }
    return out
  }

  /// This value with each `n × n` matrix of finite numbers `m` in it, at any depth, replaced
  /// by `replace(m)`.
  func replacingSquareMatrices(_ n: Int, by replace: ([[Double]]) -> JSONValue) -> JSONValue {
    if let m = squareMatrix(n) { return replace(m) }
    switch self {
    case .array(let items): return .array(items.map { $0.replacingSquareMatrices(n, by: replace) })
    case .object(let fields):
      return .object(fields.mapValues { $0.replacingSquareMatrices(n, by: replace) })
    default: return self
    }
  }

  /// The `n × n` matrices of finite numbers in this value, at any depth.
  func squareMatrices(_ n: Int) -> [[[Double]]] {
    var out: [[[Double]]] = []
    _ = replacingSquareMatrices(n) {
      out.append($0)
      return .null
    }
    return out
  }

  /// A matrix as rows of numbers.
  static func matrix(_ rows: [[Double]]) -> JSONValue { .array(rows.map { .numbers($0) }) }
}
