using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Portal.Core.Data;

/// <summary>
/// On PostgreSQL: one dedicated connection that <c>LISTEN</c>s to the change channel and hands every notification to
/// the <see cref="ChangeFeed"/>. When the connection drops, the feed goes down at once (caches read the store); the
/// listener reconnects with a short back-off, listens again, and only then lets the caches forget and answer from
/// memory. A quiet connection is probed every few seconds so a dead one is noticed.
/// </summary>
public sealed class PostgresChangeListener(ChangeFeed feed, string connectionString, TimeProvider time, ILogger<PostgresChangeListener> logger) : BackgroundService
{
    public const string Channel = "portal_changes";

    /// <summary>The listener's session name; the announcer counts listeners by it.</summary>
    public const string ApplicationName = "portal-listener";
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        var reported = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(() =>
                {
                    delay = TimeSpan.FromMilliseconds(200);
                    if (reported)
                    {
                        logger.LogInformation("Change listener reconnected; caches reloaded.");
                        reported = false;
                    }
                }, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) // whatever broke the session: never stop the host for it, go down and reconnect
            {
                feed.GoDown();
                if (!reported)
                {
                    // Only the exception's kind: a connection failure message may carry the host and user.
                    logger.LogWarning("Change listener lost the database ({Reason}); key checks read the store until it reconnects.", e.GetType().Name);
                    reported = true;
                }
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }

        feed.GoDown();
    }

    private async Task ListenAsync(Action connected, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false, // LISTEN belongs to this session only; never hand it back to a pool
            ApplicationName = ApplicationName,
            KeepAlive = 5,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        var acks = new List<string>();
        connection.Notification += (_, e) =>
        {
            feed.Heard(time.GetUtcNow());
            if (feed.Receive(e.Payload) is { } barrier)
            {
                acks.Add(barrier); // handled in order: everything before this barrier is evicted already
            }
        };
        await connection.OpenAsync(ct);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        // Listening from here on: whatever changed before is forgotten, then memory is trusted again.
        feed.ComeUp(time.GetUtcNow());
        connected();
        while (!ct.IsCancellationRequested)
        {
            if (!await connection.WaitAsync(ProbeEvery, ct))
            {
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync(ct);
                feed.Heard(time.GetUtcNow());
            }

            if (acks.Count > 0)
            {
                // Tell the instance waiting on each barrier that this one has caught up (see ChangeAnnouncer).
                await using var ack = new NpgsqlCommand(string.Join("; ", acks.Select((_, i) => $"SELECT pg_notify('{Channel}', 'ack|' || @a{i})")), connection);
                for (var i = 0; i < acks.Count; i++)
                {
                    ack.Parameters.AddWithValue($"a{i}", acks[i]);
                }

                acks.Clear();
                await ack.ExecuteNonQueryAsync(ct);
            }
        }
    }
}
