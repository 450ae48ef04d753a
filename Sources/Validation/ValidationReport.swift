import Risk

/// `report.json`: how a run's synthetic paths compare with a real price history, and how its
/// variants differ. `report.html` draws the same object.
///
/// A band's numbers that are undefined (a Hill index without enough positive tail values, a
/// kurtosis of a constant series) are JSON `null`; any other non-finite number (a risk figure of
/// paths that hold NaN) is written as the string `"NaN"`, `"Infinity"` or `"-Infinity"`, as in
/// `summary.json`.
public struct ValidationReport: Codable, Sendable {
  public var engine = "scengine"
  public var version: String
  public var formatVersion = 1
  /// The run that was validated.
  public var run: RunInfo
  /// The real series, when `--real` was given.
  public var real: RealInfo?
  /// The number of returns n each statistic is computed over: the first n steps of every path
  /// and the last n returns of the real series, n the shorter of the two.
  public var returnsCompared: Int
  /// Which series set n: `"real"`, `"synthetic"` or `"equal"` (or `"synthetic"` without real).
  public var shorter: String
  /// Paths per variant that make up the ensemble (the first `ensemblePaths` of the run).
  public var ensemblePaths: Int
  /// The share of the first variant's scored statistics whose real value lies inside the
  /// ensemble's 5–95% band; `nil` without a real series.
  public var score: Double?
  /// One entry per validated variant, in the order asked for (the run's order by default).
  public var variants: [VariantReport]
  /// The variants' risk figures (from their `summary.json`) and their differences to the first.
  public var risk: [VariantRisk]
  /// Wall time of the validation, in seconds.
  public var seconds: Double

  enum CodingKeys: String, CodingKey {
    case engine, version, run, real, shorter, score, variants, risk, seconds
    case formatVersion = "format_version"
    case returnsCompared = "returns_compared"
    case ensemblePaths = "ensemble_paths"
  }

  public init(
    version: String, run: RunInfo, real: RealInfo?, returnsCompared: Int, shorter: String,
    ensemblePaths: Int, score: Double?, variants: [VariantReport], risk: [VariantRisk],
    seconds: Double
  ) {
    self.version = version
    self.run = run
    self.real = real
    self.returnsCompared = returnsCompared
    self.shorter = shorter
    self.ensemblePaths = ensemblePaths
    self.score = score
    self.variants = variants
    self.risk = risk
    self.seconds = seconds
  }
}

/// The run a report describes, from its manifest.
public struct RunInfo: Codable, Sendable {
  /// The run directory, as given on the command line.
  public var directory: String
  public var scenario: String
  public var seed: UInt64
  public var paths: Int
  public var steps: Int
  /// Years per step.
  public var dt: Double
  public var assets: [String]
  /// The assets the report covers (the run's, or `--columns`), in the run's order.
  public var validatedAssets: [String]
  /// Initial prices of the validated assets.
  public var initial: [Double]
  /// The run's step dates (`steps + 1` of them) when the scenario is dated.
  public var dates: [String]?
  /// SHA-256 of the run's `manifest.json`.
  public var manifestSHA256: String

  enum CodingKeys: String, CodingKey {
    case directory, scenario, seed, paths, steps, dt, assets, initial, dates
    case validatedAssets = "validated_assets"
    case manifestSHA256 = "manifest_sha256"
  }

  public init(
    directory: String, scenario: String, seed: UInt64, paths: Int, steps: Int, dt: Double,
    assets: [String], validatedAssets: [String], initial: [Double], dates: [String]?,
    manifestSHA256: String
  ) {
    self.directory = directory
    self.scenario = scenario
    self.seed = seed
    self.paths = paths
    self.steps = steps
    self.dt = dt
    self.assets = assets
    self.validatedAssets = validatedAssets
    self.initial = initial
    self.dates = dates
    self.manifestSHA256 = manifestSHA256
  }
}

/// The real price history a report compares with.
public struct RealInfo: Codable, Sendable {
  /// The CSV file, as given.
  public var file: String
  /// Its columns used, one per validated asset, in the same order.
  public var columns: [String]
  /// The first and last row used (dates or indices, as the file writes them).
  public var first: String
  public var last: String
  /// The number of returns in the selected rows (all of them feed the pooled distributions).
  public var returns: Int
  /// The first and last row of the window of the last `returns_compared` returns (per-path
  /// statistics).
  public var windowFirst: String
  public var windowLast: String
  /// Rows dropped because a selected column had an empty cell.
  public var rowsDropped: Int

  enum CodingKeys: String, CodingKey {
    case file, columns, first, last, returns
    case windowFirst = "window_first"
    case windowLast = "window_last"
    case rowsDropped = "rows_dropped"
  }

