import ArgumentParser
import Randomness

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension SobolScrambling: ExpressibleByArgument {}

/// `scengine sobol`: points of the Sobol' sequence, for checks against other implementations.
struct SobolCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sobol",
    abstract: "Print points of the Sobol' sequence (Joe–Kuo direction numbers).",
    discussion: """
      Points FIRST..<FIRST+POINTS in natural order (point i is the XOR of the direction \
      integers of the set bits of i; SciPy's Sobol returns them in Gray-code order), one line \
      per point, coordinates (digits + 0.5) / 2^32 as %.17g separated by spaces; with \
      --digits, the 32-bit digits as decimal integers. In `run`, path i is point i when \
      scrambled; with `scramble: none`, point i + 1 (the origin, point 0, is skipped).

        scengine sobol --dimensions 3 --points 8 --scramble owen --seed 1
      """
  )

  // Numeric options take the next argument even when it starts with a dash, so that
  // `--points -1` is reported as out of range (by `validate`) rather than as a missing value.
  @Option(
    parsing: .unconditional,
    help: "Coordinates per point (1 to \(SobolSequence.maximumDimensions)).")
  var dimensions: Int

  @Option(parsing: .unconditional, help: "How many points to print (at least 1).")
  var points: Int

  @Option(help: "Randomization of the digits: none, owen or shift.")
  var scramble: SobolScrambling = .none

  @Option(parsing: .unconditional, help: "The 64-bit seed of the randomization.")
  var seed: UInt64 = 0

  @Option(parsing: .unconditional, help: "The index of the first point printed.")
  var first: Int = 0

  @Flag(help: "Print the 32-bit digits as integers instead of the coordinates.")
  var digits = false

  func validate() throws {
    let maximum = SobolSequence.maximumDimensions
    guard dimensions >= 1 && dimensions <= maximum else {
      throw ValidationError("--dimensions must be between 1 and \(maximum), got \(dimensions).")
    }
    guard points >= 1 else { throw ValidationError("--points must be at least 1, got \(points).") }
    guard first >= 0 else { throw ValidationError("--first must be at least 0, got \(first).") }
    let limit = SobolSequence.maximumPoints
    guard first <= limit - points else {
      throw ValidationError(
        "--first + --points must be at most 2^32 = \(limit) (32-bit digits), got \(first) + \(points)."
      )
    }
  }

  func run() throws {
    let sobol = try SobolSequence(dimensions: dimensions, scrambling: scramble, seed: seed)
    var integers = [UInt32](repeating: 0, count: dimensions)
    var text: [UInt8] = []
    text.reserveCapacity(1 << 17)
    var number = [CChar](repeating: 0, count: 32)
    for index in first..<(first + points) {
      integers.withUnsafeMutableBufferPointer {
        sobol.fillIntegers(point: index, into: $0.baseAddress!)
      }
      for (d, x) in integers.enumerated() {
        if d > 0 { text.append(UInt8(ascii: " ")) }
        if digits {
          text.append(contentsOf: String(x).utf8)
        } else {
          let u = (Double(x) + 0.5) * 0x1p-32
          let length = number.withUnsafeMutableBufferPointer { buffer in
            withVaList([u]) { vsnprintf(buffer.baseAddress!, buffer.count, "%.17g", $0) }
          }
          number.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) {
              text.append(contentsOf: $0.prefix(Int(length)))
            }
          }
        }
      }
      text.append(UInt8(ascii: "\n"))
      // SIGPIPE is ignored (`prepareProcess`): a reader that has gone away ends the output.
      if text.count >= 1 << 16 {
        guard standardOutput.send(String(decoding: text, as: UTF8.self)) else { return }
        text.removeAll(keepingCapacity: true)
      }
    }
    if !text.isEmpty { standardOutput.send(String(decoding: text, as: UTF8.self)) }
  }
}
