import Processes
import Testing

/// Invariant 1 of the design: the numbers of path i depend only on (process, seed, grid,
/// schedule, i), never on block size, thread count or which other paths run with it.
@Suite("Invariant 1: path-addressed output")
struct InvarianceTests {
  static let seed: UInt64 = 0xDEC0_DE00_0001
  /// Not a multiple of 7 or 256, so that the last block is short.
  static let paths = 300

  struct Layout: Sendable, CustomTestStringConvertible {
    let blockSize: Int
    let threads: Int
    var testDescription: String { "blocks of \(blockSize), \(threads) thread(s)" }
  }

  static let layouts = [1, 7, 256].flatMap { b in [1, 2].map { Layout(blockSize: b, threads: $0) } }

  @Test("Bit-identical across block sizes and thread counts", arguments: Model.allCases, layouts)
  func blocksAndThreads(model: Model, layout: Layout) throws {
    for schedule in [nil, model.stressedSchedule] {
      let what =
        "\(model) \(schedule == nil ? "unstressed" : "stressed"), \(layout.testDescription)"
      let serial = try simulate(
        model.process, paths: Self.paths, grid: model.grid, seed: Self.seed, schedule: schedule,
        threads: nil)
      let split = try simulate(
        model.process, paths: Self.paths, grid: model.grid, seed: Self.seed, schedule: schedule,
        threads: layout.threads, blockSize: layout.blockSize)
      expectIdentical(serial, split, what)
    }
  }

  @Test(
    "Any range of paths, or one path alone, regenerates the same numbers", arguments: Model.allCases
  )
  func pathsAlone(model: Model) throws {
    let all = try simulate(
      model.process, paths: Self.paths, grid: model.grid, seed: Self.seed, threads: nil)
    for range in [123..<200, 299..<300, 0..<1] {
      let part = try simulate(
        model.process, paths: range, grid: model.grid, seed: Self.seed, threads: 2, blockSize: 7)
      expectIdentical(part, all.subset(range), "\(model) paths \(range)")
    }
  }

  @Test("Another seed or another path gives other numbers", arguments: Model.allCases)
  func seedsAndPathsMatter(model: Model) throws {
    let a = try simulate(model.process, paths: 2, grid: model.grid, seed: Self.seed)
    let b = try simulate(model.process, paths: 2, grid: model.grid, seed: Self.seed + 1)
    #expect(a.logReturns != b.logReturns, "\(model): seeds \(Self.seed) and \(Self.seed + 1) agree")
    #expect(a.path(0).logReturns != a.path(1).logReturns, "\(model): paths 0 and 1 agree")
  }
}
