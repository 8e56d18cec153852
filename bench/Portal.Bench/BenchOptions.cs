using System.Globalization;

namespace Portal.Bench;

/// <summary>Command-line settings of one run. Defaults are the documented run: 1,000 and 1,000,000 keys; 16 senders for 10 s per endpoint.</summary>
public sealed class BenchOptions
{
    public IReadOnlyList<int> KeyCounts { get; private set; } = [1_000, 1_000_000];
    public int IngestSeconds { get; private set; } = 10;
    public int IngestWarmupSeconds { get; private set; } = 2;
    public int Concurrency { get; private set; } = 16;
    public bool Quick { get; private set; }
    public bool SkipKeys { get; private set; }
    public bool SkipIngest { get; private set; }
    public bool SkipPostgres { get; private set; }
    public bool SkipLists { get; private set; }

    /// <summary>Only the mixed load (issue 14 point 4): no key checks, ingest comparison or lists.</summary>
    public bool MixedOnly { get; private set; }
    /// <summary>Only the ingest comparison (bare vs Portal, with CPU per delivery): no MCP, mixed load, key checks or lists.</summary>
    public bool IngestOnly { get; private set; }
    /// <summary>Only the revocation figure (two instances on PostgreSQL): no key checks, ingest, mixed load or lists.</summary>
    public bool RevocationOnly { get; private set; }
    public string? PortalDll { get; private set; }

    /// <summary>The ReadyToRun publish of the Portal (scripts/publish.sh; bench/run.sh makes it): its starts are the goal's figure.</summary>
    public string? PublishedDll { get; private set; }
    public string CacheDirectory { get; private set; } = DefaultCacheDirectory();

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--keys":
                    o.KeyCounts = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList();
                    break;
                case "--duration": o.IngestSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": o.IngestWarmupSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--concurrency": o.Concurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--portal-dll": o.PortalDll = Path.GetFullPath(Next()); break;
                case "--published-dll": o.PublishedDll = Path.GetFullPath(Next()); break;
                case "--cache": o.CacheDirectory = Path.GetFullPath(Next()); break;
                case "--skip-keys": o.SkipKeys = true; break;
                case "--skip-ingest": o.SkipIngest = true; break;
                case "--skip-postgres": o.SkipPostgres = true; break;
                case "--skip-lists": o.SkipLists = true; break;
                case "--mixed-only": o.MixedOnly = o.SkipKeys = o.SkipLists = true; break;
                case "--ingest-only": o.IngestOnly = o.SkipKeys = o.SkipLists = true; break;
                case "--revocation-only": o.RevocationOnly = o.SkipIngest = o.SkipLists = true; break;
                case "--quick":
                    // For development on the shared 2-core machine: smaller store, shorter runs.
                    o.Quick = true;
                    o.KeyCounts = [1_000, 100_000];
                    o.IngestSeconds = 3;
                    o.IngestWarmupSeconds = 1;
                    break;
                default: throw new ArgumentException($"unknown argument {args[i]}; see bench/README.md");
            }
        }

        return o;
    }

    /// <summary>The repository root (the folder holding Portal.sln), found from the binaries upwards.</summary>
    public static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string DefaultCacheDirectory() =>
        RepoRoot() is { } root ? Path.Combine(root, "bench", ".cache") : Path.Combine(Path.GetTempPath(), "portal-bench-cache");
}
