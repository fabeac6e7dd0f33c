"""Plain-text reports of the developer tools: the bench, the runtime comparison, the soak.

``python -m mgc_core bench`` (and ``bench --runtimes``, ``soak``) print these when not asked
for ``--json``. Each function takes the report its tool returns and prints it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["print_bench", "print_runtimes", "print_soak"]


def print_bench(report: dict[str, Any]) -> None:
    """Print :func:`mgc_devtools.bench.run_benchmarks`'s report as tables."""
    m, clips, ar = report["machine"], report["clips"], report["arithmetic"]
    long_label = f"{clips['long_s']:g} s" if report["quick"] else "5 min"
    print(f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable); "
          f"{' '.join(m['isa'] or ['(ISA flags unknown)'])}")
    print(f"  Python {m['python']}, numpy {m['numpy']} ({m['blas']}), LiteRT {m['litert']}, "
          f"librosa {m['librosa']}")
    load = report["load_average"]
    if load["start"] and load["end"]:
        print(f"  load average (1 min) {load['start'][0]:.1f} at the start, {load['end'][0]:.1f} "
              f"at the end, on {m['cores']} cores: other work slows every timing")
    print(f"audio: {clips['signal']}, {clips['sr']} Hz; {report['repeats']} runs after 1 "
          "warm-up; seconds, median [min - max]")

    def cell(s: dict) -> str:
        return f"{s['median_s']:7.3f} [{s['min_s']:.3f}-{s['max_s']:.3f}]"

    def table(title: str, heads: tuple[str, str], rows: dict[str, tuple]) -> None:
        print(f"\n{title:<40} {heads[0]:>21}   {heads[1]:>21}")
        for label, (a, b) in rows.items():
            print(f"  {label:<38} " + "   ".join(
                f"{'':>21}" if s is None else f"{s:>21}" if isinstance(s, str) else cell(s)
                for s in (a, b)))

    dec = report["decode"]
    table("decode (bytes to 22050 Hz mono)", ("30 s", long_label),
          {fmt: (dec[f"{fmt.lower()}_30s"], dec[f"{fmt.lower()}_5min"]) for fmt in ("WAV", "MP3")})
    f30, f240 = report["features"], report["features_240s"]
    table("Audio features page", ("30-s window", f"{clips['features_240s_window_s']:g}-s window"),
          {**{n: (f30.get(n), f240.get(n)) for n in dict.fromkeys([*f30, *f240])},
           "sum of medians": (f"{report['features_total_s']:7.3f}",
                              f"{report['features_240s_total_s']:7.3f}")})
    rows = {"shared analysis (resample, STFT, mel)": (report["analysis"]["30s"],
                                                      report["analysis"]["5min"])}
    rows.update({f"model {n}": (s, report["models"]["5min"][n])
                 for n, s in report["models"]["30s"].items()})
    rows["whole classify"] = (report["classify_30s"], report["classify_5min"])
    table("classify (models loaded once)", ("30 s", long_label), rows)

    print(f"\narithmetic: multiply-adds counted from each network's graph; a float32 matmul "
          f"reaches {ar['matmul_gflops']:.0f} GFLOP/s here (best of "
          f"{', '.join(f'{r:.0f}' for r in ar['matmul_gflops_runs'])})")
    print(f"  {'network':<24} {'GMAC/input':>10}  " + "  ".join(
        f"{label + ': inputs':>13} {'s':>6} {'GFLOP/s':>7} {'matmul':>6}"
        for label in ("30 s", long_label)))
    for f, net in ar["networks"].items():
        cells = []
        for key in ("30s", "5min"):
            n = net[key]
            cells.append(f"{n['inputs']:>13} {n['seconds']['median_s']:6.3f} {n['gflops']:7.0f} "
                         f"{n['share_of_matmul']:6.0%}" if n["observed"] else
                         f"{n['inputs']:>13} {'(not seen invoked)':>21}")
        per_input = (f"{net['30s']['macs_per_input'] / 1e9:10.4f}"
                     if net["30s"]["macs_per_input"] else f"{'varies':>10}")
        print(f"  {f:<24} {per_input}  " + "  ".join(cells)
              + (f"  UNCOUNTED {net['uncounted']}" if net["uncounted"] else ""))
    a30, a5 = ar["30s"], ar["5min"]
    for label, key, fmt in (
            ("needed multiply-adds (G), one input per segment", "macs", "{:.1f}"),
            ("executed, batch padding included (G)", "macs_executed", "{:.1f}"),
            ("fp32 floor: 2 x needed / matmul rate (s)", "floor_s", "{:.3f}"),
            ("whole classify (s)", "classify_s", "{:.3f}"),
            ("  classify / floor", "ratio", "{:.2f}x"),
            ("time inside the networks (s)", "networks_s", "{:.3f}"),
            ("  networks / floor", "networks_ratio", "{:.2f}x"),
            ("outside the networks (s)", "outside_networks_s", "{:.3f}")):
        scale = 1e9 if key.startswith("macs") else 1
        print(f"  {label:<48} {fmt.format(a30[key] / scale):>10}   "
              f"{fmt.format(a5[key] / scale):>10}")
    if not (a30["complete"] and a5["complete"]):
        print("  (some operators were not counted: the floor is a lower bound)")

    cold, mem = report["cold_start"], report["memory"]
    print(f"\ncold start (fresh process; import, load every model, decode + classify 30 s): "
          f"{report['cold_start_s']:.2f} s = import {cold['import_s']:.2f} + load models "
          f"{cold['load_models_s']:.2f} + first classify {cold['first_classify_s']:.2f}")
    print(f"memory of that serving process (resident MB): models loaded "
          f"{mem['rss_models_loaded_mb']:.0f}, after 30 s {mem['rss_after_30s_mb']:.0f}, "
          f"after {long_label} twice {mem['rss_after_5min_mb']:.0f}, peak "
          f"{mem['peak_rss_mb']:.0f} (this benchmark: {mem['bench_process_peak_rss_mb']:.0f})")
    if report.get("batch"):
        print()
        from mgc_devtools.batch_bench import print_report

        print_report(report["batch"])