  public init(
    file: String, columns: [String], first: String, last: String, returns: Int,
    windowFirst: String, windowLast: String, rowsDropped: Int
  ) {
    self.file = file
    self.columns = columns
    self.first = first
    self.last = last
    self.returns = returns
    self.windowFirst = windowFirst
    self.windowLast = windowLast
    self.rowsDropped = rowsDropped
  }
}

/// Where a real value stands in a synthetic ensemble of per-path values.
public struct Band: Codable, Sendable, Equatable {
  /// The ensemble's median, 5% and 95% quantiles (numpy's default linear interpolation) over
  /// the paths on which the statistic is defined.
  public var median: Double?
  public var p05: Double?
  public var p95: Double?
  /// The number of paths on which the statistic is defined (finite).
  public var defined: Int
  /// The real series' value.
  public var real: Double?
  /// The real value's percentile rank in the ensemble, 0–100: the share of values below it plus
  /// half the share equal to it (scipy's `percentileofscore(kind="mean")`).
  public var rank: Double?
  /// Whether p05 ≤ real ≤ p95; `nil` without a real value or a band.
  public var inside: Bool?

  public init(
    median: Double?, p05: Double?, p95: Double?, defined: Int, real: Double?, rank: Double?,
    inside: Bool?
  ) {
    self.median = median
    self.p05 = p05
    self.p95 = p95
    self.defined = defined
    self.real = real
    self.rank = rank
    self.inside = inside
  }
}

/// One scalar statistic of one asset: its key, a label for people, its group and its band.
public struct Statistic: Codable, Sendable {
  /// The key (`excess_kurtosis`, `acf_abs_sum`, …; see `StatisticKind`).
  public var name: String
  /// A label with units, for the page.
  public var label: String
  /// The stylized fact it speaks to (`moments`, `tails`, `autocorrelation`, …).
  public var group: String
  public var band: Band

  public init(name: String, label: String, group: String, band: Band) {
    self.name = name
    self.label = label
    self.group = group
    self.band = band
  }
}

/// A statistic per lag (autocorrelation of |r| and r², leverage): one band per lag.
public struct Curve: Codable, Sendable {
  /// `acf_abs`, `acf_sq` or `leverage`.
  public var name: String
  public var label: String
  public var lags: [Int]
  public var bands: [Band]

  public init(name: String, label: String, lags: [Int], bands: [Band]) {
    self.name = name
    self.label = label
    self.lags = lags
    self.bands = bands
  }
}

/// The distance between the real and the pooled synthetic returns at one horizon.
public struct DistributionDistance: Codable, Sendable {
  /// Steps per return: 1, 5 or 21 (non-overlapping sums of consecutive log returns).
  public var horizon: Int
  /// The number of real and of pooled synthetic returns compared.
  public var realCount: Int
  public var syntheticCount: Int
  /// The two-sample Kolmogorov–Smirnov statistic sup |F_real − F_synthetic|.
  public var ks: Double
  /// The Wasserstein-1 distance ∫ |F_real − F_synthetic| dx, in log-return units.
  public var wasserstein: Double

  enum CodingKeys: String, CodingKey {
    case horizon, ks, wasserstein
    case realCount = "real_count"
    case syntheticCount = "synthetic_count"
  }

  public init(horizon: Int, realCount: Int, syntheticCount: Int, ks: Double, wasserstein: Double) {
    self.horizon = horizon
    self.realCount = realCount
    self.syntheticCount = syntheticCount
    self.ks = ks
    self.wasserstein = wasserstein
  }
}

/// What the page draws for one asset of one variant.
public struct AssetCharts: Codable, Sendable {
  /// Fan chart: price quantiles (5, 25, 50, 75, 95%) of the ensemble at every step 0…steps,
  /// `fan[q][t]`.
  public var fanLevels: [Double]
  public var fan: [[Double]]
  /// The real prices before the run (the last rows of the real series, up to `steps + 1`),
  /// oldest first, ending with the last real price; plotted at steps −k…0.
  public var realHistory: [Double]?
  /// Histogram of one-step log returns: 60 equal bins from the least to the greatest of the
  /// real returns and the pooled synthetic returns' 0.05% and 99.95% quantiles; densities
  /// (count in the bin / (all values · bin width), per unit of log return) of the pooled
  /// synthetic returns, of the real returns, and of the normal with the synthetic mean and
  /// deviation at the bin centres.
  public var histogramEdges: [Double]
  public var histogramSynthetic: [Double]
  public var histogramReal: [Double]?
  public var histogramNormal: [Double]
  /// QQ plot against the standard normal: probabilities, the normal quantiles, and the
  /// standardized synthetic (pooled) and real return quantiles at those probabilities.
  public var qqProbabilities: [Double]
  public var qqNormal: [Double]
  public var qqSynthetic: [Double]
  public var qqReal: [Double]?
  /// Histogram of per-path maximum drawdowns (fractions of the peak): edges and densities.
  public var drawdownEdges: [Double]
  public var drawdownDensity: [Double]

