import Foundation

/// Text and number formatting for the page: every value that reaches the HTML passes through
/// one of these, so the page never shows a non-finite number or a 17-digit float.
enum PageFormat {
  /// `text` with the five HTML-special characters escaped, safe in element text and in quoted
  /// attribute values.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  /// The dash shown for a missing or undefined number.
  static let missing = "–"

  /// `x` with `digits` significant digits, trailing zeros dropped, a typographic minus; the
  /// exponent form for very large or very small magnitudes; a dash when `x` is nil or not
  /// finite.
  static func number(_ x: Double?, digits: Int = 3) -> String {
    guard let x, x.isFinite else { return missing }
    if x == 0 { return "0" }
    let magnitude = abs(x)
    let text: String
    if magnitude >= 1e7 || magnitude < 1e-4 {
      text = exponential(x, digits: digits)
    } else {
      let leading = Int(floor(log10(magnitude)))
      let decimals = max(0, digits - 1 - leading)
      text = trimmed(String(format: "%.\(decimals)f", x))
    }
    return minus(text)
  }

  /// `x` with a fixed number of decimals (tick labels share the decimals of their step).
  static func fixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return missing }
    let text = String(format: "%.\(max(0, decimals))f", x)
    return minus(isNegativeZero(text) ? String(text.dropFirst()) : text)
  }

  /// `fraction` as a percentage with `digits` significant digits (0.0412 → "4.12%").
  static func percent(_ fraction: Double?, digits: Int = 3) -> String {
    guard let fraction, fraction.isFinite else { return missing }
    return number(fraction * 100, digits: digits) + "%"
  }

  /// A signed difference of two fractions in percentage points ("+0.31 pp", "−1.2 pp").
  static func points(_ fraction: Double?) -> String {
    guard let fraction, fraction.isFinite else { return missing }
    let value = fraction * 100
    if abs(value) < 0.005 { return "±0 pp" }
    return (value > 0 ? "+" : "−") + String(format: "%.2f", abs(value)) + " pp"
  }

  /// A count with thousands separators (12345 → "12,345").
  static func count(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
      out.append(digit)
    }
    return (n < 0 ? "−" : "") + out
  }

  /// An SVG coordinate rounded to one decimal ("12.3", "40", "-7.5"); callers never pass a
  /// non-finite value (the chart code skips those points), and a stray one becomes 0.
  static func coordinate(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let tenths = Int((x * 10).rounded())
    let whole = tenths / 10
    let rest = abs(tenths % 10)
    let sign = tenths < 0 && whole == 0 ? "-" : ""
    return rest == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(rest)"
  }

  private static func exponential(_ x: Double, digits: Int) -> String {
    let raw = String(format: "%.\(max(0, digits - 1))e", x)
    guard let e = raw.firstIndex(of: "e") else { return raw }
    let mantissa = trimmed(String(raw[..<e]))
    var exponent = String(raw[raw.index(after: e)...])
    let negative = exponent.hasPrefix("-")
    exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
    return mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
  }

  /// Drops trailing zeros of a decimal fraction ("1.500" → "1.5", "2.000" → "2").
  private static func trimmed(_ text: String) -> String {
    guard text.contains("."), !text.contains("e") else { return text }
    var out = text
    while out.hasSuffix("0") { out.removeLast() }
    if out.hasSuffix(".") { out.removeLast() }
    return isNegativeZero(out) ? "0" : out
  }

  private static func isNegativeZero(_ text: String) -> Bool {
    text.hasPrefix("-") && text.dropFirst().allSatisfy { $0 == "0" || $0 == "." }
  }

  /// The leading hyphen-minus as a typographic minus sign.
  private static func minus(_ text: String) -> String {
    text.hasPrefix("-") ? "−" + text.dropFirst() : text
  }
}
