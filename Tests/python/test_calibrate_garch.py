"""`scengine calibrate --model garch|gjr|egarch` against arch (K. Sheppard's `arch` package).

The prices are the S&P 500 closes shipped with arch (`arch.data.sp500`, last 2,501 rows), written
to a CSV at test time. arch fits `arch_model(100 * log returns, mean="Constant", vol=..., p=1,
o=0|1, q=1, dist=...)`; scengine fits the decimal log returns and reports per-step decimal units,
so its estimates are carried to arch's scale before comparing: mu * 100, omega * 100^2 (GARCH,
GJR), EGARCH omega_arch = omega_engine - alpha (E|z| - sqrt(2/pi)) + 2 (1 - beta) ln 100, and
loglik - T ln 100. Acceptance: log-likelihood within 0.01 of arch's, every parameter within 0.05
of arch's standard error.

The binary is $SCENGINE_BIN or .build/release/scengine; the tests are skipped when the binary has
no `calibrate` command yet.
"""

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.special import gammaln

arch = pytest.importorskip("arch")
from arch import arch_model  # noqa: E402
from arch.data import sp500  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CASES = [(model, innov) for model in ("garch", "gjr", "egarch") for innov in ("normal", "student_t")]


def write_prices(path: Path, rows: int) -> np.ndarray:
    prices = sp500.load()["Adj Close"].dropna().iloc[-rows:]
    with path.open("w") as f:
        f.write("date,SPX\n")
        for date, price in prices.items():
            f.write(f"{date.strftime('%Y-%m-%d')},{float(price)!r}\n")
    return np.diff(np.log(prices.to_numpy()))


@pytest.fixture(scope="module")
def prices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("garch")
    csv = folder / "prices.csv"
    returns = write_prices(csv, 2501)
    return csv, returns


