import BLASReference
import Dispatch
import LinearAlgebra
import Randomness
import Testing

@testable import Shocks

/// Correlation matrices for the generator tests.
enum Targets {
  /// A 50-asset one-factor correlation 0.3 plus symmetric noise uniform on ±0.05 (small
  /// enough to keep it positive definite: the one-factor part has smallest eigenvalue 0.7).
  static let oneFactor: CorrelationMatrix = {
    let n = 50
    var stream = PathStream(seed: 50, path: 0, substream: 99)
    var m = Matrix(rows: n, columns: n, repeating: 1)
    for i in 0..<n {
      for j in 0..<i {
        let rho = 0.3 + 0.1 * (stream.nextOpenUnit() - 0.5)
        m[i, j] = rho
        m[j, i] = rho
      }
    }
    return try! CorrelationMatrix(m)
  }()

  /// A 5-asset matrix with positive and negative correlations (the hand-written product).
  static let small = try! CorrelationMatrix(rows: [
    [1, 0.6, -0.3, 0.2, 0.1],
    [0.6, 1, -0.1, 0.4, 0],
    [-0.3, -0.1, 1, 0.25, -0.5],
    [0.2, 0.4, 0.25, 1, 0.3],
    [0.1, 0, -0.5, 0.3, 1],
  ])
}

/// A generator configuration for the determinism tests.
struct GeneratorCase: Sendable, CustomTestStringConvertible {
  let label: String
  let correlation: CorrelationMatrix
  let distribution: CorrelatedShockGenerator.Distribution
  var testDescription: String { label }

  var generator: CorrelatedShockGenerator {
    try! CorrelatedShockGenerator(
      correlation: correlation, seed: 20_261_129, distribution: distribution)
  }

  static let all = [
    GeneratorCase(label: "5 assets, normal", correlation: Targets.small, distribution: .normal),
    GeneratorCase(
      label: "50 assets, normal", correlation: Targets.oneFactor, distribution: .normal),
    GeneratorCase(
      label: "5 assets, Student-t", correlation: Targets.small,
      distribution: .studentT(degreesOfFreedom: 5)),
    GeneratorCase(
      label: "50 assets, Student-t", correlation: Targets.oneFactor,
      distribution: .studentT(degreesOfFreedom: 5)),
  ]
}

/// Whether two arrays hold the same bits.
func sameBytes(_ a: [Double], _ b: [Double]) -> Bool {
  a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
}

@Suite("CorrelatedShockGenerator")
struct CorrelatedShockGeneratorTests {
  @Test("50 normal assets: zero means, unit variances, target correlations (Fisher z, 5 SE)")
  func normalStatistics() throws {
    let generator = try CorrelatedShockGenerator(correlation: Targets.oneFactor, seed: 1)
    #expect(generator.assetCount == 50)
    let stats = ColumnStatistics(generator.shocks(paths: 0..<400, steps: 50), columns: 50)
    stats.expectStandardized(excessKurtosis: 0)
    stats.expectCorrelations(Targets.oneFactor.matrix)
  }

  @Test("50 Student-t assets (ν = 8): unit variances and target correlations")
  func studentTStatistics() throws {
    let nu = 8.0
    let generator = try CorrelatedShockGenerator(
      correlation: Targets.oneFactor, seed: 2, distribution: .studentT(degreesOfFreedom: nu))
    let stats = ColumnStatistics(generator.shocks(paths: 0..<800, steps: 50), columns: 50)
    stats.expectStandardized(excessKurtosis: 6 / (nu - 4))
    stats.expectCorrelations(Targets.oneFactor.matrix, kurtosisParameter: 2 / (nu - 4))
  }

  @Test("5 assets, hand-written product: target correlations")
  func smallStatistics() throws {
    let generator = try CorrelatedShockGenerator(correlation: Targets.small, seed: 3)
    let stats = ColumnStatistics(generator.shocks(paths: 0..<500, steps: 100), columns: 5)
    stats.expectStandardized(excessKurtosis: 0)
    stats.expectCorrelations(Targets.small.matrix)
  }

