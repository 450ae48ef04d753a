import Processes
import Randomness
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The fast kernels give what the plain recursions of `ReferenceModels.swift` give, path by
/// path, to 1e-12 relative: prices, log-returns, conditional variances, jump counts, regimes.
@Suite("Engine against the reference recursions")
struct ReferenceRecursionTests {
  static let seed: UInt64 = 0x00C0_FFEE_2026_1129
  /// Paths away from 0, so that the path index is part of what is checked.
  static let paths = 37..<43

  /// Compares one engine path with its reference, array by array.
  static func expectMatches(_ engine: ReferencePath, _ reference: ReferencePath, _ what: String) {
    expectAgree(engine.prices, reference.prices, "\(what): prices")
    expectAgree(engine.logReturns, reference.logReturns, floor: 1e-4, "\(what): log-returns")
    if !engine.variance.isEmpty {
      expectAgree(engine.variance, reference.variance, "\(what): conditional variances")
    }
    if !engine.jumps.isEmpty {
      #expect(
        engine.jumps == reference.jumps,
        "\(what): jump counts: expected \(reference.jumps), observed \(engine.jumps)")
    }
    if !engine.regimes.isEmpty {
      #expect(
        engine.regimes == reference.regimes,
        "\(what): regimes: expected \(reference.regimes), observed \(engine.regimes)")
    }
  }

  /// Runs `model` over `paths` and checks each path against its reference.
  static func check(_ model: Model, schedule: StressSchedule?) throws -> BlockArrays {
    let out = try simulate(
      model.process, paths: paths, grid: model.grid, seed: seed, schedule: schedule, threads: nil)
    for (offset, path) in paths.enumerated() {
      expectMatches(
        out.path(offset), model.reference(seed: seed, path: path, schedule: schedule),
        "\(model) path \(path)")
    }
    return out
  }

  @Test("Unstressed paths equal the reference", arguments: Model.allCases)
  func unstressed(model: Model) throws {
    let out = try Self.check(model, schedule: nil)
    // The comparison means something only if the latent states vary.
    if model.hasJumps {
      #expect(out.jumps.contains { $0 >= 2 }, "\(model): no step with two or more jumps")
    }
    if model.hasRegimes {
      #expect(Set(out.regimes).count >= 2, "\(model): only one regime visited")
    }
  }

  @Test("Paths under every stress equal the reference", arguments: Model.allCases)
  func stressed(model: Model) throws {
    _ = try Self.check(model, schedule: model.stressedSchedule)
  }

  @Test("A risk-neutral measure sets every drift to r − q")
  func riskNeutralDrift() throws {
    let measure = Measure.riskNeutral(rate: 0.05, dividendYield: [0.01, 0.03])
    let gbm = try GeometricBrownianMotion(
      initialPrices: [1, 1], drift: [0.2, -0.1], volatility: [0.1, 0.1], measure: measure)
    #expect(gbm.drift == [0.05 - 0.01, 0.05 - 0.03])
    let regime = try RegimeSwitchingProcess(
      initialPrices: [1, 1],
      regimes: [.init(name: "a", drift: [0.3, 0.3], volatility: [0.1, 0.2])],
      transition: [[1]], measure: measure)
    #expect(regime.regimes[0].drift == [0.05 - 0.01, 0.05 - 0.03])
  }

  @Test("Jump compensators κ = E[e^Y] − 1 match the closed forms")
  func compensators() {
    let merton = JumpSpecification(
      intensity: [1], sizes: .normal(mean: [-0.1], standardDeviation: [0.15]))
    expectWithin(
      merton.compensator[0], exp(-0.1 + 0.5 * 0.15 * 0.15) - 1, tolerance: 1e-15,
      "Merton κ")
    // Kou: E[e^Y] = p η₁/(η₁ − 1) + (1 − p) η₂/(η₂ + 1) with η = 1/mean.
    let kou = JumpSpecification(
      intensity: [1],
      sizes: .doubleExponential(upProbability: [0.3], upMean: [0.05], downMean: [0.08]))
    let eta1 = 1 / 0.05
    let eta2 = 1 / 0.08
    expectWithin(
      kou.compensator[0], 0.3 * eta1 / (eta1 - 1) + 0.7 * eta2 / (eta2 + 1) - 1,
      tolerance: 1e-14, "Kou κ")
  }

  /// `E|z|` of a unit-variance Student-t by quadrature of its unnormalised density
  /// `(1 + x²/(ν − 2))^{−(ν+1)/2}` over `x = tan θ`, Simpson's rule on (0, π/2).
  static func numericalExpectedAbsolute(degreesOfFreedom nu: Double) -> Double {
    let intervals = 200_000
    let h = (Double.pi / 2) / Double(intervals)
    var mass = 0.0
    var moment = 0.0
    for i in 0...intervals {
      let theta = Double(i) * h
      let weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
      guard i < intervals else { continue }  // the integrands vanish at π/2
      let x = tan(theta)
      let jacobian = 1 + x * x
      let density = pow(1 + x * x / (nu - 2), -(nu + 1) / 2)
      mass += weight * density * jacobian
      moment += weight * x * density * jacobian
    }
    return moment / mass
  }

  @Test("E|z| of the innovations, used by EGARCH, matches quadrature", arguments: [4.5, 6, 8, 30])
  func expectedAbsoluteInnovation(nu: Double) {
    expectWithin(
      GARCHProcess.expectedAbsolute(.studentT(degreesOfFreedom: nu)),
      Self.numericalExpectedAbsolute(degreesOfFreedom: nu), tolerance: 1e-9, "E|z| for ν = \(nu)")
    expectWithin(
      GARCHProcess.expectedAbsolute(.normal), (2 / Double.pi).squareRoot(), tolerance: 1e-15,
      "E|z| normal")
  }
}