def calibrate(scengine: Path, csv: Path, folder: Path, model: str, innov: str) -> dict:
    out, report = folder / f"{model}-{innov}.yaml", folder / f"{model}-{innov}.json"
    result = subprocess.run(
        [str(scengine), "calibrate", str(csv), "--model", model, "--innovations", innov,
         "--out", str(out), "--report", str(report)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(report.read_text()), out


def mean_absolute(nu):
    if nu is None:
        return math.sqrt(2 / math.pi)
    return 2 * math.sqrt(nu - 2) * math.exp(gammaln((nu + 1) / 2) - gammaln(nu / 2)) / (
        math.sqrt(math.pi) * (nu - 1))


def to_arch_scale(model: str, p: dict) -> list:
    """scengine's decimal, engine-convention estimates on arch's 100x scale, in arch's order."""
    nu = p["innovations.student_t"]["estimate"] if "innovations.student_t" in p else None
    alpha, beta = p["alpha"]["estimate"], p["beta"]["estimate"]
    if model == "egarch":
        omega = (p["omega"]["estimate"] - alpha * (mean_absolute(nu) - math.sqrt(2 / math.pi))
                 + 2 * (1 - beta) * math.log(100))
    else:
        omega = p["omega"]["estimate"] * 1e4
    values = [p["mean"]["estimate"] * 100, omega, alpha]
    if model != "garch":
        values.append(p["gamma"]["estimate"])
    values.append(beta)
    if nu is not None:
        values.append(nu)
    return values


def arch_fit(returns: np.ndarray, model: str, innov: str):
    vol = "EGARCH" if model == "egarch" else "GARCH"
    o = 0 if model == "garch" else 1
    dist = "t" if innov == "student_t" else "normal"
    return arch_model(100 * returns, mean="Constant", vol=vol, p=1, o=o, q=1,
                      dist=dist).fit(disp="off")


@pytest.mark.parametrize("model,innov", CASES)
def test_matches_arch(scengine, prices, tmp_path, model, innov):
    csv, returns = prices
    report, scenario = calibrate(scengine, csv, tmp_path, model, innov)
    reference = arch_fit(returns, model, innov)
    fit = report["assets"]["SPX"]
    t = len(returns)
    assert fit["nobs"] == t
    loglik = fit["loglik"] - t * math.log(100)
    assert abs(loglik - reference.loglikelihood) <= 0.01, (
        f"loglik: expected {reference.loglikelihood}, observed {loglik}, tolerance 0.01")
    ours = to_arch_scale(model, fit["parameters"])
    for name, mine, theirs, se in zip(reference.params.index, ours, reference.params,
                                      reference.std_err):
        assert abs(mine - theirs) <= 0.05 * se, (
            f"{name}: expected {theirs}, observed {mine}, tolerance 0.05 SE = {0.05 * se}")
    # Standard errors of the parameters untouched by the change of scale, against arch's robust
    # ones (arch differentiates scores forward, scengine centrally: a loose tolerance).
    keys = ["alpha"] + (["gamma"] if model != "garch" else []) + ["beta"]
    for key in keys:
        name = {"alpha": "alpha[1]", "gamma": "gamma[1]", "beta": "beta[1]"}[key]
        theirs = reference.std_err[name]
        mine = fit["parameters"][key]["robust_std_error"]
        if reference.params[name] != 0:
            assert mine == pytest.approx(theirs, rel=0.1), f"robust SE of {key}"
    variance_next = report["forecast"]["SPX"]["variance_next"]
    forecast = reference.forecast(horizon=1, reindex=False).variance.iloc[-1, 0] / 1e4
    assert variance_next == pytest.approx(forecast, rel=1e-2), "one-step variance forecast"
    text = scenario.read_text()
    assert "garch:" in text and "initial_variance:" in text
    if model != "garch":
        assert f"type: {model}" in text


@pytest.mark.parametrize("model,innov", CASES)
def test_readme_example_prices(scengine, tmp_path, model, innov):
    """The README's example history (independent normal returns, which no GARCH effect explains:
    EGARCH's likelihood rises toward beta = 1 over thousands of iterations) is fitted by every
    GARCH type, and at least as well as arch fits it."""
    d = np.busday_offset("2022-01-03", np.arange(750), roll="forward")
    p = 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(3e-4, 0.01, (750, 2)), axis=0))
    csv = tmp_path / "prices.csv"
    # EQ alone: with BOND beside it a Student-t fit shares one nu, which arch does not.
    csv.write_text("date,EQ\n" + "".join(f"{a},{x}\n" for a, (x, _) in zip(d, p)))
    report, _ = calibrate(scengine, csv, tmp_path, model, innov)
    returns = np.diff(np.log(p[:, 0]))
    ours = report["assets"]["EQ"]["loglik"]
    theirs = arch_fit(returns, model, innov).loglikelihood - returns.size * math.log(100)
    assert ours >= theirs - 0.01, f"EQ: log-likelihood {ours}, arch {theirs}"