  /// How many rows have both assets beyond their own marginal `q` quantile, in the upper and
  /// in the lower tail.
  static func jointExceedances(_ shocks: [Double], quantile q: Double) -> Int {
    let rows = shocks.count / 2
    let first = stride(from: 0, to: shocks.count, by: 2).map { shocks[$0] }.sorted()
    let second = stride(from: 1, to: shocks.count, by: 2).map { shocks[$0] }.sorted()
    let k = Int(Double(rows) * q)
    let (upper0, upper1) = (first[k], second[k])
    let (lower0, lower1) = (first[rows - 1 - k], second[rows - 1 - k])
    var count = 0
    for r in 0..<rows {
      let (x, y) = (shocks[2 * r], shocks[2 * r + 1])
      if (x > upper0 && y > upper1) || (x < lower0 && y < lower1) { count += 1 }
    }
    return count
  }

  @Test("Student-t shocks are tail dependent: joint 1% exceedances beat the normal's")
  func tailDependence() throws {
    let correlation = try CorrelationMatrix.constant(0.5, dimension: 2)
    let normal = try CorrelatedShockGenerator(correlation: correlation, seed: 4)
    let t = try CorrelatedShockGenerator(
      correlation: correlation, seed: 4, distribution: .studentT(degreesOfFreedom: 5))
    let paths = 0..<400
    let steps = 1000
    let normalCount = Self.jointExceedances(
      normal.shocks(paths: paths, steps: steps), quantile: 0.99)
    let tCount = Self.jointExceedances(t.shocks(paths: paths, steps: steps), quantile: 0.99)
    // Both counts are close to Poisson: the difference has SE √(tCount + normalCount).
    let tolerance = 5 * Double(tCount + normalCount).squareRoot()
    #expect(
      Double(tCount - normalCount) > tolerance,
      "joint exceedances: Student-t \(tCount), normal \(normalCount), margin needed \(tolerance)")
  }

  @Test("Identity correlation: the shocks are the path's diffusion normals, step-major")
  func identityLayout() throws {
    let generator = try CorrelatedShockGenerator(correlation: .identity(3), seed: 9)
    let shocks = generator.shocks(paths: 7..<9, steps: 4)
    var expected: [Double] = []
    for path in 7..<9 {
      var stream = PathStream(seed: 9, path: path, substream: .diffusion)
      for _ in 0..<12 { expected.append(stream.nextStandardNormal()) }
    }
    #expect(sameBytes(shocks, expected))
  }

  @Test("Student-t: each step's vector is scaled by one mixing draw from the mixing substream")
  func studentTLayout() throws {
    let nu = 5.0
    let generator = try CorrelatedShockGenerator(
      correlation: .identity(3), seed: 9, distribution: .studentT(degreesOfFreedom: nu))
    let law = try StudentTDistribution(degreesOfFreedom: nu, unitVariance: true)
    let shocks = generator.shocks(paths: 4..<5, steps: 6)
    var normals = PathStream(seed: 9, path: 4, substream: .diffusion)
    var mixing = PathStream(seed: 9, path: 4, substream: .mixing)
    var expected: [Double] = []
    for _ in 0..<6 {
      let scale = law.mixingScale(law.chiSquared.sample(using: &mixing))
      for _ in 0..<3 { expected.append(normals.nextStandardNormal() * scale) }
    }
    #expect(sameBytes(shocks, expected))
  }

  @Test("Shocks are L z for the path's normals z", arguments: GeneratorCase.all.prefix(2))
  func choleskyProduct(_ config: GeneratorCase) throws {
    let generator = config.generator
    let n = generator.assetCount
    let steps = 20
    let shocks = generator.shocks(paths: 11..<12, steps: steps)
    let normals = try CorrelatedShockGenerator(
      correlation: .identity(n), seed: generator.seed
    ).shocks(paths: 11..<12, steps: steps)
    let z = try Matrix(rows: steps, columns: n, elements: normals)
    let expected = Matrix.product(z, config.correlation.factor.lower.transposed)
    let observed = try Matrix(rows: steps, columns: n, elements: shocks)
    #expect(observed.maximumDifference(from: expected) < 1e-13)
  }

  @Test("The hand-written product for ≤ 8 assets equals BLAS dtrmm", arguments: 1...8)
  func smallProductMatchesBLAS(n: Int) throws {
    var stream = PathStream(seed: 12, path: n)
    var lower = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for k in 0...i { lower[i * n + k] = stream.nextStandardNormal() }
    }
    let rows = 33
    let z = (0..<(rows * n)).map { _ in stream.nextStandardNormal() }
    var small = z
    var blas = z
    lower.withUnsafeBufferPointer { l in
      small.withUnsafeMutableBufferPointer {
        CorrelatedShockGenerator.multiplySmall(
          $0.baseAddress!, rowCount: rows, lower: l.baseAddress!, n: n)
      }
      blas.withUnsafeMutableBufferPointer {
        multiplyRowsByTransposedLower($0.baseAddress!, rowCount: rows, lower: l.baseAddress!, n: n)
      }
    }
    let difference = zip(small, blas).map { abs($0 - $1) }.max() ?? 0
    #expect(difference < 1e-14, "largest difference \(difference)")
  }

  static let pathRange = 1000..<1300
  /// 21 steps: with 50 assets a path is 8400 bytes, so paths start at varying alignments.
  static let steps = 21

  /// The shocks of `pathRange`, filled at once: what every other way of filling must match.
  struct Reference {
    let generator: CorrelatedShockGenerator
    let shocks: [Double]
    let perPath: Int

    init(_ config: GeneratorCase) {
      generator = config.generator
      shocks = generator.shocks(paths: pathRange, steps: steps)
      perPath = steps * generator.assetCount
    }
  }

  @Test(
    "Same bytes whether paths are filled at once or in blocks of 1, 7 and 256",
    arguments: GeneratorCase.all)
  func blockSizeInvariance(_ config: GeneratorCase) {
    let reference = Reference(config)
    let perPath = reference.perPath
    for blockSize in [1, 7, 256] {
      var chunked = [Double](repeating: .nan, count: reference.shocks.count)
      chunked.withUnsafeMutableBufferPointer { buffer in
        for start in stride(
          from: Self.pathRange.lowerBound, to: Self.pathRange.upperBound, by: blockSize)
        {
          let block = start..<min(start + blockSize, Self.pathRange.upperBound)
          let offset = (start - Self.pathRange.lowerBound) * perPath
          reference.generator.fill(
            paths: block, steps: Self.steps,
            into: UnsafeMutableBufferPointer(
              rebasing: buffer[offset..<(offset + block.count * perPath)]))
        }
      }
      #expect(sameBytes(chunked, reference.shocks), "block size \(blockSize)")
    }
    // Any one path can be regenerated alone, at any address.
    let path = 1234
    let start = (path - Self.pathRange.lowerBound) * perPath
    for shift in 0..<4 {
      var alone = [Double](repeating: .nan, count: perPath + shift)
      alone.withUnsafeMutableBufferPointer {
        reference.generator.fill(path: path, steps: Self.steps, into: $0.baseAddress! + shift)
      }
      #expect(
        sameBytes(Array(alone[shift...]), Array(reference.shocks[start..<(start + perPath)])),
        "path \(path) alone, \(shift) doubles past an aligned address")
    }
  }

  @Test(
    "Same bytes from one thread and from two threads filling disjoint slices",
    arguments: GeneratorCase.all)
  func threadInvariance(_ config: GeneratorCase) {
    let reference = Reference(config)
    let perPath = reference.perPath
    let half = Self.pathRange.count / 2
    var parallel = [Double](repeating: .nan, count: reference.shocks.count)
    parallel.withUnsafeMutableBufferPointer { buffer in
      nonisolated(unsafe) let base = buffer.baseAddress!
      DispatchQueue.concurrentPerform(iterations: 2) { worker in
        let first = Self.pathRange.lowerBound + worker * half
        let paths = first..<(worker == 0 ? first + half : Self.pathRange.upperBound)
        let slice = UnsafeMutableBufferPointer(
          start: base + worker * half * perPath, count: paths.count * perPath)
        reference.generator.fill(paths: paths, steps: Self.steps, into: slice)
      }
    }
    #expect(sameBytes(parallel, reference.shocks))
  }

  /// Steps 0…6 and 14…20 use factor 0 (the scenario's correlation), steps 7…13 factor 1 (a
  /// stressed one), as a correlation stress over a window compiles.
  static let window: [UInt16] = (0..<21).map { (7...13).contains($0) ? 1 : 0 }

  static func stressed(_ base: CorrelationMatrix) throws -> CorrelationMatrix {
    var m = base.matrix
    let n = m.rows
    for i in 0..<n {
      for j in 0..<n where i != j { m[i, j] = 0.3 * m[i, j] + 0.7 * 0.9 }
    }
    return try CorrelationMatrix(m)
  }

  static func shocks(
    _ generator: CorrelatedShockGenerator, path: Int, schedule: [UInt16]?
  ) -> [Double] {
    let steps = schedule?.count ?? Self.window.count
    var out = [Double](repeating: .nan, count: steps * generator.assetCount)
    out.withUnsafeMutableBufferPointer { buffer in
      if let schedule {
        schedule.withUnsafeBufferPointer {
          generator.fill(
            path: path, steps: steps, into: buffer.baseAddress!,
            factorByStep: $0.baseAddress!)
        }
      } else {
        generator.fill(path: path, steps: steps, into: buffer.baseAddress!)
      }
    }
    return out
  }

  @Test("A per-step schedule correlates each step by its own factor", arguments: GeneratorCase.all)
  func perStepFactors(_ config: GeneratorCase) throws {
    let base = config.correlation
    let correlations = [base, try Self.stressed(base)]
    let generator = try CorrelatedShockGenerator(
      factors: CorrelationFactors(correlations), seed: 5, distribution: config.distribution)
    let n = generator.assetCount
    let plain = [0, 1].map {
      try! CorrelatedShockGenerator(
        correlation: correlations[$0], seed: 5, distribution: config.distribution
      ).shocks(paths: 17..<18, steps: Self.window.count)
    }
    let mixed = Self.shocks(generator, path: 17, schedule: Self.window)
    for (t, factor) in Self.window.enumerated() {
      let row = (t * n)..<((t + 1) * n)
      let expected = Array(plain[Int(factor)][row])
      let difference = zip(mixed[row], expected).map { abs($0 - $1) }.max() ?? 0
      #expect(difference < 1e-13, "step \(t), factor \(factor): largest difference \(difference)")
    }
  }

  @Test(
    "Common random numbers: steps outside a correlation window keep the baseline's bits",
    arguments: GeneratorCase.all)
  func commonRandomNumbers(_ config: GeneratorCase) throws {
    let base = config.correlation
    let generator = try CorrelatedShockGenerator(
      factors: CorrelationFactors([base, try Self.stressed(base)]), seed: 6,
      distribution: config.distribution)
    let n = generator.assetCount
    for path in [0, 1, 999] {
      let baseline = Self.shocks(generator, path: path, schedule: nil)
      let allBase = Self.shocks(generator, path: path, schedule: Self.window.map { _ in 0 })
      #expect(sameBytes(allBase, baseline), "an all-zero schedule, path \(path)")
      let stressed = Self.shocks(generator, path: path, schedule: Self.window)
      let differing = Self.window.indices.filter { t in
        let row = (t * n)..<((t + 1) * n)
        return Self.window[t] == 0 && !sameBytes(Array(stressed[row]), Array(baseline[row]))
      }
      #expect(differing.isEmpty, "path \(path): steps \(differing) outside the window differ")
    }
  }
}
