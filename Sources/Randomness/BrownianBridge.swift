/// Brownian-bridge construction of a standard Brownian motion on the grid t = 1…N (unit steps)
/// from N independent standard normals: normal 0 sets W_N = √N z_0, then midpoints in order
/// of importance (Glasserman, Monte Carlo Methods in Financial Engineering, 2004, §3.1 /
/// Jäckel 2002 for N not a power of two). Returns the N increments W_t − W_{t−1}, each N(0,1),
/// independent in distribution.
///
/// Normal `i ≥ 1` fills the point `l` strictly inside the gap `(j, k)` between two points
/// already set (`W_0 = 0` on the left), with the bridge's conditional law
///
///     W_l = ((k − l) W_j + (l − j) W_k) / (k − j) + √((l − j)(k − l)/(k − j)) z_i,
///
/// `l = j + ⌊(k − j)/2⌋` (the middle, the left one of two). Gaps are split breadth first, left
/// to right in each pass, the order of P. Jäckel, Monte Carlo Methods in Finance (Wiley, 2002),
/// ch. 10, and of QuantLib's `BrownianBridge`: with a low-discrepancy sequence the first
/// coordinates, the best distributed, decide the terminal value and the coarse shape of the
/// path. The map from normals to increments is linear with an orthogonal matrix, so iid
/// standard normal inputs give iid standard normal increments.
public struct BrownianBridge: Sendable {
  /// The number of unit steps `N`.
  public let steps: Int
  /// For normal `i`: the index (time − 1) of the value it sets, the left neighbour's time
  /// (0 for `W_0`, else the value at index time − 1), the right neighbour's index, the two
  /// weights and the standard deviation of the bridge's conditional law.
  @usableFromInline let target: [Int]
  @usableFromInline let left: [Int]
  @usableFromInline let right: [Int]
  @usableFromInline let leftWeight: [Double]
  @usableFromInline let rightWeight: [Double]
  @usableFromInline let standardDeviation: [Double]

  /// The construction for `steps` unit steps.
  ///
  /// - Precondition: `steps >= 1`.
  public init(steps: Int) {
    precondition(steps >= 1, "a Brownian bridge needs at least one step")
    self.steps = steps
    var target = [Int](repeating: 0, count: steps)
    var left = [Int](repeating: 0, count: steps)
    var right = [Int](repeating: 0, count: steps)
    var leftWeight = [Double](repeating: 0, count: steps)
    var rightWeight = [Double](repeating: 0, count: steps)
    var standardDeviation = [Double](repeating: 0, count: steps)
    // Times are t = index + 1; `filled[index]` once W_t is set.
    var filled = [Bool](repeating: false, count: steps)
    filled[steps - 1] = true
    target[0] = steps - 1
    standardDeviation[0] = Double(steps).squareRoot()
    var j = 0
    for i in 1..<steps {
      // The next gap: indices j..<k empty, k filled; W_j's left neighbour is time j (index
      // j − 1, or W_0 when j = 0).
      while filled[j] { j += 1 }
      var k = j
      while !filled[k] { k += 1 }
      let l = j + (k - 1 - j) / 2
      filled[l] = true
      target[i] = l
      left[i] = j
      right[i] = k
      // Times: left tl = j, middle tm = l + 1, right tr = k + 1.
      let (tl, tm, tr) = (Double(j), Double(l + 1), Double(k + 1))
      leftWeight[i] = (tr - tm) / (tr - tl)
      rightWeight[i] = (tm - tl) / (tr - tl)
      standardDeviation[i] = ((tm - tl) * (tr - tm) / (tr - tl)).squareRoot()
      j = k + 1
      if j >= steps { j = 0 }
    }
    self.target = target
    self.left = left
    self.right = right
    self.leftWeight = leftWeight
    self.rightWeight = rightWeight
    self.standardDeviation = standardDeviation
  }

  /// The `steps` increments `W_t − W_(t−1)` (t = 1…N) built from the normals
  /// `normals[0], normals[inStride], …` into `out[0], out[outStride], …`.
  ///
  /// - Precondition: both buffers hold `steps` values at their strides (which may be any
  ///   positive integers); they must not overlap.
  /// - Complexity: O(steps), no allocation.
  @inlinable
  public func increments(
    from normals: UnsafePointer<Double>, stride inStride: Int,
    into out: UnsafeMutablePointer<Double>, stride outStride: Int
  ) {
    target.withUnsafeBufferPointer { target in
      left.withUnsafeBufferPointer { left in
        right.withUnsafeBufferPointer { right in
          leftWeight.withUnsafeBufferPointer { leftWeight in
            rightWeight.withUnsafeBufferPointer { rightWeight in
              standardDeviation.withUnsafeBufferPointer { deviation in
                // W_t at out[(t − 1) · outStride] first.
                out[(steps - 1) * outStride] = deviation[0] * normals[0]
                for i in 1..<steps {
                  var w = rightWeight[i] * out[right[i] * outStride]
                  let j = left[i]
                  if j > 0 { w = leftWeight[i] * out[(j - 1) * outStride] + w }
                  out[target[i] * outStride] = w + deviation[i] * normals[i * inStride]
                }
              }
            }
          }
        }
      }
    }
    var t = steps - 1
    while t > 0 {
      out[t * outStride] -= out[(t - 1) * outStride]
      t -= 1
    }
  }
}
