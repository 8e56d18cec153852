using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Keys;

namespace Portal.Bench;

/// <summary>
/// The key check of an inbound request: <see cref="KeyEngine.CheckAsync"/> for a webhook key, through the app's
/// DbContext factory on a SQLite store of <see cref="N"/> keys. <c>CheckValid</c> is the path of a good request (lookup
/// by hash through the unique index, constant-time compare, last-used write); <c>CheckUnknown</c> is a well-formed key
/// that is not stored (lookup only, as for a probe).
/// </summary>
public class KeyCheckBenchmarks
{
    /// <summary>Set by the runner from the command line before BenchmarkDotNet starts (in-process toolchain).</summary>
    public static IReadOnlyList<int> Sizes { get; set; } = [1_000, 1_000_000];

    public static string CacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "portal-bench-cache");

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    private ServiceProvider? _services;
    private KeyEngine? _engine;
    private KeyStore.RealKey[] _keys = [];
    private string _unknown = "";
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var store = KeyStore.Open(N, CacheDirectory);
        (_services, _engine) = Engine(store);
        _keys = [.. store.Keys];
        _unknown = SecretFormat.Mint(KeyPrefixes.WebhookKey).Value;
        foreach (var key in _keys)
        {
            var check = _engine.CheckAsync(KeyKind.WebhookKey, KeyStore.Tenant, key.Value, key.Owner, "127.0.0.1").GetAwaiter().GetResult();
            if (!check.IsValid)
            {
                throw new InvalidOperationException($"A stored key was not accepted: {check.Outcome}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services?.Dispose();

    [Benchmark]
    public async Task<KeyCheckOutcome> CheckValid()
    {
        var key = _keys[_next++ % _keys.Length];
        return (await _engine!.CheckAsync(KeyKind.WebhookKey, KeyStore.Tenant, key.Value, key.Owner, "127.0.0.1")).Outcome;
    }

    [Benchmark]
    public async Task<KeyCheckOutcome> CheckUnknown() =>
        (await _engine!.CheckAsync(KeyKind.WebhookKey, KeyStore.Tenant, _unknown, null, "127.0.0.1")).Outcome;

    /// <summary>The engine as the app builds it: its DbContext factory, a Data Protection provider, the system clock.</summary>
    public static (ServiceProvider Services, KeyEngine Engine) Engine(KeyStore store)
    {
        var services = KeyStore.Services(store.ConnectionString, store.Provider);
        var dbFactory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        KeyStore.Listen(services); // as the app does: on PostgreSQL the cache answers from memory only once the listener is up

        var engine = new KeyEngine(
            dbFactory,
            new CredentialProtector(new EphemeralDataProtectionProvider()),
            new Refusals(dbFactory, TimeProvider.System),
            services.GetRequiredService<KeyCache>(),
            new KeyUsage(dbFactory),
            new Portal.Core.KeyLifecycle.KeyPolicyService(dbFactory, new Refusals(dbFactory, TimeProvider.System), services.GetRequiredService<ChangeFeed>(), TimeProvider.System),
            new Portal.Core.Notifications.KeyUseAlerts(dbFactory, new Portal.Core.Notifications.NotificationSignal(), TimeProvider.System),
            TimeProvider.System);
        return (services, engine);
    }
}