def print_runtimes(report: dict[str, Any]) -> None:
    """Print :func:`mgc_devtools.runtimes.compare_runtimes`'s report."""
    print(f"MSD musicnn network, {report['macs_per_patch'] / 1e9:.2f} G multiply-adds per "
          f"patch; {report['threads']} threads; a float32 matmul reaches "
          f"{report['matmul_gflops']:.0f} GFLOP/s")
    for name, r in report["runtimes"].items():
        cells = "  ".join(
            f"{n} patches {r[n]['median_s']:.3f} s ({r[n]['gflops']:.0f} GFLOP/s)"
            for n in r if n.isdigit())
        print(f"  {name:<12} {cells}  rss {r['rss_added_mb']:+.0f} MB  "
              f"max |diff| {r['max_abs_diff']:.1e}  convert {r['convert_s']:.1f} s")


def print_soak(report: Any) -> None:
    """Print a :class:`mgc_devtools.soak.SoakReport` and whether it passed."""
    d = report.to_dict()
    print(f"{d['n_analyses']} analyses of clips of {min(report.durations_s):.1f} to "
          f"{max(report.durations_s):.1f} s ({d['figures']} figures) in {d['seconds']:.0f} s")
    print(f"  {'RSS before the first analysis':<36} {d['start_rss_mb']:8.1f} MB")
    print(f"  {f'RSS after analysis {report.baseline_after}':<36} {d['baseline_rss_mb']:8.1f} MB")
    print(f"  {f'RSS after analysis {report.n_analyses} (the last)':<36} "
          f"{d['last_rss_mb']:8.1f} MB")
    print(f"  {'growth':<36} {d['growth_mb']:+8.1f} MB  (bound {d['bound_mb']:g} MB; "
          f"trend {d['slope_mb_per_100']:+.1f} MB per 100 analyses)")
    print(f"  {'peak RSS':<36} {d['peak_rss_mb']:8.1f} MB")
    print("PASS" if report.passed else "FAIL")
