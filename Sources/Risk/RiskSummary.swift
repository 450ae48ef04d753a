/// The risk figures of one variant's paths, as written to `<variant>/summary.json`.
public struct RiskSummary: Codable, Sendable, Equatable {
  /// The number of paths summarized.
  public var paths: Int
  /// Figures per asset, keyed by asset name.
  public var assets: [String: AssetRisk]
  /// Figures of the buy-and-hold portfolio, or `nil` (JSON `null`) when the run has no weights.
  public var portfolio: AssetRisk?

  /// Creates a summary from its parts.
  public init(paths: Int, assets: [String: AssetRisk], portfolio: AssetRisk?) {
    self.paths = paths
    self.assets = assets
    self.portfolio = portfolio
  }

  private enum CodingKeys: String, CodingKey { case paths, assets, portfolio }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(paths, forKey: .paths)
    try container.encode(assets, forKey: .assets)
    try container.encode(portfolio, forKey: .portfolio)
  }
}

/// The risk figures of one asset, or of the portfolio, over all paths.
public struct AssetRisk: Codable, Sendable, Equatable {
  /// The distribution of terminal simple returns S_T / S_0 − 1.
  public var terminalReturn: ReturnDistributionSummary
  /// The distribution of per-path maximum drawdowns.
  public var maxDrawdown: DrawdownSummary

  enum CodingKeys: String, CodingKey {
    case terminalReturn = "terminal_return"
    case maxDrawdown = "max_drawdown"
  }

  /// Creates the figures from their two parts.
  public init(terminalReturn: ReturnDistributionSummary, maxDrawdown: DrawdownSummary) {
    self.terminalReturn = terminalReturn
    self.maxDrawdown = maxDrawdown
  }

  /// Summarizes per-path terminal returns and maximum drawdowns (same length, any order).
  public init(terminalReturns: [Double], maxDrawdowns: [Double]) {
    precondition(terminalReturns.count == maxDrawdowns.count)
    self.init(
      terminalReturn: ReturnDistributionSummary(returns: terminalReturns),
      maxDrawdown: DrawdownSummary(drawdowns: maxDrawdowns))
  }
}