  enum CodingKeys: String, CodingKey {
    case fan
    case fanLevels = "fan_levels"
    case realHistory = "real_history"
    case histogramEdges = "histogram_edges"
    case histogramSynthetic = "histogram_synthetic"
    case histogramReal = "histogram_real"
    case histogramNormal = "histogram_normal"
    case qqProbabilities = "qq_probabilities"
    case qqNormal = "qq_normal"
    case qqSynthetic = "qq_synthetic"
    case qqReal = "qq_real"
    case drawdownEdges = "drawdown_edges"
    case drawdownDensity = "drawdown_density"
  }

  public init(
    fanLevels: [Double], fan: [[Double]], realHistory: [Double]?, histogramEdges: [Double],
    histogramSynthetic: [Double], histogramReal: [Double]?, histogramNormal: [Double],
    qqProbabilities: [Double], qqNormal: [Double], qqSynthetic: [Double], qqReal: [Double]?,
    drawdownEdges: [Double], drawdownDensity: [Double]
  ) {
    self.fanLevels = fanLevels
    self.fan = fan
    self.realHistory = realHistory
    self.histogramEdges = histogramEdges
    self.histogramSynthetic = histogramSynthetic
    self.histogramReal = histogramReal
    self.histogramNormal = histogramNormal
    self.qqProbabilities = qqProbabilities
    self.qqNormal = qqNormal
    self.qqSynthetic = qqSynthetic
    self.qqReal = qqReal
    self.drawdownEdges = drawdownEdges
    self.drawdownDensity = drawdownDensity
  }
}

/// One asset of one variant.
public struct AssetReport: Codable, Sendable {
  public var name: String
  /// The scored statistics (the score counts these).
  public var statistics: [Statistic]
  /// Lag-by-lag curves, shown with their bands; their sums are scored statistics.
  public var curves: [Curve]
  /// KS and Wasserstein-1 distances at horizons 1, 5 and 21; `nil` without a real series.
  public var distributions: [DistributionDistance]?
  public var charts: AssetCharts

  public init(
    name: String, statistics: [Statistic], curves: [Curve],
    distributions: [DistributionDistance]?, charts: AssetCharts
  ) {
    self.name = name
    self.statistics = statistics
    self.curves = curves
    self.distributions = distributions
    self.charts = charts
  }
}

/// The correlation of returns across the validated assets (two or more).
public struct CorrelationReport: Codable, Sendable {
  /// The real returns' correlation over the compared window.
  public var real: [[Double]]?
  /// The mean over the ensemble's paths of each path's correlation matrix.
  public var synthetic: [[Double]]
  /// The Frobenius distance ‖real − synthetic‖ (the distance to the real matrix).
  public var distance: Double?
  /// The band of each path's Frobenius distance to `synthetic`, with the real matrix's own
  /// distance to `synthetic` as the real value: inside when the real matrix is as close to the
  /// model's mean as a typical path is. Scored.
  public var statistic: Statistic

  public init(real: [[Double]]?, synthetic: [[Double]], distance: Double?, statistic: Statistic) {
    self.real = real
    self.synthetic = synthetic
    self.distance = distance
    self.statistic = statistic
  }
}

/// The stylized facts of one variant's ensemble.
public struct VariantReport: Codable, Sendable {
  public var name: String
  /// The share of scored statistics inside their band; `nil` without a real series.
  public var score: Double?
  /// Scored statistics inside their band, and scored statistics with a verdict.
  public var inside: Int
  public var scored: Int
  public var assets: [AssetReport]
  public var correlation: CorrelationReport?

  public init(
    name: String, score: Double?, inside: Int, scored: Int, assets: [AssetReport],
    correlation: CorrelationReport?
  ) {
    self.name = name
    self.score = score
    self.inside = inside
    self.scored = scored
    self.assets = assets
    self.correlation = correlation
  }
}

/// Risk figures of one series (an asset or the portfolio) of one variant, from `summary.json`,
/// with their differences to the first variant's.
public struct SeriesRisk: Codable, Sendable {
  /// The asset's name, or `portfolio`.
  public var series: String
  /// VaR and ES of the terminal simple return at 95% and 99%, as positive loss fractions.
  public var var95: Double
  public var var99: Double
  public var es95: Double
  public var es99: Double
  /// Quantiles of the per-path maximum drawdown, keyed as in `summary.json`.
  public var drawdown: [String: Double]
  /// This variant's figures minus the first variant's (zero for the first).
  public var difference: [String: Double]

