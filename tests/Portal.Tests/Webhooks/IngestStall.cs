using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Core.Data;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Sees the ingest writer take a batch from the queue (<see cref="WebhookIngest.BatchTaken"/>), on its way to the store,
/// and can hold it there with exactly that batch: it reads nothing more from the queue until released.
/// </summary>
internal sealed class IngestWriterProbe
{
    private Next? _next;

    /// <summary>For <see cref="PortalApplication.TestServices"/>: the app's writer, watched by this probe.</summary>
    public static void Install(IServiceCollection services)
    {
        services.AddSingleton<IngestWriterProbe>();
        services.AddSingleton(sp =>
        {
            var ingest = new WebhookIngest(
                sp.GetRequiredService<IDbContextFactory<PortalDbContext>>(), sp.GetRequiredService<IOptions<WebhookIngestOptions>>(), sp.GetRequiredService<ILogger<WebhookIngest>>());
            ingest.BatchTaken = sp.GetRequiredService<IngestWriterProbe>().TakenAsync;
            return ingest;
        });
    }

    /// <summary>
    /// Completes when the writer next takes a batch (call it before sending what it should take). The writer then goes on
    /// to the store at once, or, given <paramref name="release"/>, once that completes.
    /// </summary>
    public Task NextBatchTaken(Task? release = null)
    {
        var next = new Next(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), release ?? Task.CompletedTask);
        Volatile.Write(ref _next, next);
        return next.Taken.Task;
    }

    private async Task TakenAsync(int count)
    {
        if (Interlocked.Exchange(ref _next, null) is { } next)
        {
            next.Taken.TrySetResult();
            await next.Release;
        }
    }

    private sealed record Next(TaskCompletionSource Taken, Task Release);
}

/// <summary>
/// The store's write lock on webhook events, held from outside the app as another process's long write would hold it.
/// SQLite: <c>BEGIN IMMEDIATE</c> on a connection of its own to the app's <c>portal.db</c> (the writer waits in
/// <c>busy_timeout</c>). PostgreSQL: <c>LOCK TABLE "WebhookEvents" IN EXCLUSIVE MODE</c> in an open transaction (reads
/// go on; inserts wait). Disposing rolls back: the lock is gone.
/// </summary>
internal sealed class StoreLock(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    public static async Task<StoreLock> TakeAsync(PortalApplication app)
    {
        if (app.Postgres)
        {
            var postgres = new NpgsqlConnection(TestPostgres.Server.ConnectionString(app.Database!));
            await postgres.OpenAsync();
            var tx = await postgres.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("""LOCK TABLE "WebhookEvents" IN EXCLUSIVE MODE""", postgres, tx);
            await command.ExecuteNonQueryAsync();
            return new StoreLock(postgres, tx);
        }

        var sqlite = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "portal.db")};Pooling=False");
        await sqlite.OpenAsync();
        return new StoreLock(sqlite, sqlite.BeginTransaction(deferred: false)); // BEGIN IMMEDIATE: the write lock, now
    }

    /// <summary>PostgreSQL: how many statements wait for a lock on "WebhookEvents" (e.g. writers held by this lock).</summary>
    public async Task<long> WaitingOnWebhookEventsAsync()
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """SELECT count(*) FROM pg_locks WHERE relation = '"WebhookEvents"'::regclass AND NOT granted""";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.RollbackAsync();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

/// <summary>A delivery a test sent, by its <c>webhook-id</c>, with the answer.</summary>
internal sealed record Delivery(string WebhookId, HttpResponseMessage Response);

/// <summary>Deliveries and a stalled writer on an app whose writer is probed (<see cref="IngestWriterProbe.Install"/>).</summary>
internal static class IngestDriver
{
    /// <summary>Only against a hang (a broken stall), never to judge speed: every wait here ends on an event, not a clock.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3); // a loaded CI machine once took over a minute to answer 60 deliveries

    /// <summary>POSTs a JSON event with <paramref name="webhookId"/> to <paramref name="url"/>, as a provider would (padded to about <paramref name="bodyBytes"/>).</summary>
    /// <remarks>
    /// Runs on the thread pool, not on xUnit's test threads: xUnit runs every async test's continuations on as many
    /// threads as the machine has cores, shared by all test classes running at once, and a class that blocks them (a
    /// synchronous wait) would hold this delivery's completion back although the portal had answered. A PostgreSQL
    /// pass once timed out so: the ten 503s had been answered, but their completions waited for a test thread.
    /// </remarks>
    public static Task<Delivery> DeliverAsync(this PortalApplication app, string url, string webhookId, int bodyBytes = 0) => Task.Run(async () =>
    {
        using var http = app.CreateClient();
        var body = $$"""{"id":"{{webhookId}}","padding":"{{new string('p', bodyBytes)}}"}""";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", webhookId);
        return new Delivery(webhookId, await http.SendAsync(request).ConfigureAwait(false));
    });

    /// <summary>
    /// Sends the "plug" delivery <paramref name="plugId"/> and returns once the writer has taken it, alone: the writer holds
    /// it before the store and takes nothing more from the queue until the returned stall is disposed. No clock is involved
    /// (a store lock would end in the store's own timeout, SQLite's 10 s busy_timeout, on a loaded machine).
    /// </summary>
    public static async Task<WriterStall> StallWriterAsync(this PortalApplication app, string url, string plugId)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var taken = app.Services.GetRequiredService<IngestWriterProbe>().NextBatchTaken(release.Task);
        var plug = app.DeliverAsync(url, plugId);
        await taken.WaitAsync(HangGuard);
        Assert.Equal(0, app.Services.GetRequiredService<WebhookIngest>().Waiting);
        return new WriterStall(plug, release);
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked every few milliseconds; the guard only against a hang).</summary>
    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!await condition())
        {
            Assert.False(guard.IsCancellationRequested, $"still not true: {what}");
            await Task.Delay(5, CancellationToken.None);
        }
    }
}

/// <summary>The writer held with the plug delivery (<see cref="IngestDriver.StallWriterAsync"/>); disposing lets it go on to the store.</summary>
internal sealed class WriterStall(Task<Delivery> plug, TaskCompletionSource release) : IAsyncDisposable
{
    /// <summary>The plug's pending answer.</summary>
    public Task<Delivery> Plug { get; } = plug;

    public ValueTask DisposeAsync()
    {
        release.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
