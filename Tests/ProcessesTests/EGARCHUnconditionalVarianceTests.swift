import Processes
import Randomness
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// EGARCH's `initial_variance: unconditional` is the unconditional variance `E[σ²]` (Nelson
/// 1991), not `exp(E[log σ²])`; where `E[σ²]` is infinite (Student-t innovations) the process
/// says so, and `unconditional_geometric_mean` names the other quantity.
@Suite("EGARCH unconditional variance")
struct EGARCHUnconditionalVarianceTests {
  /// Per-step EGARCH parameters: ω, α, β, γ.
  struct Parameters: Sendable, CustomTestStringConvertible {
    let omega, alpha, beta, gamma: Double
    var testDescription: String { "ω \(omega), α \(alpha), β \(beta), γ \(gamma)" }
  }

  static let cases = [
    Parameters(omega: -0.3, alpha: 0.1, beta: 0.97, gamma: -0.06),
    Parameters(omega: -0.5, alpha: 0.15, beta: 0.95, gamma: -0.1),
    Parameters(omega: -0.2, alpha: 0.2, beta: 0.98, gamma: -0.12),
    Parameters(omega: -9.0, alpha: 0.3, beta: 0.0, gamma: 0.05),
    Parameters(omega: -12.0, alpha: 0.25, beta: -0.4, gamma: -0.2),
  ]

  static func unconditional(_ p: Parameters) throws -> Double {
    try GARCHProcess.egarchUnconditionalVariance(
      omega: p.omega, alpha: p.alpha, beta: p.beta, gamma: p.gamma, innovations: .normal)
  }

  @Test("The closed-form factors agree with the series summed by quadrature", arguments: cases)
  func seriesByQuadrature(_ p: Parameters) throws {
    let closedForm = try Self.unconditional(p)
    let quadrature = referenceEGARCHUnconditionalVariance(
      omega: p.omega, alpha: p.alpha, beta: p.beta, gamma: p.gamma)
    expectWithin(
      closedForm / quadrature, 1, tolerance: 1e-8, "\(p.testDescription): E[σ²] / quadrature")
    // It is E[σ²], above exp(E[log σ²]) (Jensen), unless there is no news term.
    #expect(closedForm > exp(p.omega / (1 - p.beta)))
  }

  @Test("A process started there stays there: E[σ²_t] over a long simulation", arguments: [0, 1])
  func longSimulation(caseIndex: Int) throws {
    let p = Self.cases[caseIndex]
    let g = try GARCHProcess(
      type: .egarch, initialPrices: [100], mean: [0], omega: [p.omega], alpha: [p.alpha],
      beta: [p.beta], gamma: [p.gamma])
    let expected = try Self.unconditional(p)
    #expect(g.initialVariance == [expected])
    #expect(g.initialVarianceRule == .unconditional)
    // By step 250 the start is forgotten (β^250 < 5e-4); each path's mean of σ² over steps
    // 250…299 is one independent estimate.
    let grid = timeGrid(steps: 300, dt: 1.0 / 252)
    var estimates: [Double] = []
    for chunk in 0..<4 {
      let out = try simulate(
        g, paths: (chunk * 2500)..<((chunk + 1) * 2500), grid: grid, seed: 0xE6A2_C4)
      for path in 0..<out.paths {
        var sum = 0.0
        for t in 250..<300 { sum += out.conditionalVariance(path, t, 0) }
        estimates.append(sum / 50)
      }
    }
    let (mean, se) = batchMean(estimates)
    expectWithinSE(mean, expected, standardError: se, "\(p.testDescription): mean of σ²_t")
    // The old start, exp(E[log σ²]), is far outside that band.
    let geometric = exp(p.omega / (1 - p.beta))
    #expect(
      abs(mean - geometric) > 10 * se,
      "exp(ω/(1 − β)) = \(geometric) should be rejected: observed \(mean), SE \(se)")
  }

  @Test("unconditional_geometric_mean is exp(ω/(1 − β)), for normal and Student-t innovations")
  func geometricMean() throws {
    for innovations in [GARCHProcess.Innovations.normal, .studentT(degreesOfFreedom: 6)] {
      let g = try GARCHProcess(
        type: .egarch, initialPrices: [100, 50], mean: [0, 0], omega: [-0.3, -0.5],
        alpha: [0.1, 0.15], beta: [0.97, 0.95], gamma: [-0.06, -0.1], innovations: innovations,
        initialVariance: .unconditionalGeometricMean)
      // The engine's exponential (the same on every CPU), not the C library's.
      let expected = [PortableMath.exp(-0.3 / (1 - 0.97)), PortableMath.exp(-0.5 / (1 - 0.95))]
      #expect(g.initialVariance == expected, "expected \(expected), observed \(g.initialVariance)")
    }
  }

  @Test("With Student-t innovations E[σ²] is infinite: a clear error naming the alternatives")
  func studentTHasNoUnconditionalVariance() {
    let error = #expect(throws: ProcessError.self) {
      try GARCHProcess(
        type: .egarch, initialPrices: [100], mean: [0], omega: [-0.3], alpha: [0.1],
        beta: [0.97], gamma: [-0.06], innovations: .studentT(degreesOfFreedom: 8))
    }
    guard case .initialVariance(let model, let asset, let reason)? = error else {
      Issue.record("expected ProcessError.initialVariance, got \(String(describing: error))")
      return
    }
    #expect(model == "egarch" && asset == 0)
    for word in ["infinite", "Student-t", "unconditional_geometric_mean", "as a number"] {
      #expect(reason.contains(word), "expected '\(word)' in: \(reason)")
    }
    // Without news terms σ² is constant: then it exists.
    let flat = try? GARCHProcess(
      type: .egarch, initialPrices: [100], mean: [0], omega: [-9], alpha: [0], beta: [0.5],
      gamma: [0], innovations: .studentT(degreesOfFreedom: 8))
    #expect(flat?.initialVariance == [PortableMath.exp(-18)])
  }

  @Test("unconditional_geometric_mean is refused for GARCH and GJR")
  func geometricMeanNeedsEGARCH() {
    for type in [GARCHProcess.VolatilityModel.garch, .gjr] {
      let error = #expect(throws: ProcessError.self) {
        try GARCHProcess(
          type: type, initialPrices: [100], mean: [0], omega: [2e-6], alpha: [0.05],
          beta: [0.9], initialVariance: .unconditionalGeometricMean)
      }
      #expect(
        error?.description.contains("egarch only") == true, "\(type): \(String(describing: error))")
    }
  }
}
