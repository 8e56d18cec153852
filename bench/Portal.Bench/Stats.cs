using System.Diagnostics;

namespace Portal.Bench;

/// <summary>Latency samples in Stopwatch ticks, summarised in milliseconds.</summary>
public sealed record LatencySummary(int Count, double MeanMs, double P50Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary Of(IReadOnlyCollection<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var sorted = ticks.ToArray();
        Array.Sort(sorted);
        double Ms(double t) => t * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => Ms(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);
        return new LatencySummary(sorted.Length, Ms(sorted.Average(t => (double)t)), Percentile(0.50), Percentile(0.99), Ms(sorted[^1]));
    }
}
