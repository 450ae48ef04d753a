/// An invalid distribution parameter or sequence size.
public enum RandomnessError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parameter outside its domain: its name, the value given and what was expected.
  case invalidParameter(name: String, value: Double, expected: String)
  /// A Sobol' sequence of `requested` dimensions, outside `1...maximum`.
  case sobolDimensions(requested: Int, maximum: Int)

  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) \(value): expected \(expected)"
    case .sobolDimensions(let requested, let maximum):
      return
        "a Sobol sequence of \(requested) dimensions was requested: the direction numbers "
        + "(Joe–Kuo new-joe-kuo-6.21201) give 1 to \(maximum) dimensions"
    }
  }
}

@inlinable
func require(
  _ condition: Bool, _ name: String, _ value: Double, _ expected: String
) throws(RandomnessError) {
  if !condition { throw .invalidParameter(name: name, value: value, expected: expected) }
}
