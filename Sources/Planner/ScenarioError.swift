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

  public var description: String {
    let place = line.map { "\(file):\($0)" } ?? file
    return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
  }
}