  enum CodingKeys: String, CodingKey {
    case series, drawdown, difference
    case var95 = "var_95"
    case var99 = "var_99"
    case es95 = "es_95"
    case es99 = "es_99"
  }

  public init(
    series: String, var95: Double, var99: Double, es95: Double, es99: Double,
    drawdown: [String: Double], difference: [String: Double]
  ) {
    self.series = series
    self.var95 = var95
    self.var99 = var99
    self.es95 = es95
    self.es99 = es99
    self.drawdown = drawdown
    self.difference = difference
  }
}

/// One variant's risk figures.
public struct VariantRisk: Codable, Sendable {
  public var variant: String
  public var paths: Int
  /// The portfolio first (when the run has weights), then each validated asset.
  public var series: [SeriesRisk]

  public init(variant: String, paths: Int, series: [SeriesRisk]) {
    self.variant = variant
    self.paths = paths
    self.series = series
  }
}

// Optional fields are written as JSON `null`, never left out, so that every report has the same
// keys (synthesized encoding would omit them).
extension ValidationReport {
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(engine, forKey: .engine)
    try c.encode(version, forKey: .version)
    try c.encode(formatVersion, forKey: .formatVersion)
    try c.encode(run, forKey: .run)
    try c.encode(real, forKey: .real)
    try c.encode(returnsCompared, forKey: .returnsCompared)
    try c.encode(shorter, forKey: .shorter)
    try c.encode(ensemblePaths, forKey: .ensemblePaths)
    try c.encode(score, forKey: .score)
    try c.encode(variants, forKey: .variants)
    try c.encode(risk, forKey: .risk)
    try c.encode(seconds, forKey: .seconds)
  }
}

extension RunInfo {
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(directory, forKey: .directory)
    try c.encode(scenario, forKey: .scenario)
    try c.encode(seed, forKey: .seed)
    try c.encode(paths, forKey: .paths)
    try c.encode(steps, forKey: .steps)
    try c.encode(dt, forKey: .dt)
    try c.encode(assets, forKey: .assets)
    try c.encode(validatedAssets, forKey: .validatedAssets)
    try c.encode(initial, forKey: .initial)
    try c.encode(dates, forKey: .dates)
    try c.encode(manifestSHA256, forKey: .manifestSHA256)
  }
}

extension Band {
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(median, forKey: .median)
    try c.encode(p05, forKey: .p05)
    try c.encode(p95, forKey: .p95)
    try c.encode(defined, forKey: .defined)
    try c.encode(real, forKey: .real)
    try c.encode(rank, forKey: .rank)
    try c.encode(inside, forKey: .inside)
  }
}

extension AssetCharts {
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(fanLevels, forKey: .fanLevels)
    try c.encode(fan, forKey: .fan)
    try c.encode(realHistory, forKey: .realHistory)
    try c.encode(histogramEdges, forKey: .histogramEdges)
    try c.encode(histogramSynthetic, forKey: .histogramSynthetic)
    try c.encode(histogramReal, forKey: .histogramReal)
    try c.encode(histogramNormal, forKey: .histogramNormal)
    try c.encode(qqProbabilities, forKey: .qqProbabilities)
    try c.encode(qqNormal, forKey: .qqNormal)
    try c.encode(qqSynthetic, forKey: .qqSynthetic)
    try c.encode(qqReal, forKey: .qqReal)
    try c.encode(drawdownEdges, forKey: .drawdownEdges)
    try c.encode(drawdownDensity, forKey: .drawdownDensity)
  }
}

extension AssetReport {
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(statistics, forKey: .statistics)
    try c.encode(curves, forKey: .curves)
    try c.encode(distributions, forKey: .distributions)
    try c.encode(charts, forKey: .charts)
  }
}

extension CorrelationReport {
  /// An undefined entry (an asset constant over the window has no correlation) is `null`.
  public func encode(to encoder: any Encoder) throws {
    func nullable(_ m: [[Double]]) -> [[Double?]] { m.map { $0.map { $0.isNaN ? nil : $0 } } }
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(real.map(nullable), forKey: .real)
    try c.encode(nullable(synthetic), forKey: .synthetic)
    try c.encode(distance, forKey: .distance)
    try c.encode(statistic, forKey: .statistic)
  }
}

extension VariantReport {
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(score, forKey: .score)
    try c.encode(inside, forKey: .inside)
    try c.encode(scored, forKey: .scored)
    try c.encode(assets, forKey: .assets)
    try c.encode(correlation, forKey: .correlation)
  }
}
