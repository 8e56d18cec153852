using Microsoft.AspNetCore.DataProtection;

namespace Portal.Hosting;

/// <summary>
/// Makes Data Protection create (and later renew) its key outside any write transaction. The key ring lives in the
/// store; on SQLite a key created inside a protect call that runs in a write transaction (the first signing secret of a
/// fresh database, or the first protect after the key nears expiry) waits for the very lock its caller holds. Found by the
/// demo seeder, whose first signing secret hung the start. Protecting once at start and every hour keeps the key ring
/// current, so a protect inside a transaction finds a usable key.
/// </summary>
public sealed class KeyRingWarmer(IDataProtectionProvider dataProtection, ILogger<KeyRingWarmer> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Protects a throwaway value: creates the first key, or the next one when the current one is about to expire.</summary>
    public void Warm() => dataProtection.CreateProtector("Portal.KeyRingWarmer").Protect([1]);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                Warm();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "The Data Protection key ring could not be refreshed; the next protect will try again.");
            }
        }
    }
}
