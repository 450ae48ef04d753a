import Foundation
import Yams

/// Reads a YAML node tree with field paths, so that every error names the file, the field
/// and the line, and so that keys nobody asked for are reported as errors.
///
/// Strict reading rules (a scenario file is a contract; nothing is guessed):
/// - A key given with no value (`paths:`, `paths: ~`, `paths: null`) is not "left out": every
///   typed accessor refuses it ("expected a whole number, got null"). The one place where an
///   empty value means something (a variant `baseline:` with no stresses) checks `isNull` first.
/// - Numbers are plain decimals: an optional sign, digits, and for non-integers an optional
///   fraction and exponent (`1e-4`, `.5`); a fraction `a/b` of two such numbers is read where a
///   real number is expected (`dt: 1/252`). No `_` separators, no hex, octal or `.inf`.
///   A quoted scalar is text, never a number: `volatility: "0.1"` is refused.
/// - Explicit YAML tags are refused unless they are a core tag (`!!str`, `!!int`, `!!float`,
///   `!!bool`, `!!null`, `!!map`, `!!seq`) that agrees with what the value is anyway: `!!int 1`
///   passes, `!!int 0.1`, `!!str 1`, `!foo 1` and `!!python/object:…` are errors
///   (`YAMLTags.check` walks the whole tree before anything is read).
struct YAMLField {
  let node: Node
  let path: String
  let file: String

  var line: Int? { node.mark.map { $0.line } }

  func error(_ message: String) -> ScenarioError {
    ScenarioError(file: file, field: path, line: line, message: message)
  }

