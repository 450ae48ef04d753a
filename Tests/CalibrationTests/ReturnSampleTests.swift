import Calibration
import Testing

@Suite struct ReturnSampleTests {
  @Test func countsReturnsPerAsset() {
    let sample = ReturnSample(assets: ["A", "B"], returns: [[0.01, -0.02, 0.0], [0, 0, 0.03]])
    #expect(sample.count == 3)
    #expect(sample.timeStep == 1.0 / 252)
  }
}
