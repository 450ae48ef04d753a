import Foundation
import Yams

/// Reads a YAML node tree with field paths, so that every error names the file, the field
/// and the line, and so that keys nobody asked for are reported as errors.
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
    case .scalar(let s): return excerpt(s.string)
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }

  var isMapping: Bool { if case .mapping = node { return true } else { return false } }
  var isSequence: Bool { if case .sequence = node { return true } else { return false } }
  var isScalar: Bool { if case .scalar = node { return true } else { return false } }

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
    guard case .scalar(let s) = node else { throw error("expected text, got \(shown)") }
    return s.string
  }

  /// A number; also accepts a fraction written `a/b` (as in `dt: 1/252`).
  func double() throws(ScenarioError) -> Double {
    guard case .scalar(let s) = node else { throw error("expected a number, got \(shown)") }
    let text = s.string.trimmingCharacters(in: .whitespaces)
    if let v = Double(text), !text.isEmpty {
      guard v.isFinite else { throw error("expected a finite number, got \(excerpt(text))") }
      return v
    }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    if parts.count == 2, let a = Double(parts[0].trimmingCharacters(in: .whitespaces)),
      let b = Double(parts[1].trimmingCharacters(in: .whitespaces))
    {
      guard b != 0 else { throw error("division by zero in '\(text)'") }
      let v = a / b
      guard v.isFinite else { throw error("expected a finite number, got \(excerpt(text))") }
      return v
    }
    throw error("expected a number, got \(excerpt(text))")
  }

  func int() throws(ScenarioError) -> Int {
    guard case .scalar(let s) = node else { throw error("expected a whole number, got \(shown)") }
    let text = s.string.replacingOccurrences(of: "_", with: "")
    guard let v = Int(text) else {
      throw error("expected a whole number, got \(excerpt(s.string))")
    }
    return v
  }

  func uint64() throws(ScenarioError) -> UInt64 {
    guard case .scalar(let s) = node else { throw error("expected a whole number, got \(shown)") }
    let text = s.string.replacingOccurrences(of: "_", with: "")
    guard let v = UInt64(text) else {
      throw error("expected a whole number from 0 to \(UInt64.max), got \(excerpt(s.string))")
    }
    return v
  }

  func bool() throws(ScenarioError) -> Bool {
    guard case .scalar = node, let b = node.bool else {
      throw error("expected true or false, got \(shown)")
    }
    return b
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
    guard let node = pairs.first(where: { $0.0 == key })?.1 else { return nil }
    if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null",
      s.style == .plain
    {
      return nil
    }
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
