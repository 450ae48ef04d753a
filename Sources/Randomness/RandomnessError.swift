/// An invalid distribution parameter.
public enum RandomnessError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parameter outside its domain: its name, the value given and what was expected.
  case invalidParameter(name: String, value: Double, expected: String)

  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) \(value): expected \(expected)"
    }
  }
}

@inlinable
func require(
  _ condition: Bool, _ name: String, _ value: Double, _ expected: String
) throws(RandomnessError) {
  if !condition { throw .invalidParameter(name: name, value: value, expected: expected) }
}