  func child(_ node: Node, _ key: String) -> YAMLField {
    YAMLField(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
  }

  func element(_ node: Node, _ index: Int) -> YAMLField {
    YAMLField(node: node, path: "\(path)[\(index)]", file: file)
  }

  /// The value as shown in messages.
  var shown: String {
    switch node {
    case .scalar(let s):
      if isNull { return "null" }
      if s.style != .plain { return "the string \(excerpt(s.string))" }
      return excerpt(s.string)
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }

  var isMapping: Bool { if case .mapping = node { return true } else { return false } }
  var isSequence: Bool { if case .sequence = node { return true } else { return false } }
  var isScalar: Bool { if case .scalar = node { return true } else { return false } }
  /// A key given with no value: `key:`, `key: ~`, `key: null` (plain, untagged or `!!null`).
  var isNull: Bool { node.isYAMLNull }

  /// Refuses null and quoted scalars where a number is expected; returns the plain text.
  private func numberText(_ what: String) throws(ScenarioError) -> String {
    guard case .scalar(let s) = node, !isNull, s.style == .plain else {
      throw error("expected \(what), got \(shown)")
    }
    return s.string
  }

  func mapping() throws(ScenarioError) -> MappingReader {
    guard case .mapping(let m) = node else {
      throw error("expected a mapping of keys, got \(shown)")
    }
    var pairs: [(String, Node)] = []
    for (k, v) in m {
      // A key's own line: a complex key may sit far below the mapping's first line.
      let line = k.mark?.line ?? self.line
      guard case .scalar(let scalar) = k else {
        let kind = k.sequence != nil ? "a list" : "a mapping"
        throw ScenarioError(
          file: file, field: path, line: line,
          message: "a key is \(kind); keys must be plain text such as drift or EQ")
      }
      if scalar.string == "<<" && scalar.style == .plain {
        throw ScenarioError(
          file: file, field: path, line: line,
          message: "YAML merge keys (<<) are not supported; write the keys out in full")
      }
      pairs.append((scalar.string, v))
    }
    return MappingReader(field: self, pairs: pairs)
  }

  func sequence() throws(ScenarioError) -> [YAMLField] {
    guard case .sequence(let s) = node else { throw error("expected a list, got \(shown)") }
    return s.enumerated().map { element($0.element, $0.offset) }
  }

  func string() throws(ScenarioError) -> String {
    guard case .scalar(let s) = node, !isNull else { throw error("expected text, got \(shown)") }
    return s.string
  }

  /// A number; also accepts a fraction written `a/b` (as in `dt: 1/252`).
  func double() throws(ScenarioError) -> Double {
    let text = try numberText("a number")
    if let v = strictDouble(text) {
      guard v.isFinite else { throw error("expected a finite number, got \(excerpt(text))") }
      return v
    }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    if parts.count == 2, let a = strictDouble(parts[0].trimmingCharacters(in: .whitespaces)),
      let b = strictDouble(parts[1].trimmingCharacters(in: .whitespaces))
    {
      guard b != 0 else { throw error("division by zero in '\(text)'") }
      let v = a / b
      guard v.isFinite else { throw error("expected a finite number, got \(excerpt(text))") }
      return v
    }
    throw error("expected a number, got \(excerpt(text))")
  }

  func int() throws(ScenarioError) -> Int {
    let text = try numberText("a whole number")
    guard isStrictInteger(text), let v = Int(text) else {
      throw error("expected a whole number, got \(excerpt(text))")
    }
    return v
  }

  func uint64() throws(ScenarioError) -> UInt64 {
    let text = try numberText("a whole number from 0 to \(UInt64.max)")
    guard isStrictInteger(text), let v = UInt64(text) else {
      throw error("expected a whole number from 0 to \(UInt64.max), got \(excerpt(text))")
    }
    return v
  }

  /// `true` or `false` (also `True`, `TRUE`, `False`, `FALSE`: YAML 1.2's core schema), plain.
  /// YAML 1.1's `yes`, `no`, `on`, `off`, `y` and `n` are refused: `on` is as likely a word
  /// as a switch.
  func bool() throws(ScenarioError) -> Bool {
    guard case .scalar(let s) = node, s.style == .plain else {
      throw error("expected true or false, got \(shown)")
    }
    switch s.string {
    case "true", "True", "TRUE": return true
    case "false", "False", "FALSE": return false
    default: throw error("expected true or false, got \(shown)")
    }
  }

  func isString(_ text: String) -> Bool {
    if case .scalar(let s) = node { return s.string == text }
    return false
  }
}

/// The keys of one mapping; `finish()` rejects any key that was never read.
struct MappingReader {
  let field: YAMLField
  let pairs: [(String, Node)]
  private(set) var used: Set<String> = []

  init(field: YAMLField, pairs: [(String, Node)]) {
    self.field = field
    self.pairs = pairs
  }

  var keys: [String] { pairs.map(\.0) }

  mutating func optional(_ key: String) -> YAMLField? {
    used.insert(key)
    // A key given with a null value is returned: the typed accessors refuse it by name.
    guard let node = pairs.first(where: { $0.0 == key })?.1 else { return nil }
    return field.child(node, key)
  }

  /// The value of `key` without marking it read (for checks made before the key is parsed).
  func peek(_ key: String) -> YAMLField? {
    guard let node = pairs.first(where: { $0.0 == key })?.1 else { return nil }
    return field.child(node, key)
  }

  mutating func required(_ key: String, _ what: String) throws(ScenarioError) -> YAMLField {
    guard let f = optional(key) else {
      throw field.error("missing required key '\(key)' (\(what))")
    }
    return f
  }

  /// All entries, in file order, marking them read.
  mutating func entries() -> [(String, YAMLField)] {
    pairs.map { pair in
      used.insert(pair.0)
      return (pair.0, field.child(pair.1, pair.0))
    }
  }

  /// Throws for the first key that was not read, suggesting the nearest known key.
  func finish(allowed: [String]? = nil) throws(ScenarioError) {
    for (key, node) in pairs where !used.contains(key) {
      let known = allowed ?? Array(used).sorted()
      var message = "unknown key \(excerpt(key))"
      if let near = nearest(key, in: known) { message += " (did you mean '\(near)'?)" }
      message += "; expected one of: \(known.sorted().joined(separator: ", "))"
      throw ScenarioError(
        file: field.file, field: field.child(node, key).path, line: node.mark?.line ?? field.line,
        message: message)
    }
  }
}

/// `[+-]?[0-9]+`: no `_`, no hex, octal or binary prefixes, no spaces.
func isStrictInteger(_ text: String) -> Bool {
  var u = Substring(text).utf8[...]
  if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
  return !u.isEmpty && u.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
}

/// A plain decimal `[+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?`, or nil.
func strictDouble(_ text: String) -> Double? {
  let u = Array(text.utf8)
  var i = 0
  func digits() -> Int {
    let start = i
    while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") { i += 1 }
    return i - start
  }
  if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
  var mantissa = digits()
  if i < u.count, u[i] == UInt8(ascii: ".") {
    i += 1
    mantissa += digits()
  }
  guard mantissa > 0 else { return nil }
  if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
    i += 1
    if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
    guard digits() > 0 else { return nil }
  }
  guard i == u.count else { return nil }
  return Double(text)
}

extension Node {
  /// A YAML null: a plain scalar `""`, `~`, `null`, `Null` or `NULL` with no tag, or `!!null`.
  var isYAMLNull: Bool {
    guard case .scalar(let s) = self else { return false }
    if s.tag.rawValue == Tag.Name.null.rawValue { return true }
    guard s.style == .plain, s.tag.rawValue.isEmpty || s.tag.rawValue == "!" else {
      return false
    }
    return ["", "~", "null", "Null", "NULL"].contains(s.string)
  }
}

/// Refuses explicit YAML tags that are not a core tag agreeing with the tagged value.
enum YAMLTags {
  static let core: Set<Tag.Name> = [.str, .int, .float, .bool, .null, .map, .seq]

