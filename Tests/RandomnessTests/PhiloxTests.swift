import Randomness
import Testing

/// The four words of a block, as an array (tuples do not print or compare in `#expect`).
func words(_ block: (UInt32, UInt32, UInt32, UInt32)) -> [UInt32] {
  [block.0, block.1, block.2, block.3]
}

func hex(_ words: [UInt32]) -> String {
  words.map { word in
    let digits = String(word, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }.joined(separator: " ")
}

/// One Random123 known-answer vector for Philox4x32-10 (`kat_vectors`).
struct KnownAnswer: Sendable, CustomTestStringConvertible {
  let counter: (UInt32, UInt32, UInt32, UInt32)
  let key: (UInt32, UInt32)
  let output: [UInt32]
  var testDescription: String { "ctr \(hex(words(counter)))" }

  static let all = [
    KnownAnswer(
      counter: (0, 0, 0, 0), key: (0, 0),
      output: [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
    KnownAnswer(
      counter: (0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff),
      key: (0xffff_ffff, 0xffff_ffff),
      output: [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
    KnownAnswer(
      counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
      key: (0xa409_3822, 0x299f_31d0),
      output: [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]),
  ]
}

@Suite("Philox4x32-10")
struct PhiloxTests {
  @Test("Random123 known-answer vectors", arguments: KnownAnswer.all)
  func knownAnswer(_ vector: KnownAnswer) {
    let observed = words(Philox4x32.block(counter: vector.counter, key: vector.key))
    #expect(
      observed == vector.output,
      "expected \(hex(vector.output)), observed \(hex(observed))")
  }

  @Test("The seed's low 32 bits are key word 0, its high 32 bits key word 1")
  func seedToKey() {
    let vector = KnownAnswer.all[2]
    var rng = Philox4x32(seed: 0x299f_31d0_a409_3822, counter: vector.counter)
    #expect([rng.key.0, rng.key.1] == [vector.key.0, vector.key.1])
    #expect(words(rng.nextBlock()) == vector.output)
    let explicit = Philox4x32(key: (0xa409_3822, 0x299f_31d0))
    let seeded = Philox4x32(seed: 0x299f_31d0_a409_3822)
    #expect([explicit.key.0, explicit.key.1] == [seeded.key.0, seeded.key.1])
  }

  @Test("next() returns words 0|1 then 2|3 of each block, first word in the low half")
  func wordOrder() {
    var rng = Philox4x32(seed: 0)
    #expect(rng.next() == 0xe169_c58d_6627_e8d5)
    #expect(rng.next() == 0x9b00_dbd8_bc57_ac4c)
    #expect(words(rng.counter) == [1, 0, 0, 0])
    let second = words(Philox4x32.block(counter: (1, 0, 0, 0), key: (0, 0)))
    #expect(rng.next() == UInt64(second[0]) | UInt64(second[1]) << 32)
  }

  /// (counter before a block, counter after it): the 128-bit counter increments with carry.
  static let carries: [([UInt32], [UInt32])] = [
    ([0, 0, 0, 0], [1, 0, 0, 0]),
    ([0xffff_ffff, 0, 7, 9], [0, 1, 7, 9]),
    ([0xffff_ffff, 0xffff_ffff, 0, 0], [0, 0, 1, 0]),
    ([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0], [0, 0, 0, 1]),
    ([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0, 0, 0, 0]),
  ]

  @Test("The counter increments with carry across words", arguments: carries)
  func counterCarry(before: [UInt32], after: [UInt32]) {
    let counter = (before[0], before[1], before[2], before[3])
    var rng = Philox4x32(key: (0x1234_5678, 0x9abc_def0), counter: counter)
    let block = rng.nextBlock()
    #expect(words(block) == words(Philox4x32.block(counter: counter, key: rng.key)))
    #expect(words(rng.counter) == after)
    // The next block is the bijection at the incremented counter.
    let next = words(Philox4x32.block(counter: rng.counter, key: rng.key))
    #expect(words(rng.nextBlock()) == next)
  }
}
