import LinearAlgebra

/// The Cholesky factors a `CorrelatedShockGenerator` correlates by, each in the form its
/// product reads: for more than `CorrelatedShockGenerator.smallDimension` assets the lower
/// triangle packed in panels (`TransposedLowerPanels`, about half of the `n × n` factor), for
/// fewer the factor's elements as they are, and for the identity nothing (its product is
/// skipped).
///
/// Factors are added one at a time, so a caller that factors many matrices (a correlation
/// stress per regime, say) holds one full factor at a time, not all of them.
public struct CorrelationFactors: Sendable {
  /// The number of assets of every factor.
  public let dimension: Int
  @usableFromInline var lowers: [[Double]] = []
  @usableFromInline var panels: [TransposedLowerPanels] = []
  @usableFromInline var identities: [Bool] = []

  /// The number of factors.
  public var count: Int { identities.count }

  /// No factor yet, for `dimension` assets.
  public init(dimension: Int) {
    precondition(dimension >= 0, "dimension must be non-negative")
    self.dimension = dimension
  }

  /// The factors of `correlations`, in order.
  ///
  /// - Precondition: `correlations` is not empty and all have the same dimension.
  public init(_ correlations: [CorrelationMatrix]) {
    precondition(!correlations.isEmpty, "at least one correlation matrix is needed")
    self.init(dimension: correlations[0].dimension)
    for c in correlations { append(c.factor) }
  }

  /// Adds `factor`, the factor of an `n × n` correlation matrix.
  ///
  /// - Precondition: `factor` is `dimension × dimension`.
  public mutating func append(_ factor: CholeskyFactor) {
    let n = dimension
    precondition(
      factor.lower.rows == n && factor.lower.columns == n, "correlation matrices differ in size")
    // L = I exactly when L Lᵀ = I: the product of an identity factor is skipped.
    let identity = factor.lower.isIdentity
    identities.append(identity)
    if n <= CorrelatedShockGenerator.smallDimension {
      lowers.append(identity ? [] : factor.lower.elements)
    } else {
      panels.append(
        identity
          ? TransposedLowerPanels()
          : TransposedLowerPanels(lower: factor.lower.elements, n: n))
    }
  }
}