  /// The first tag problem in the tree, as an error naming its field and line.
  static func check(_ root: Node, file: String) throws(ScenarioError) {
    try walk(root, path: "", file: file)
  }

  private static func walk(_ node: Node, path: String, file: String) throws(ScenarioError) {
    // The tag as written (`Node.tag` would resolve an untagged value by its text).
    let name: Tag.Name
    switch node {
    case .scalar(let s): name = Tag.Name(rawValue: s.tag.rawValue)
    case .mapping(let m): name = Tag.Name(rawValue: m.tag.rawValue)
    case .sequence(let q): name = Tag.Name(rawValue: q.tag.rawValue)
    case .alias: name = .implicit
    }
    // A merge key `<<` is refused by `YAMLField.mapping()`, with a message of its own.
    if name != .implicit && name != .nonSpecific && name != .merge {
      let expected: Tag.Name?
      switch node {
      case .scalar(let s):
        // What the value would be without the tag; a quoted scalar is a string.
        expected =
          s.style == .plain ? Tag.Name(rawValue: Node(s.string).tag.rawValue) : Tag.Name.str
      case .mapping: expected = .map
      case .sequence: expected = .seq
      case .alias: expected = nil
      }
      if !core.contains(name) || name != expected {
        let shown = name.rawValue.replacingOccurrences(of: "tag:yaml.org,2002:", with: "!!")
        var message = "YAML tag \(excerpt(shown, limit: 60)) is not supported"
        if core.contains(name), let expected {
          let what = expected.rawValue.replacingOccurrences(of: "tag:yaml.org,2002:", with: "")
          message += " on this value (it reads as \(what) without the tag)"
        }
        throw ScenarioError(
          file: file, field: path, line: node.mark?.line, message: message + "; remove the tag")
      }
    }
    switch node {
    case .mapping(let m):
      for (k, v) in m {
        let key = k.scalar?.string ?? "?"
        let child = path.isEmpty ? key : "\(path).\(key)"
        try walk(k, path: child, file: file)
        try walk(v, path: child, file: file)
      }
    case .sequence(let items):
      for (i, item) in items.enumerated() { try walk(item, path: "\(path)[\(i)]", file: file) }
    default: break
    }
  }
}

/// The closest key within edit distance 2, for "did you mean" hints.
func nearest(_ word: String, in candidates: [String]) -> String? {
  func distance(_ a: [Character], _ b: [Character]) -> Int {
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var prev = row[0]
      row[0] = i
      for j in stride(from: 1, through: b.count, by: 1) {
        let cur = row[j]
        row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
        prev = cur
      }
    }
    return row[b.count]
  }
  let w = Array(word.lowercased())
  let scored = candidates.map { ($0, distance(w, Array($0.lowercased()))) }.filter { $0.1 <= 2 }
  return scored.min { $0.1 < $1.1 }?.0
}
