/// A scenario file that cannot be used: which file, which field, the value and what was
/// expected, in one line.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The scenario file (or a file it refers to).
  public let file: String
  /// The field path, e.g. `variants.adverse.stresses[1].multiplier`; empty for the file.
  public let field: String
  /// The line in `file`, 1-based, when known.
  public let line: Int?
  /// What is wrong and what was expected.
  public let message: String

  public init(file: String, field: String, line: Int? = nil, message: String) {
    self.file = file
    self.field = field
    self.line = line
    self.message = message
  }

  /// The message in one line, with every control character of the input escaped (a key or a
  /// file name holding an escape sequence must not reach the terminal raw).
  public var description: String {
    let place = line.map { "\(file):\($0)" } ?? file
    // A field path holds keys of the file: a long one is shortened.
    let shown = field.count > 120 ? String(field.prefix(120)) + "…" : field
    let text = field.isEmpty ? "\(place): \(message)" : "\(place): \(shown): \(message)"
    return text.escapingControlCharacters
  }
}

extension String {
  /// The text with control characters (C0, DEL, C1), line and paragraph separators and the
  /// bidirectional overrides written as `\u{…}` escapes (`\n`, `\r` and `\t` as themselves'
  /// escapes), so that echoing input cannot move the cursor, recolour or reorder a terminal.
  public var escapingControlCharacters: String {
    guard unicodeScalars.contains(where: \.needsEscaping) else { return self }
    var out = ""
    for scalar in unicodeScalars {
      guard scalar.needsEscaping else {
        out.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      }
    }
    return out
  }
}

extension Unicode.Scalar {
  /// Whether a message must escape this scalar (see `escapingControlCharacters`).
  var needsEscaping: Bool {
    switch value {
    case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
    default: return false
    }
  }
}

/// At most `limit` characters of `text` (an excerpt of input for a message), with control
/// characters escaped and `…` where it was cut, quoted.
func excerpt<S: StringProtocol>(_ text: S, limit: Int = 40) -> String {
  let cut = text.count > limit
  let shown = String(text.prefix(limit)).escapingControlCharacters
  return "'" + shown + (cut ? "…" : "") + "'"
}