def test_fitted_scenario_runs(scengine, prices, tmp_path):
    csv, _ = prices
    _, scenario = calibrate(scengine, csv, tmp_path, "gjr", "student_t")
    result = subprocess.run(
        [str(scengine), "run", str(scenario), "--out", str(tmp_path / "run"), "--paths", "20",
         "--progress", "none"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("innov", ["normal", "student_t"])
def test_several_assets_joint_loglik(scengine, tmp_path, innov):
    """With several assets the total log-likelihood is the joint one of the model the engine
    simulates (constant conditional correlation R of the standardized residuals; normal, or
    a multivariate t with one mixing draw per step): at scengine's estimates, arch's fixed-
    parameter recursions give sigma_t and z_t per asset, and scipy's multivariate density of
    z_t (normal N(0, R), or t with shape R (nu - 2) / nu) less sum ln sigma_t must equal it.
    The AIC counts the correlations."""
    from arch.data import nasdaq
    from scipy.stats import multivariate_normal, multivariate_t

    both = (sp500.load()[["Adj Close"]].rename(columns={"Adj Close": "SPX"})
            .join(nasdaq.load()[["Adj Close"]].rename(columns={"Adj Close": "NDX"}), how="inner")
            .dropna().iloc[-1500:])
    csv = tmp_path / "two.csv"
    both.to_csv(csv, index_label="date", date_format="%Y-%m-%d")
    report, _ = calibrate(scengine, csv, tmp_path, "garch", innov)
    returns = np.diff(np.log(both.to_numpy()), axis=0)
    t, k = returns.shape
    z = np.empty_like(returns)
    log_sigma = 0.0
    nu = None
    for a, name in enumerate(both.columns):
        p = report["assets"][name]["parameters"]
        values = to_arch_scale("garch", p)
        nu = values[-1] if innov == "student_t" else None
        model = arch_model(100 * returns[:, a], mean="Constant", vol="GARCH", p=1, q=1,
                           dist="t" if innov == "student_t" else "normal")
        fixed = model.fix(values)
        z[:, a] = fixed.std_resid
        log_sigma += np.log(fixed.conditional_volatility / 100).sum()
    r = np.array(report["correlation"])
    if nu is None:
        density = multivariate_normal(mean=np.zeros(k), cov=r).logpdf(z).sum()
    else:
        density = multivariate_t(loc=np.zeros(k), shape=r * (nu - 2) / nu, df=nu).logpdf(z).sum()
    expected = density - log_sigma
    assert abs(report["loglik"] - expected) <= 1e-3, (
        f"joint loglik: expected {expected}, observed {report['loglik']}, tolerance 1e-3")
    assert report["loglik_basis"].startswith("joint")
    own = sum(report["assets"][n]["loglik"] for n in both.columns)
    assert report["loglik_correlation"] == pytest.approx(report["loglik"] - own, abs=1e-6)
    assert report["parameters_count"] == 2 * 4 + (1 if nu else 0) + 1


@pytest.mark.parametrize("innov", ["normal", "student_t"])
def test_egarch_mean_standard_error(scengine, tmp_path, innov):
    """EGARCH's |z| term puts a kink in the log-likelihood wherever the mean crosses a return,
    and the estimate sits on one: a Hessian over a tiny step measures the kink. The reference
    is the curvature of the profile log-likelihood of the mean (arch refitting the other
    parameters at 17 means within +-1.2 naive standard errors); classic and robust standard
    errors must be within 25% of it (the quadratic fit's own error is a few per cent). The
    whole series (4,900 returns), where a tiny step gave 6 (classic) and 40 (robust) times too
    small a standard error."""
    csv = tmp_path / "sp500.csv"
    returns = write_prices(csv, len(sp500.load()["Adj Close"].dropna()))
    report, _ = calibrate(scengine, csv, tmp_path, "egarch", innov)
    mean = report["assets"]["SPX"]["parameters"]["mean"]
    y = 100 * returns
    dist = "t" if innov == "student_t" else "normal"
    mu = arch_model(y, mean="Constant", vol="EGARCH", p=1, o=1, q=1, dist=dist).fit(
        disp="off").params["mu"]
    width = 1.2 * y.std() / math.sqrt(len(y))
    grid = mu + np.linspace(-width, width, 17)
    profile = [arch_model(y - m, mean="Zero", vol="EGARCH", p=1, o=1, q=1, dist=dist).fit(
        disp="off").loglikelihood for m in grid]
    curvature = np.polyfit(grid - mu, profile, 2)[0]
    reference = math.sqrt(-1 / (2 * curvature)) / 100
    for kind in ("std_error", "robust_std_error"):
        assert mean[kind] == pytest.approx(reference, rel=0.25), (
            f"{innov} {kind} of mean: expected {reference} (profile), observed {mean[kind]}, "
            "tolerance 25%")
