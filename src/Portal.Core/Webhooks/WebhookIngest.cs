using System.Data.Common;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Webhooks;

/// <summary>What became of one submitted event.</summary>
public enum IngestOutcome
{
    /// <summary>Stored and committed durably.</summary>
    Stored,

    /// <summary>Its <c>webhook-id</c> was stored before (by this or another instance): nothing written.</summary>
    Duplicate,

    /// <summary>Its config was deleted before the event could be stored.</summary>
    Gone,

    /// <summary>The queue is full, or the store stayed locked longer than a writer waits: the sender should retry later. Nothing written.</summary>
    Busy,
}

/// <summary>
/// Inbound ingest by group commit (DESIGN.md "The hot path"): requests hand their event to one writer through a bounded
/// channel; the writer inserts whatever is waiting (up to <see cref="BatchLimit"/>) in one transaction with one
/// statement, <c>webhook-id</c> deduplicated in SQL (<c>ON CONFLICT DO NOTHING … RETURNING</c>), commits, and only then
/// completes each waiting request. The flush is paid once per batch, and nothing is acknowledged before it is on disk.
/// A full queue (by count, or by body bytes held) answers <see cref="IngestOutcome.Busy"/> at once: never a silent drop.
/// </summary>
public sealed class WebhookIngest(IDbContextFactory<PortalDbContext> dbFactory, IOptions<WebhookIngestOptions> options, ILogger<WebhookIngest> logger)
{
    /// <summary>The default of <see cref="WebhookIngestOptions.QueueCapacity"/> (<c>Portal:Ingest:QueueCapacity</c>).</summary>
    public const int QueueCapacity = 4096;
    public const int BatchLimit = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller answers 503
    });

    /// <summary>Events waiting for the writer now.</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>Reports <see cref="Waiting"/> as the <c>portal.ingest.queue_depth</c> gauge (the app's writer calls it once).</summary>
    internal void Observe() => PortalMetrics.ObserveQueueDepth(() => Waiting);

    private long _queuedBytes;

    /// <summary>Body bytes held for the writer now (queued or in the batch being written).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Hands <paramref name="e"/> to the writer and waits until it is committed (or refused).</summary>
    public async Task<IngestOutcome> SubmitAsync(WebhookEvent e)
    {
        var size = e.Body.LongLength + (e.Headers?.Length ?? 0) * 2L;
        if (Interlocked.Add(ref _queuedBytes, size) > options.Value.QueueBytes && size < Interlocked.Read(ref _queuedBytes))
        {
            Interlocked.Add(ref _queuedBytes, -size); // over the byte budget (one body alone always fits): refuse, hold nothing
            return IngestOutcome.Busy;
        }

        try
        {
            var pending = new Pending(e);
            var outcome = _queue.Writer.TryWrite(pending) ? await pending.Done.Task : IngestOutcome.Busy;
            PortalMetrics.Ingest.Add(1, PortalMetrics.Tag("outcome", OutcomeNames[(int)outcome]));
            return outcome;
        }
        finally
        {
            Interlocked.Add(ref _queuedBytes, -size);
        }
    }

    /// <summary>
    /// Called with the batch size each time the writer has taken a batch from the queue, before it goes to the store; the
    /// writer goes on when the task completes. Null in the app: it lets a test see (and hold) the writer at that point.
    /// </summary>
    public Func<int, Task>? BatchTaken { get; set; }

    /// <summary>The writer: runs until the channel is completed and drained.</summary>
    internal async Task RunAsync(CancellationToken stopping)
    {
        var batch = new List<Pending>(BatchLimit);
        while (await WaitToReadAsync(stopping))
        {
            batch.Clear();
            while (batch.Count < BatchLimit && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            if (BatchTaken is { } taken)
            {
                await taken(batch.Count);
            }

            await WriteAsync(batch);
        }

        await DropWriterContextAsync();
    }

    /// <summary>Stops taking events; the writer drains what is queued, then ends.</summary>
    internal void Complete() => _queue.Writer.TryComplete();

    private async Task<bool> WaitToReadAsync(CancellationToken stopping)
    {
        try
        {
            return await _queue.Reader.WaitToReadAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            Complete();
            return await _queue.Reader.WaitToReadAsync(CancellationToken.None); // drain what was accepted before the stop
        }
    }

    private static readonly string[] OutcomeNames = Enum.GetValues<IngestOutcome>().OrderBy(o => (int)o).Select(o => o.ToString().ToLowerInvariant()).ToArray();

    /// <summary>
    /// The writer's own context and connection, kept open from batch to batch: a batch then costs its statements and its
    /// commit only (a context and an opened connection per batch were a fifth of a loaded receiver's CPU). Replaced after
    /// a failure, so a broken connection is not reused.
    /// </summary>
    private PortalDbContext? _writerDb;

    private async Task<PortalDbContext> WriterContextAsync()
    {
        if (_writerDb is null)
        {
            var db = await dbFactory.CreateDbContextAsync();
            try
            {
                await db.Database.OpenConnectionAsync();
            }
            catch
            {
                await db.DisposeAsync(); // the store is unreachable: the next batch tries a new context
                throw;
            }

            _writerDb = db;
        }

        return _writerDb;
    }

    private async Task DropWriterContextAsync()
    {
        if (_insertEach is { } insert)
        {
            _insertEach = null;
            await insert.Command.DisposeAsync();
        }

        if (_writerDb is { } db)
        {
            _writerDb = null;
            await db.DisposeAsync();
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        PortalMetrics.IngestBatch.Record(batch.Count);
        try
        {
            HashSet<Pending> stored;
            try
            {
                stored = await InsertAsync(batch);
            }
            catch
            {
                await DropWriterContextAsync();
                throw;
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetResult(stored.Contains(pending) ? IngestOutcome.Stored : IngestOutcome.Duplicate);
            }
        }
        catch (Exception e) when (StoreFailures.IsBusy(e))
        {
            // The store stayed locked longer than a writer waits (another process's long write): nothing was stored, and
            // retrying the batch event by event would make each sender wait as long again. The senders retry later (503).
            logger.LogWarning("Webhook ingest batch of {Count} not stored: the store stayed busy; answered 503.", batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetResult(IngestOutcome.Busy);
            }
        }
        catch (Exception e) when (batch.Count > 1 && !StoreFailures.IsUnreachable(e))
        {
            // One event spoiled the batch (e.g. its config was deleted meanwhile): store the others one by one.
            foreach (var pending in batch)
            {
                await WriteAsync([pending]);
            }
        }
        catch (DbException e) when (batch.Count == 1 && IsMissingConfig(e))
        {
            batch[0].Done.TrySetResult(IngestOutcome.Gone);
        }
        catch (Exception e)
        {
            logger.LogWarning("Webhook ingest batch of {Count} not stored ({Reason}).", batch.Count, e.GetType().Name);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private const string Columns = """INSERT INTO "WebhookEvents" ("TenantId", "IntegrationId", "ConfigId", "BindingId", "WebhookId", "ReceivedAt", "ContentType", "MediaType", "Headers", "SignatureCheck", "SigningSecretName", "Body") VALUES """;
    /// <summary>The parameters of one row, in the order of <see cref="Columns"/>; <see cref="ValuesOf"/> gives their values.</summary>
    private static readonly string[] ParameterNames = ["t", "i", "c", "b", "w", "r", "ct", "mt", "h", "s", "sn", "body"];

    private static object?[] ValuesOf(WebhookEvent e, bool postgres) =>
        [e.TenantId, e.IntegrationId, Stored(e.ConfigId, postgres), Stored(e.BindingId, postgres), e.WebhookId, e.ReceivedAt,
            e.ContentType, e.MediaType, e.Headers, e.SignatureCheck, e.SigningSecretName, e.Body];

    private const string OnConflict = """ ON CONFLICT ("TenantId", "ConfigId", "BindingId", "WebhookId") DO NOTHING""";

    /// <summary>One transaction, one commit: returns the events that were new.</summary>
    private async Task<HashSet<Pending>> InsertAsync(List<Pending> batch)
    {
        var db = await WriterContextAsync();
        var postgres = db.Database.IsNpgsql();
        using var turn = await StoreWriteGate.EnterAsync(db, CancellationToken.None);
        await using var tx = await db.Database.BeginTransactionAsync();
        var transaction = tx.GetDbTransaction();

        // Rows go in the order of their unique key, the same on every instance: two writers inserting the same webhook-ids
        // (a provider retrying through a load balancer) then wait for each other in turn, never in a cycle. A deadlock
        // would fail the whole batch. Stable: of one delivery sent twice, the first queued is still the one stored.
        var rows = batch.OrderBy(p => p.Event.TenantId, StringComparer.Ordinal).ThenBy(p => p.Event.ConfigId).ThenBy(p => p.Event.BindingId)
            .ThenBy(p => p.Event.WebhookId, StringComparer.Ordinal).ToList();
        HashSet<Pending> stored;
        if (postgres)
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = transaction;
            stored = await InsertAllAsync(command, rows);
        }
        else
        {
            _insertEach ??= await PrepareInsertEachAsync(db.Database.GetDbConnection());
            _insertEach.Command.Transaction = transaction;
            stored = await InsertEachAsync(_insertEach, rows);
        }

        await tx.CommitAsync();
        return stored;
    }

    /// <summary>The writer's one-row insert on SQLite, prepared once on its connection and kept with it.</summary>
    private InsertEach? _insertEach;

    private sealed record InsertEach(DbCommand Command, DbParameter[] Parameters);

    /// <summary>
    /// SQLite, in process: one small statement, prepared once and run for each row. (One statement of N rows was parsed
    /// anew for every batch, and SQLite finds each of its 12×N named parameters by a linear search: the profile of a
    /// loaded receiver spent more time there than in the inserts.)
    /// </summary>
    private static async Task<InsertEach> PrepareInsertEachAsync(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = Columns + "(" + string.Join(", ", ParameterNames.Select(n => "@" + n)) + ")" + OnConflict + """ RETURNING 1""";
        var parameters = ParameterNames.Select(name =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await command.PrepareAsync();
        return new InsertEach(command, parameters);
    }

    private static async Task<HashSet<Pending>> InsertEachAsync(InsertEach insert, List<Pending> rows)
    {
        var stored = new HashSet<Pending>();
        foreach (var pending in rows)
        {
            var values = ValuesOf(pending.Event, postgres: false);
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            // Within one batch the same delivery may come twice: the first is the stored one, the second meets the conflict.
            if (await insert.Command.ExecuteScalarAsync() is not null and not DBNull)
            {
                stored.Add(pending);
            }
        }

        return stored;
    }

    /// <summary>PostgreSQL, over the network: one statement for the whole batch, one round trip.</summary>
    private static async Task<HashSet<Pending>> InsertAllAsync(DbCommand command, List<Pending> rows)
    {
        var sql = new StringBuilder(Columns);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = i;
            sql.Append(i == 0 ? "(" : ", (").Append(string.Join(", ", ParameterNames.Select(n => $"@{n}{row}"))).Append(')');
            var values = ValuesOf(rows[i].Event, postgres: true);
            for (var v = 0; v < values.Length; v++)
            {
                command.AddParameter($"{ParameterNames[v]}{i}", values[v] ?? DBNull.Value);
            }
        }

        sql.Append(OnConflict).Append(""" RETURNING "TenantId", "ConfigId", "BindingId", "WebhookId" """);
        command.CommandText = sql.ToString();

        var inserted = new HashSet<(string, string, string, string)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inserted.Add((reader.GetString(0), reader.GetValue(1).ToString()!.ToUpperInvariant(), reader.GetValue(2).ToString()!.ToUpperInvariant(), reader.GetString(3)));
            }
        }

        // Within one batch the same delivery may come twice: the first is the stored one, the rest are duplicates.
        var stored = new HashSet<Pending>();
        foreach (var pending in rows)
        {
            var e = pending.Event;
            if (inserted.Remove((e.TenantId, e.ConfigId.ToString().ToUpperInvariant(), e.BindingId.ToString().ToUpperInvariant(), e.WebhookId)))
            {
                stored.Add(pending);
            }
        }

        return stored;
    }

    /// <summary>As EF Core stores a Guid: a uuid on PostgreSQL, upper-case text on SQLite.</summary>
    private static object Stored(Guid id, bool postgres) => postgres ? id : id.ToString().ToUpperInvariant();


    /// <summary>A foreign key violation: the config (and its events) was deleted while the event waited.</summary>
    private static bool IsMissingConfig(DbException e) =>
        e.SqlState == "23503" || (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 } && e.Message.Contains("FOREIGN KEY", StringComparison.Ordinal));

    private sealed class Pending(WebhookEvent e)
    {
        public WebhookEvent Event { get; } = e;

        public TaskCompletionSource<IngestOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Runs the <see cref="WebhookIngest"/> writer; on stop it drains what was accepted before ending.</summary>
public sealed class WebhookIngestWriter(WebhookIngest ingest) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ingest.Observe();
        return ingest.RunAsync(stoppingToken);
    }
}
